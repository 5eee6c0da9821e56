"""The ``onrecord`` command line: ingest, extract, browse, link, search, serve.

Exit status: 0 when all went well, 1 when some input failed or a command
could not do its job, 2 for usage errors.
"""

from __future__ import annotations

import csv
import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from onrecord.output import FORMATS, dumps, emit, print_kv, shorten
from onrecord.pipeline import SEARCH_REFRESH_SECONDS
from onrecord.queries import ArticleFilter, InvalidFilter, QuoteFilter, StatementFilter, parse_period
from onrecord.store import Store, StoreError

app = typer.Typer(
    name="onrecord",
    help="Who said what, when, and who reported it: quotations and their speakers from news articles.\n\n"
    "Example: onrecord ingest examples/corpus && onrecord quotes --speaker 'Ana Petrov'",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
speakers_app = typer.Typer(
    help="List speakers, or correct them (merge, split, rename); corrections survive reprocessing.\n\n"
    "Example: onrecord speakers --format json",
    invoke_without_command=True,
)
roles_app = typer.Typer(help="Roles (title, organisation, person, dates).\n\nExample: onrecord roles import roles.csv")
app.add_typer(speakers_app, name="speakers")
app.add_typer(roles_app, name="roles")
spark_app = typer.Typer(
    help="The pipeline on Apache Spark (the spark extra).\n\n"
    "Example: onrecord spark run 'crawl/*.warc.gz' --out tables/ && onrecord spark load tables/ --db news.db"
)
app.add_typer(spark_app, name="spark")

# soft_wrap: a failure line stays one line in a log or a pipe (rich would wrap at 80 columns).
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database path or SQLAlchemy URL (default: $ONRECORD_DB or ./onrecord.db)."),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table | json | jsonl | csv")]
# Commands whose output is one document offer only the formats they can write.
TableJsonOpt = Annotated[str, typer.Option("--format", "-f", help="table | json")]
ExtractFormatOpt = Annotated[str, typer.Option("--format", "-f", help="jsonl | json | table")]
ActOpt = Annotated[
    str | None, typer.Option("--act", help="speech (said, wrote, according to) | thought (believes, fears)")
]


MinConfOpt = Annotated[
    float | None,
    typer.Option(
        "--min-confidence", min=0.0, max=1.0,
        help="Keep quotes at least this sure (default 0.5; 0 keeps every candidate, PolNeAR-style).",
    ),
]

JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", min=1,
        help="Extract quotes in this many processes (default: the cores this process may use).",
    ),
]


def _jobs(jobs: int | None) -> int:
    from onrecord.quotes.pool import default_jobs

    return jobs or default_jobs()


def _count_table(title: str, counts: list[tuple[str, int]]) -> None:
    """A run's counts as a two-column table, as ingest and spark run print them."""
    emit([{"what": what, "n": n} for what, n in counts], "table", [("what", title), ("n", "count")])


def _filter(filter_type: type[QuoteFilter] | type[ArticleFilter] | type[StatementFilter], /, **raw: Any) -> Any:
    """Options as the read layer's filter; a bad value is a usage error with the message every door gives."""
    try:
        return filter_type.parse(**raw)
    except InvalidFilter as exc:
        raise typer.BadParameter(str(exc)) from None


LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many rows.")]
OffsetOpt = Annotated[int, typer.Option("--offset", min=0, help="Skip this many rows.")]


class CliError(Exception):
    """A failure to report as one line, exit status 1."""


def _check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> str:
    if fmt not in allowed:
        raise typer.BadParameter(f"must be one of {', '.join(allowed)}", param_hint="--format")
    return fmt


def _store(db: str | None, *, create: bool = False, link_notice: bool = True) -> Store:

    store = Store(db, create=create)
    if link_notice and not create and store.link_due():
        err.print("note: speakers and statements are not up to date (a run stopped before linking finished);"
                  " 'onrecord relink' finishes it")
    return store


class _Progress:
    """A live bar on a terminal; a line every few seconds otherwise (CI logs)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.last = self.t0
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> _Progress:
        if self.tty:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed} items · {task.fields[rate]:.0f}/s · {task.fields[where]}"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            self.bar.__enter__()
            self.task = self.bar.add_task(self.label, total=None, rate=0.0, where="")
        return self

    def __call__(self, n: int, where: str) -> None:
        now = time.perf_counter()
        rate = n / max(now - self.t0, 1e-9)
        if self.bar is not None:
            self.bar.update(self.task, completed=n, rate=rate, where=shorten(os.path.basename(where), 40))
        elif now - self.last >= 5:
            err.print(f"{self.label}: {n} items, {rate:.0f}/s ({shorten(where, 60)})")
            self.last = now

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


# ---------------------------------------------------------------- ingest
@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, glob patterns, or - for stdin.")],
    db: DbOpt = None,
    max_bytes: Annotated[int, typer.Option(help="Skip files larger than this many bytes.")] = 20_000_000,
    no_extract: Annotated[bool, typer.Option("--no-extract", help="Store articles without extracting quotes.")] = False,
    no_link: Annotated[bool, typer.Option("--no-link", help="Skip speaker/statement linking afterwards.")] = False,
    search_refresh: Annotated[
        float, typer.Option(min=0.0, help="Make stored articles searchable every this many seconds while running.")
    ] = SEARCH_REFRESH_SECONDS,
    jobs: JobsOpt = None,
    fmt: TableJsonOpt = "table",
) -> None:
    """Read articles (text, HTML, JSONL, RSS/Atom, WARC), deduplicate, extract quotes and store them.

    Example: onrecord ingest examples/corpus ../crawl/*.warc.gz --db news.db
    """
    from onrecord.pipeline import ingest as run_ingest

    _check_format(fmt, ("table", "json"))
    store = _store(db, create=True)

    def on_failure(f: Any) -> None:
        err.print(f"failed: {f}", markup=False)

    try:
        with _Progress("ingesting") as progress:
            summary = run_ingest(
                paths,
                store,
                max_bytes=max_bytes,
                extract=not no_extract,
                link=not no_link,
                progress=progress,
                on_failure=on_failure,
                stdin=sys.stdin if "-" in paths else None,
                search_refresh=search_refresh,
                jobs=_jobs(jobs),
            )
    except KeyboardInterrupt:
        err.print(f"interrupted: {store.count('articles')} articles are stored; run the same command to resume")
        raise typer.Exit(130) from None
    if fmt == "json":
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        _count_table("ingest", summary.counts())
        err.print(f"{summary.seconds:.1f}s; database: {store.url}")
    raise typer.Exit(1 if summary.failed else 0)


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Files, folders, glob patterns, or - for stdin.")],
    fmt: ExtractFormatOpt = "jsonl",
    max_bytes: Annotated[int, typer.Option(help="Skip files larger than this many bytes.")] = 20_000_000,
    act: ActOpt = None,
    min_confidence: MinConfOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """Extract quotes and speakers without a database: one JSON object per article.

    For a plain-text file the article id is the file name without its extension,
    and every span slices the file's text.

    Example: onrecord extract article.txt --format jsonl | jq '.quotes[].speakers'
    """
    from onrecord.ingest import read_inputs
    from onrecord.models import Failure
    from onrecord.pipeline import extract_articles

    _check_format(fmt, ("jsonl", "json", "table"))
    _filter(QuoteFilter, act=act)
    failed = 0

    def articles() -> Any:
        nonlocal failed
        for item in read_inputs(paths, max_bytes=max_bytes, stdin=sys.stdin if "-" in paths else None):
            if isinstance(item, Failure):
                failed += 1
                err.print(f"failed: {item}", markup=False)
                continue
            if item.format == "text" and item.source_path and item.source_path != "-":
                # For plain text, the file name is the id users check offsets against.
                item.extra.setdefault("content_hash", item.id)
                item.id = Path(item.source_path).stem
            yield item

    collected = []
    for done in extract_articles(articles(), min_confidence=min_confidence, jobs=_jobs(jobs)):
        d = done.to_dict()
        if act:
            d["quotes"] = [q for q in d["quotes"] if q["act"] == act]
        if fmt == "jsonl":
            print(dumps(d), flush=True)
        elif fmt == "json":
            collected.append(d)
        else:
            _print_article_quotes(d)
    if fmt == "json":
        print(json.dumps(collected, ensure_ascii=False, indent=2))
    raise typer.Exit(1 if failed else 0)


def _print_article_quotes(d: dict[str, Any]) -> None:
    err_free = Console(highlight=False)
    err_free.print(f"[bold]{d['id']}[/bold] {d.get('title') or ''} ({d.get('published') or 'no date'})")
    rows = [
        {
            "kind": q["kind"],
            "act": q["act"],
            "speaker": ", ".join(s["name"] for s in q["speakers"]) or "?",
            "via": ", ".join(s["resolved_via"] for s in q["speakers"]),
            "cue": (q["cue"] or {}).get("text"),
            "content": shorten(q["content"]["text"], 80),
            "at": q["content"]["spans"][0][0],
        }
        for q in d["quotes"]
    ]
    emit(
        rows,
        "table",
        [("at", "offset"), ("kind", "kind"), ("act", "act"), ("speaker", "speaker"), ("via", "via"), ("cue", "cue"),
         ("content", "content")],
    )


# --------------------------------------------------------------- browsing
@app.command()
def articles(
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet.")] = None,
    story: Annotated[str | None, typer.Option(help="Only this story id.")] = None,
) -> None:
    """List stored articles.

    Example: onrecord articles --format json --limit 10
    """
    _check_format(fmt)
    flt = _filter(ArticleFilter, outlet=outlet, story_id=story)
    res = _store(db).list_articles(flt, limit=limit, offset=offset)
    items = res.items
    if fmt == "table":
        for a in items:
            a["short_id"] = a["id"][:12]
            a["title_short"] = shorten(a["title"], 60)
            a["dup"] = (a["duplicate_of"] or "")[:12]
            a["story"] = (a["story_id"] or "")[:12]
    emit(
        items,
        fmt,
        [("short_id", "id"), ("published", "published"), ("outlet", "outlet"), ("title_short", "title"),
         ("quote_count", "quotes"), ("dup", "near-dup of"), ("story", "story")]
        if fmt == "table"
        else [("id", "id"), ("published", "published"), ("outlet", "outlet"), ("title", "title"),
              ("url", "url"), ("duplicate_of", "duplicate_of"), ("story_id", "story_id")],
        title=f"{res.total} articles",
    )


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="Article id or a unique prefix of it.")],
    db: DbOpt = None,
    fmt: TableJsonOpt = "table",
) -> None:
    """Show one article: metadata, where it was seen, skip ranges and quotes.

    Example: onrecord show 3f2a9c --format json
    """
    _check_format(fmt, ("table", "json"))
    a = _store(db).get_article(article_id)
    if a is None:
        raise CliError(f"no article with id {article_id!r}")
    if fmt == "json":
        print(json.dumps(a, ensure_ascii=False, indent=2, default=str))
        return
    print_kv(
        [
            ("id", a["id"]),
            ("title", a["title"]),
            ("outlet", a["outlet"]),
            ("published", f"{a['published'] or 'unknown'} (from {a['published_raw']!r})"),
            ("authors", a["authors"]),
            ("url", a["url"]),
            ("story", a["story_id"]),
            ("near-duplicate of", a["duplicate_of"]),
            ("seen in", [f"{s['source_path']}" + (f":{s['source_record']}" if s["source_record"] else "")
                         for s in a["seen_in"]]),
            ("skip ranges", [f"{r['start']}-{r['end']} {r['reason']}" for r in a["skip_ranges"]]),
        ]
    )
    _print_article_quotes({**a, "quotes": a["quotes"]})


@app.command()
def stories(
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    limit: LimitOpt = 50,
    offset: OffsetOpt = 0,
    min_size: Annotated[int, typer.Option(help="Only stories with at least this many articles.")] = 1,
) -> None:
    """List stories: articles about the same event, with near-duplicates and syndicated copies.

    Example: onrecord stories --min-size 2
    """
    _check_format(fmt)
    res = _store(db).list_stories(limit=limit, offset=offset, min_size=min_size)
    rows: list[Any] = res.items
    if fmt == "table":
        rows = [
            {
                "id": s["id"][:12],
                "size": s["size"],
                "first": s["first_published"],
                "outlets": s["outlets"],
                "title": shorten(s["title"], 60),
                "articles": [a["id"][:8] + ("≈" if a["duplicate_of"] else "") for a in s["articles"]],
            }
            for s in rows
        ]
    emit(
        rows,
        fmt,
        [("id", "story"), ("size", "articles"), ("first", "first published"), ("outlets", "outlets"),
         ("title", "title"), ("articles", "article ids (≈ near-duplicate)")],
        title=f"{res.total} stories",
    )


# ----------------------------------------------------------------- quotes
def _quote_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": q["id"],
            "date": q.get("date"),
            "speaker": q.get("speaker_names"),
            "kind": q["kind"],
            "act": q.get("act"),
            "cue": (q.get("cue") or {}).get("text"),
            "content": q["content"]["text"],
            "content_short": shorten(q["content"]["text"], 70),
            "outlet": q.get("outlet"),
            "article_id": q["article_id"],
            "statement_id": q.get("statement_id"),
            "snippet": q.get("snippet"),
        }
        for q in items
    ]


@app.command()
def quotes(
    db: DbOpt = None,
    speaker: Annotated[str | None, typer.Option(help="Speaker name or alias.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY[-MM[-DD]]).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date, inclusive.")] = None,
    search: Annotated[str | None, typer.Option(help="Full-text search in the quote.")] = None,
    kind: Annotated[str | None, typer.Option(help="direct | indirect | mixed")] = None,
    act: ActOpt = None,
    outlet: Annotated[str | None, typer.Option(help="Only quotes reported by this outlet.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Speaker's organisation.")] = None,
    topic: Annotated[str | None, typer.Option(help="Entity or noun phrase the quote is about.")] = None,
    fmt: FormatOpt = "table",
    limit: LimitOpt = 100,
    offset: OffsetOpt = 0,
) -> None:
    """List quotes with their speakers, newest first.

    Example: onrecord quotes --speaker "Jens Stoltenberg" --since 2024-01 --format csv
    """
    _check_format(fmt)
    flt = _filter(QuoteFilter, speaker=speaker, since=since, until=until, q=search, kind=kind, act=act,
                  outlet=outlet, organisation=org, topic=topic)
    res = _store(db).list_quotes(flt, limit=limit, offset=offset)
    if fmt in ("json", "jsonl"):
        emit(res.items, fmt, [], full=res.items)
        return
    emit(
        _quote_rows(res.items),
        fmt,
        [("date", "date"), ("speaker", "speaker"), ("kind", "kind"), ("act", "act"), ("cue", "cue"),
         ("content_short" if fmt == "table" else "content", "content"), ("outlet", "outlet")]
        + ([] if fmt == "table" else [("id", "id"), ("article_id", "article_id")]),
        title=f"{res.total} quotes",
    )


@app.command()
def reprocess(db: DbOpt = None, jobs: JobsOpt = None) -> None:
    """Re-extract quotes of every stored article with the current extractor, then relink.

    Example: onrecord reprocess --db news.db
    """
    from onrecord.pipeline import reprocess as run

    store = _store(db, link_notice=False)
    with _Progress("reprocessing") as progress:
        n = run(store, progress=progress, jobs=_jobs(jobs))
    err.print(f"reprocessed {n} articles; {store.count('quotes')} quotes, {store.count('speakers')} speakers")


@app.command()
def relink(
    db: DbOpt = None,
    full: Annotated[
        bool, typer.Option("--full", help="derive everything again (topics, mentions, said dates, statements)")
    ] = False,
) -> None:
    """Link speakers, roles and statements over the whole store again (after an interrupted run).

    Ingest and reprocess link by themselves; this finishes linking a killed run left due. A relink
    reuses what earlier runs derived from each article and quote and writes only what changed; use
    --full after upgrading onrecord's linker or its spaCy model.

    Example: onrecord relink --db news.db
    """
    from onrecord.pipeline import relink as run

    store = _store(db, link_notice=False)
    t0 = time.perf_counter()
    run(store, full=full)
    err.print(
        f"linked {store.count('quotes')} quotes: {store.count('speakers')} speakers,"
        f" {store.count('statements')} statements ({time.perf_counter() - t0:.1f}s)"
    )


# --------------------------------------------------------------- speakers
@speakers_app.callback()
def speakers_list(
    ctx: typer.Context,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
    limit: LimitOpt = 100,
    offset: OffsetOpt = 0,
) -> None:
    """List speakers with aliases and quote counts."""
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        return
    _check_format(fmt)
    res = _store(db).list_speakers(limit=limit, offset=offset)
    rows: list[Any] = res.items
    for s in rows:
        s["uncertain"] = "yes" if (s.get("data") or {}).get("uncertain") else ""
    emit(
        rows,
        fmt,
        [("name", "speaker"), ("type", "type"), ("quote_count", "quotes"), ("first_seen", "first seen"),
         ("last_seen", "last seen"), ("aliases", "aliases"), ("uncertain", "uncertain merge")],
        title=f"{res.total} speakers",
        full=rows,
    )


def _ctx_db(ctx: typer.Context, db: str | None) -> str | None:
    return db or (ctx.obj or {}).get("db")


@speakers_app.command("merge")
def speakers_merge(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="Speaker to keep.")],
    b: Annotated[str, typer.Argument(help="Speaker merged into it.")],
    db: DbOpt = None,
) -> None:
    """Merge speaker B into A. Example: onrecord speakers merge "Jens Stoltenberg" "J. Stoltenberg" """
    _correct(ctx, db, "merge", {"keep": a, "merge": b})


@speakers_app.command("split")
def speakers_split(
    ctx: typer.Context,
    speaker: Annotated[str, typer.Argument(help="Speaker to split.")],
    alias: Annotated[str, typer.Argument(help="Alias that belongs to someone else.")],
    db: DbOpt = None,
) -> None:
    """Split an alias off into its own speaker. Example: onrecord speakers split "Mark Rutte" "Rutte" """
    _correct(ctx, db, "split", {"speaker": speaker, "alias": alias})


@speakers_app.command("rename")
def speakers_rename(
    ctx: typer.Context,
    speaker: Annotated[str, typer.Argument(help="Speaker to rename.")],
    new_name: Annotated[str, typer.Argument(help="The name to show.")],
    db: DbOpt = None,
) -> None:
    """Give a speaker another canonical name. Example: onrecord speakers rename "Janis Sarts" "Jānis Sārts" """
    _correct(ctx, db, "rename", {"speaker": speaker, "name": new_name})


def _correct(ctx: typer.Context, db: str | None, op: str, args: dict[str, str]) -> None:
    from onrecord.pipeline import relink

    store = _store(_ctx_db(ctx, db), link_notice=False)
    names = [v for k, v in args.items() if k in ("keep", "merge", "speaker")]
    for name in names:
        if not store.speaker_keys_matching(name):
            raise CliError(f"no speaker named {name!r} (see 'onrecord speakers')")
    store.add_correction(op, **args)
    relink(store)
    err.print(f"{op} recorded; {store.count('speakers')} speakers now")


@app.command()
def speaker(
    name: Annotated[str, typer.Argument(help="Name, alias or key.")],
    db: DbOpt = None,
    fmt: TableJsonOpt = "table",
) -> None:
    """One speaker: aliases, roles with dates, statement count, first/last seen, outlets.

    Example: onrecord speaker "Jens Stoltenberg"
    """
    _check_format(fmt, ("table", "json"))
    store = _store(db)
    s = store.get_speaker(name)
    if s is None:
        keys = store.speaker_keys_matching(name)
        hint = f" ({len(keys)} match; use the key)" if keys else ""
        raise CliError(f"no single speaker named {name!r}{hint}")
    s["outlets"] = store.speaker_outlets(s["key"])  # type: ignore[typeddict-unknown-key]
    if fmt == "json":
        print(json.dumps(s, ensure_ascii=False, indent=2, default=str))
        return
    print_kv(
        [
            ("speaker", f"{s['name']} ({s['type']})"),
            ("key", s["key"]),
            ("aliases", s["aliases"]),
            ("roles", [f"{r['title']}" + (f", {r['organisation']}" if r["organisation"] else "")
                       + f" [{r['start'] or '?'} – {r['end'] or '?'}]" for r in s["roles"]]),
            ("quotes", s["quote_count"]),
            ("statements", s["statement_count"]),
            ("first seen", s["first_seen"]),
            ("last seen", s["last_seen"]),
            ("quoted by", s["outlets"]),
        ]
    )
    uncertain = (s.get("data") or {}).get("uncertain")
    if uncertain:
        err.print(f"uncertain merges: {uncertain}")


# ------------------------------------------------------------------ roles
@roles_app.command("import")
def roles_import(
    path: Annotated[Path, typer.Argument(help="CSV with columns title, organisation, person, from, to.")],
    db: DbOpt = None,
) -> None:
    """Import roles; they take precedence over roles read from articles.

    Example: onrecord roles import roles.csv
    """
    from onrecord.pipeline import relink

    rows = []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"title", "person"} - set(reader.fieldnames or [])
            if missing:
                raise CliError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for line, r in enumerate(reader, start=2):
                if not (r.get("title") or "").strip() or not (r.get("person") or "").strip():
                    raise CliError(f"{path}:{line}: title and person are required")
                rows.append(
                    {
                        "title": r["title"].strip(),
                        "organisation": (r.get("organisation") or "").strip() or None,
                        "person": r["person"].strip(),
                        "start": (r.get("from") or "").strip() or None,
                        "end": (r.get("to") or "").strip() or None,
                    }
                )
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    store = _store(db)
    added = store.import_roles(rows)
    relink(store)
    err.print(f"{added} new roles imported ({len(rows) - added} already known)")


@roles_app.command("list")
def roles_list(db: DbOpt = None, fmt: FormatOpt = "table", title: str | None = None) -> None:
    """List roles known from articles and imports. Example: onrecord roles list --title "Secretary General" """
    _check_format(fmt)
    emit(
        _store(db).list_roles(title=title),
        fmt,
        [("title", "title"), ("organisation", "organisation"), ("person", "person"), ("start", "from"),
         ("end", "to"), ("source", "source")],
    )


# ------------------------------------------------------------- statements
@app.command()
def statements(
    db: DbOpt = None,
    speaker: Annotated[str | None, typer.Option(help="Speaker name or alias.")] = None,
    drift: Annotated[bool, typer.Option("--drift", help="Only statements whose wording differs by outlet.")] = False,
    min_reports: Annotated[int, typer.Option(help="Only statements reported at least this often.")] = 1,
    fmt: FormatOpt = "table",
    limit: LimitOpt = 100,
    offset: OffsetOpt = 0,
) -> None:
    """Statements: one thing said, with every article that reported it.

    Example: onrecord statements --speaker "Jens Stoltenberg" --drift
    """
    _check_format(fmt)
    flt = _filter(StatementFilter, speaker=speaker, drift=True if drift else None, min_reports=min_reports)
    res = _store(db).list_statements(flt, limit=limit, offset=offset)
    rows: list[Any] = res.items
    if fmt == "table":
        rows = [
            r | {"short": r["id"][:10], "text_short": shorten(r["text"], 70), "drift_flag": "DRIFT" if r["drift"]
                 else "", "outlets": sorted({x.get("outlet") or "?" for x in r["reports"]})}
            for r in rows
        ]
    emit(
        rows,
        fmt,
        [("short", "id"), ("date", "date"), ("speaker_name", "speaker"), ("report_count", "reports"),
         ("outlets", "outlets"), ("drift_flag", "drift"), ("text_short", "wording (earliest)")]
        if fmt == "table"
        else [("id", "id"), ("date", "date"), ("speaker_name", "speaker"), ("report_count", "reports"),
              ("drift", "drift"), ("text", "text")],
        title=f"{res.total} statements",
        full=rows,
    )


@app.command()
def statement(
    statement_id: Annotated[str, typer.Argument(help="Statement id or a unique prefix.")],
    db: DbOpt = None,
    fmt: TableJsonOpt = "table",
) -> None:
    """One statement: every report and the word-level diff of the variants.

    Example: onrecord statement 9c1e0a
    """
    _check_format(fmt, ("table", "json"))
    st = _store(db).get_statement(statement_id)
    if st is None:
        raise CliError(f"no single statement with id {statement_id!r}")
    if fmt == "json":
        print(json.dumps(st, ensure_ascii=False, indent=2, default=str))
        return
    confidence = st.get("confidence")
    print_kv(
        [("statement", st["id"]), ("speaker", st["speaker_name"]), ("date", st["date"]),
         ("drift", "yes: outlets quote different wording" if st["drift"] else "no"),
         ("confidence", f"{confidence:.2f} (mean P that two reports are one remark)" if confidence is not None
          else "one report")]
    )  # fmt: skip
    emit(
        [
            r | {"earliest": "*" if r.get("is_earliest") else "", "wording": r.get("text"),
                 "why": "" if r.get("is_earliest") or r.get("link_score") is None
                 else f"{r['link_score']:.2f}: " + ", ".join(r.get("shared_words") or [])}
            for r in st["reports"]
        ],
        "table",
        [("earliest", "first"), ("outlet", "outlet"), ("article_date", "article date"), ("said_date", "said"),
         ("kind", "kind"), ("article_id", "article"), ("wording", "wording"), ("why", "why joined")],
    )  # fmt: skip
    from onrecord.output import render_variant_diffs

    if st["drift"] and st.get("diff"):
        Console(highlight=False).print("wording differences ([-earliest only-] {+this report only+}):")
        Console(highlight=False).print(render_variant_diffs(st["diff"]), markup=False)


@app.command("statement-split")
def statement_split(
    statement_id: Annotated[str, typer.Argument(help="Statement id (or a unique prefix).")],
    quote_id: Annotated[str, typer.Argument(help="The report (quote id) that is another remark.")],
    db: DbOpt = None,
) -> None:
    """Split a report off a statement it was wrongly joined to; kept as a correction and applied on
    every relink. Example: onrecord statement-split st_269a0b1 3f2a9c0e-q4"""
    from onrecord.pipeline import relink

    store = _store(db, link_notice=False)
    st = store.get_statement(statement_id)
    if st is None:
        raise CliError(f"no single statement with id {statement_id!r}")
    reports = [str(r.get("quote_id")) for r in st["reports"]]
    if quote_id not in reports:
        listed = ", ".join(reports)
        raise CliError(f"quote {quote_id!r} is not a report of statement {st['id']} (its reports: {listed})")
    if len(reports) < 2:
        raise CliError(f"statement {st['id']} has one report: nothing to split")
    store.add_correction("detach", quote=quote_id)
    relink(store)
    err.print(f"{quote_id} split off {st['id']}; it is its own statement now, and stays so on every relink")


@app.command("story-split")
def story_split(
    article_id: Annotated[str, typer.Argument(help="The article that reports another event.")],
    db: DbOpt = None,
) -> None:
    """Take an article (with its near-duplicates) out of its story into a story of its own; the
    correction is kept. Example: onrecord story-split 03b44a140fc297b1"""
    store = _store(db, link_notice=False)
    try:
        left = store.split_story(article_id)
    except KeyError:
        raise CliError(f"no article with id {article_id!r}") from None
    if left is None:
        raise CliError(f"article {article_id} is alone in its story: nothing to split")
    err.print(f"{article_id} left story {left}; it is a story of its own now")


# --------------------------------------------------------------- timeline
@app.command()
def timeline(
    name: Annotated[str | None, typer.Argument(help="Speaker name or alias.")] = None,
    about: Annotated[str | None, typer.Option("--about", help="Topic: entity or noun phrase.")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Speaker's organisation, e.g. NATO.")] = None,
    group: Annotated[str, typer.Option(help="day | week | month | year")] = "month",
    since: Annotated[str | None, typer.Option(help="From this date.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Also draw the timeline to FILE.png or FILE.svg.")] = None,
    db: DbOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Statements in date order, grouped by period, with counts.

    Example: onrecord timeline "Jens Stoltenberg" --group month --plot stoltenberg.png
    Example: onrecord timeline --about Russia --by NATO
    """
    _check_format(fmt)
    try:
        period = parse_period(group)
    except InvalidFilter as exc:
        raise typer.BadParameter(str(exc)) from None
    if not (name or about or by):
        raise typer.BadParameter("give a speaker NAME, --about TOPIC or --by ORG")
    if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
        raise typer.BadParameter("must end in .png or .svg", param_hint="--plot")
    flt = _filter(QuoteFilter, speaker=name, topic=about, organisation=by, since=since, until=until)
    store = _store(db)
    if name and not store.speaker_keys_matching(name):
        raise CliError(f"no speaker named {name!r} (see 'onrecord speakers')")
    tl = store.timeline(flt, group=period)
    rows = [
        {
            "period": b["period"],
            "date": q["date"],
            "speaker": q.get("speaker_names"),
            "content": q["content"]["text"],
            "content_short": shorten(q["content"]["text"], 70),
            "reports": q.get("report_count", 1),
            "statement_id": q.get("statement_id"),
            "outlet": q.get("outlet"),
        }
        for b in tl.buckets
        for q in b["quotes"]
    ]
    if fmt == "table":
        counts = ", ".join(f"{b['period']}: {b['count']}" for b in tl.buckets)
        err.print(f"{tl.total} statements ({counts}); {tl.undated} undated")
    emit(
        rows,
        fmt,
        [("period", group), ("date", "date"), ("speaker", "speaker"), ("reports", "reports"),
         ("content_short" if fmt == "table" else "content", "statement")],
        full={"group": group, "buckets": [{"period": b["period"], "count": b["count"]} for b in tl.buckets],
              "statements": rows, "undated": tl.undated},
    )
    if plot is not None:
        from onrecord.charts import plot_timeline

        plot_timeline(tl.to_dict(), plot, title=name or about or by or "")
        err.print(f"chart written to {plot}")


# ----------------------------------------------------------------- search
@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words or "a phrase".')],
    db: DbOpt = None,
    speaker: Annotated[str | None, typer.Option(help="Speaker name or alias.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Speaker's organisation.")] = None,
    outlet: Annotated[str | None, typer.Option(help="Outlet.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date.")] = None,
    kind: Annotated[str | None, typer.Option(help="direct | indirect | mixed")] = None,
    act: ActOpt = None,
    drift: Annotated[bool, typer.Option("--drift", help="Only quotes of statements with drift.")] = False,
    semantic: Annotated[bool, typer.Option("--semantic", help="Rank by meaning (needs the embeddings extra).")]
    = False,
    fmt: FormatOpt = "table",
    limit: LimitOpt = 20,
) -> None:
    """Full-text search over quotes and articles, ranked, with highlighted snippets.

    Example: onrecord search "imminent threat" --speaker Stoltenberg
    """
    _check_format(fmt)
    flt = _filter(QuoteFilter, speaker=speaker, organisation=org, outlet=outlet, since=since, until=until,
                  kind=kind, act=act, drift=True if drift else None)
    store = _store(db)
    if semantic:
        from onrecord.semantic import SemanticUnavailable, semantic_search  # numpy and the model: on demand

        try:
            res = semantic_search(store, query, flt, limit=limit)
        except SemanticUnavailable as exc:
            raise CliError(str(exc)) from None
    else:
        res = store.search(query, flt, limit=limit)
    if fmt != "table":
        emit(res.quotes.items, fmt, [("id", "id"), ("speaker_names", "speaker"), ("date", "date"),
                                     ("content_text", "content")], full=res.to_dict())
        return
    rows = _quote_rows(res.quotes.items)
    for r in rows:
        r["match"] = shorten(r["snippet"] or r["content"], 90)
    emit(rows, "table", [("date", "date"), ("speaker", "speaker"), ("outlet", "outlet"), ("match", "quote")],
         title=f"{res.quotes.total} quotes match {query!r}")
    if res.articles:
        emit([{"id": a["id"][:12], "title": shorten(a["title"], 50), "snippet": shorten(a["snippet"], 80)}
              for a in res.articles], "table", [("id", "article"), ("title", "title"), ("snippet", "match")],
             title="articles")


# ------------------------------------------------------------------ serve
def default_workers() -> int:
    """One server process per core, up to 4 (SQLite readers scale; the spaCy model loads per process)."""
    return max(1, min(os.cpu_count() or 1, 4))


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless told otherwise.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    write_token: Annotated[
        str | None, typer.Option(envvar="ONRECORD_WRITE_TOKEN", help="Enables ingest; writes need this token.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Server processes (default: one per core, at most 4)."),
    ] = None,
) -> None:
    """Serve the web UI and the JSON API (docs at /docs).

    Example: onrecord serve --db news.db --port 8000 --workers 2
    """
    import uvicorn  # the server stack loads only for this command

    store = _store(db, create=True)  # migrate once, before the workers start
    n = workers or default_workers()
    err.print(f"serving {store.url} on http://{host}:{port} with {n} worker process{'es' if n > 1 else ''}")
    store.close()
    # Each worker builds its own app (its own connections) from these settings: see onrecord.api.app_from_env.
    os.environ["ONRECORD_DB"] = store.url
    if write_token:
        os.environ["ONRECORD_WRITE_TOKEN"] = write_token
    else:
        os.environ.pop("ONRECORD_WRITE_TOKEN", None)
    app_path = "onrecord.api:app_from_env"
    if n == 1:
        uvicorn.run(app_path, factory=True, host=host, port=port, log_level="info")
        return
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(app_path, factory=True, host=host, port=port, workers=n, log_level="info")
    sock = config.bind_socket()
    # Accepted connections inherit this: without it uvicorn's workers answer each keep-alive
    # request about 40 ms late (Nagle's algorithm meets delayed ACKs; uvicorn issue #3149).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass


# ---------------------------------------------------------------- spark
MasterOpt = Annotated[
    str, typer.Option("--master", help="Spark master: local[N], yarn, k8s://URL, spark://HOST:PORT.")
]


ConfOpt = Annotated[
    list[str] | None, typer.Option("--conf", help="A Spark setting KEY=VALUE (repeatable): spark.executor.cores=4")
]


def _spark_conf(items: list[str] | None) -> dict[str, str]:
    conf = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--conf")
        conf[key.strip()] = value
    return conf


def _spark_ready() -> None:
    from onrecord.spark.session import spark_unavailable

    reason = spark_unavailable()
    if reason:
        raise CliError(reason)


@spark_app.command("run")
def spark_run(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, globs or Hadoop filesystem URIs (hdfs://, s3a://).")],
    out: Annotated[str, typer.Option("--out", help="Folder (or URI) for the Parquet tables.")],
    master: MasterOpt = "local[2]",
    no_extract: Annotated[bool, typer.Option("--no-extract", help="Deduplicate only; no quote extraction.")] = False,
    max_bytes: Annotated[int, typer.Option(help="Skip files larger than this many bytes.")] = 20_000_000,
    partitions: Annotated[int | None, typer.Option(min=1, help="Spark partitions (default: 2 per core).")] = None,
    conf: ConfOpt = None,
    fmt: TableJsonOpt = "table",
) -> None:
    """Read, deduplicate and extract quotes as Spark jobs; write Parquet tables with the store's columns.

    Example: onrecord spark run crawl/ --out tables/ --master local[4]
    """
    _check_format(fmt, ("table", "json"))
    _spark_ready()
    from onrecord.spark import run

    settings = _spark_conf(conf)
    summary = run(
        inputs, out, master=master, extract=not no_extract, max_bytes=max_bytes, partitions=partitions, conf=settings
    )
    for f in summary.failed:
        err.print(f"failed: {f}", markup=False)
    if fmt == "json":
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        _count_table("spark run", summary.counts())
        err.print(f"tables: {summary.out} (load them: onrecord spark load {summary.out} --db DB)")
    raise typer.Exit(1 if summary.failed else 0)


@spark_app.command("load")
def spark_load(
    tables: Annotated[str, typer.Argument(help="The --out folder of 'onrecord spark run'.")],
    db: DbOpt = None,
    master: MasterOpt = "local[2]",
    no_link: Annotated[bool, typer.Option("--no-link", help="Skip speaker/statement linking afterwards.")] = False,
    conf: ConfOpt = None,
    fmt: TableJsonOpt = "table",
) -> None:
    """Load the tables of 'onrecord spark run' into SQLite or PostgreSQL, then link them; loading twice adds nothing.

    Example: onrecord spark load tables/ --db postgresql+psycopg://me@host/news
    """
    _check_format(fmt, ("table", "json"))
    _spark_ready()
    from onrecord.spark import load

    store = _store(db, create=True)
    try:
        summary = load(tables, store, master=master, link=not no_link, conf=_spark_conf(conf))
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from None
    if fmt == "json":
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        emit(
            [{"what": k.replace("_", " "), "n": v} for k, v in summary.to_dict().items()],
            "table",
            [("what", "spark load"), ("n", "count")],
        )
        err.print(f"database: {store.url}")


def main() -> None:
    """Entry point: one line per error, never a traceback."""

    try:
        app()
    except (CliError, StoreError) as exc:
        err.print(f"onrecord: error: {exc}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("onrecord: interrupted")
        sys.exit(130)
    except Exception as exc:  # last resort: one line, and where to look
        err.print(f"onrecord: error: {type(exc).__name__}: {exc}", markup=False)
        if os.environ.get("ONRECORD_DEBUG"):
            raise
        sys.exit(1)


if __name__ == "__main__":
    main()
