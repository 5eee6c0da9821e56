"""Linking at scale, as ``onrecord ingest`` runs it: a full relink of a store, and the relink after adding
articles to it (what each daily ingest pays).

Synthesises articles with quotes (people with diacritics and without, surnames alone, titles glued to names
and bare titles; statements repeated by several outlets with edits, direct and indirect), stores them in a
fresh SQLite store without extraction, and times ``pipeline.relink`` (spaCy topics, said dates, statements,
writing the links) in CPU seconds, each size in a fresh process:

    python benchmarks/link.py                         # 10k and 50k articles, then 1,000 more each
    python benchmarks/link.py --articles 10000 --add 1000 --check   # also compare with a full relink
    python benchmarks/link.py --in-memory --sizes 5000 20000 --topics regex   # link_corpus alone
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from onrecord.models import Article, Quote, RoleSpan, Span, SpeakerRef  # noqa: E402

FIRST = [
    "Jens",
    "Mark",
    "Jānis",
    "Boris",
    "Micael",
    "Rob",
    "Carl-Oskar",
    "Anna",
    "Ursula",
    "Kaja",
    "Olaf",
    "Emmanuel",
    "Gitanas",
    "Edgars",
    "Andrzej",
    "Petr",
    "Ingrida",
    "Zuzana",
    "Søren",
    "Łukasz",
    "Mette",
    "Sanna",
    "Ulf",
    "Antony",
    "Lloyd",
    "Dmytro",
    "Volodymyr",
    "Ilze",
    "Kristjan",
    "Alar",
    "Krišjānis",
    "Gabrielius",
]
LAST = [
    "Stoltenberg",
    "Rutte",
    "Sārts",
    "Ruge",
    "Bydén",
    "Bauer",
    "Bohlin",
    "Kallas",
    "Scholz",
    "Macron",
    "Nausėda",
    "Rinkēvičs",
    "Duda",
    "Pavel",
    "Šimonytė",
    "Čaputová",
    "Frederiksen",
    "Marin",
    "Kristersson",
    "Blinken",
    "Austin",
    "Kuleba",
    "Zelensky",
    "Karis",
    "Landsbergis",
    "Kariņš",
    "Tusk",
    "Sikorski",
    "Baerbock",
    "Pistorius",
    "Wallace",
    "Shapps",
    "Cameron",
    "Borrell",
    "Michel",
    "Metsola",
]
ORGS = ["NATO", "EU", "UN", "OSCE", "the Ministry of Defence", "the European Commission"]
TITLES = [
    "Secretary General",
    "Spokesperson",
    "Deputy Secretary General",
    "Director",
    "Chair of the Military Committee",
    "Minister",
    "President",
    "Ambassador",
]
OUTLETS = [f"outlet{i:02d}" for i in range(40)]
SWAPS = {
    "biggest": "largest",
    "imminent": "immediate",
    "against": "to",
    "will": "shall",
    "allies": "partners",
    "support": "help",
    "threat": "danger",
    "strong": "robust",
    "continue": "keep",
    "ready": "prepared",
}


def _vocab(rng: random.Random) -> list[str]:
    base = (
        "threat russia ukraine allies support defence deterrence exercise border security cyber attack sanctions "
        "nuclear weapons readiness troops eastern flank investment production ammunition summit partners dialogue "
        "escalation aggression stability sovereignty democracy energy drones missiles airspace navy brigade "
        "training capability unity commitment budget procurement industry resilience hybrid disinformation"
    ).split()
    syll = ["ka", "ro", "mi", "ten", "sol", "var", "dun", "pel", "is", "or", "an", "tek", "lum", "bra", "vis"]
    return base + ["".join(rng.choice(syll) for _ in range(3)) for _ in range(3000)]


def _sentence(rng: random.Random, vocab: list[str]) -> str:
    n = rng.randint(10, 24)
    filler = ["we", "will", "the", "and", "of", "to", "is", "that", "our", "in", "for", "with", "a", "not"]
    words = [rng.choice(vocab) if rng.random() < 0.55 else rng.choice(filler) for _ in range(n)]
    return " ".join(words).capitalize()


def _edit(rng: random.Random, text: str) -> str:
    words = text.split()
    roll = rng.random()
    if roll < 0.3:
        return text
    if roll < 0.6:
        for i, w in enumerate(words):
            if w.lower() in SWAPS and rng.random() < 0.7:
                words[i] = SWAPS[w.lower()]
        k = rng.randrange(len(words))
        words[k] = rng.choice(["really", "clearly", "indeed"])
        return " ".join(words)
    if roll < 0.8:  # a fragment
        a = rng.randint(0, max(0, len(words) // 3))
        return " ".join(words[a : a + max(6, len(words) // 2)])
    return " ".join(words[:-2] + ["as", "well"])


def synthesise(n_quotes: int, seed: int = 7) -> list[tuple[Article, list[Quote]]]:
    rng = random.Random(seed)
    vocab = _vocab(rng)
    n_people = max(20, n_quotes // 40)
    people = []
    for i in range(n_people):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST) + i) % len(LAST)]
        if i >= len(FIRST) * len(LAST) // 2:
            last = f"{last}-{i}"
        people.append((f"{first} {last}", ORGS[i % len(ORGS)], TITLES[i % len(TITLES)]))
    start = 738000  # ordinal day, 2021-08
    corpus: list[tuple[Article, list[Quote]]] = []
    made = 0
    while made < n_quotes:
        pi = min(int(rng.paretovariate(1.2)) - 1, n_people - 1) if rng.random() < 0.5 else rng.randrange(n_people)
        name, org, title = people[pi]
        day = start + rng.randrange(1000)
        said = _sentence(rng, vocab)
        group = f"g{len(corpus)}"
        for _ in range(rng.randint(1, 5)):  # the same statement in several outlets
            if made >= n_quotes:
                break
            art, quotes = _article(rng, vocab, name, org, title, said, day + rng.randint(0, 3), len(corpus), pi < 24)
            art.extra["statement"] = {q.id: (group if i == 0 else q.id) for i, q in enumerate(quotes)}
            corpus.append((art, quotes))
            made += len(quotes)
    return corpus


def _strip_marks(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _article(
    rng: random.Random,
    vocab: list[str],
    name: str,
    org: str,
    title: str,
    said: str,
    day: int,
    n: int,
    unique_title: bool,
) -> tuple[Article, list[Quote]]:
    import datetime as dt

    date = dt.date.fromordinal(day).isoformat()
    surname = name.split()[-1]
    parts: list[str] = []
    quotes: list[Quote] = []
    aid = f"art{n:07d}"

    def add(prefix: str, content: str, suffix: str, kind: str, ref: SpeakerRef) -> None:
        pos = sum(len(p) for p in parts) + len(prefix)
        parts.append(prefix + content + suffix)
        quotes.append(
            Quote(f"{aid}-q{len(quotes)}", kind, RoleSpan(content, [Span(pos, pos + len(content))]), speakers=[ref])
        )

    variant = _edit(rng, said)
    folded = name if rng.random() < 0.8 else _strip_marks(name)
    if rng.random() < 0.1:  # the surname alone: linking must use context (or leave it uncertain)
        add(f"At {org}, {surname} said that ", variant.lower(), ". ", "indirect", SpeakerRef(surname, "person"))
    elif rng.random() < 0.5:
        add(f"{org} {title} {folded} said that ", variant.lower(), ". ", "indirect", SpeakerRef(folded, "person"))
    else:
        add('"', variant, f'," {org} {title} {folded} said. ', "direct", SpeakerRef(folded, "person"))
    for _ in range(rng.randint(0, 3)):
        roll = rng.random()
        other = _sentence(rng, vocab)
        if roll < 0.4:
            add('"', other, f'," {surname} added. ', "direct", SpeakerRef(surname, "person"))
        elif roll < 0.6 and unique_title:
            add(
                f"The {org} {title} said that ",
                other.lower(),
                ". ",
                "indirect",
                SpeakerRef(f"{org} {title}".replace("the ", ""), "person", "title"),
            )
        else:
            add('"', other, '," he said. ', "direct", SpeakerRef(name, "person", "pronoun"))
    art = Article(id=aid, text="".join(parts), outlet=rng.choice(OUTLETS), published=date)
    return art, quotes


def measure(n: int, topics: str) -> dict[str, float]:
    from onrecord.speakers import link_corpus, regex_topics

    corpus = synthesise(n)
    nq = sum(len(q) for _, q in corpus)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0, c0 = time.perf_counter(), time.process_time()
    kw = {"topic_fn": regex_topics} if topics == "regex" else {"with_topics": False} if topics == "none" else {}
    res = link_corpus(corpus, **kw)
    wall, dt = time.perf_counter() - t0, time.process_time() - c0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    multi = sum(1 for s in res.statements if len(s.reports) > 1)
    truth = {qid: g for a, _ in corpus for qid, g in a.extra["statement"].items()}
    prec, rec = pairwise(truth, res.quote_statement)
    return {
        "quotes": nq,
        "articles": len(corpus),
        "seconds": dt,
        "wall_s": wall,
        "quotes_per_s": nq / dt,
        "peak_rss_mb": rss1,
        "rss_before_mb": rss0,
        "speakers": len(res.speakers),
        "statements": len(res.statements),
        "multi_report_statements": multi,
        "drift": sum(1 for s in res.statements if s.drift),
        "pair_precision": prec,
        "pair_recall": rec,
    }


def pairwise(truth: dict[str, str], predicted: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against true groups (pairs counted per group)."""
    from collections import Counter

    def pairs(c: Counter) -> int:
        return sum(v * (v - 1) // 2 for v in c.values())

    both = Counter((truth[q], predicted[q]) for q in truth)
    tp = pairs(both)
    pred = pairs(Counter(predicted[q] for q in truth))
    gold = pairs(Counter(truth.values()))
    return (tp / pred if pred else 1.0), (tp / gold if gold else 1.0)


def measure_store(n_articles: int, add: int, check: bool, recent_days: int = 7) -> dict[str, float]:
    """Full relink of ``n_articles`` stored articles, then the relink after ``add`` more (CPU seconds).

    The added articles are a feed's next ``recent_days`` days (their dates, spread over the corpus's
    three years by the generator, are squeezed in order into the days after the store's last one);
    ``recent_days=0`` leaves them spread over the whole range, as a backfill of old articles would be.
    """
    import shutil
    import tempfile

    from onrecord import pipeline
    from onrecord.store import Store

    corpus = synthesise(int((n_articles + add) * 3.2))[: n_articles + add]
    base, extra = corpus[:n_articles], corpus[n_articles:]
    if recent_days:
        _as_recent(base, extra, recent_days)
    tmp = Path(tempfile.mkdtemp(prefix="onrecord-link-"))
    try:
        store = Store(f"sqlite:///{tmp / 'link.db'}")
        for art, quotes in base:
            store.add_article(art, quotes)
        store.refresh_search_index()
        c0 = time.process_time()
        pipeline.relink(store, full=True)
        full = time.process_time() - c0
        for art, quotes in extra:
            store.add_article(art, quotes)
        store.refresh_search_index()
        c0 = time.process_time()
        pipeline.relink(store)
        incremental = time.process_time() - c0
        out = {
            "articles": n_articles,
            "quotes": sum(len(q) for _, q in base),
            "added": len(extra),
            "added_quotes": sum(len(q) for _, q in extra),
            "full_s": full,
            "incremental_s": incremental,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        if check:  # the same store linked from scratch must hold the same links
            _copy_sqlite(tmp / "link.db", tmp / "ref.db")
            ref = Store(f"sqlite:///{tmp / 'ref.db'}")
            pipeline.relink(ref, full=True)
            out["equal"] = _links(store) == _links(ref)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _as_recent(base: list, extra: list, days: int) -> None:
    import datetime as dt

    last = max(dt.date.fromisoformat(a.published) for a, _ in base)
    when = [dt.date.fromisoformat(a.published).toordinal() for a, _ in extra]
    lo, span = min(when), max(max(when) - min(when), 1)
    for (art, _), d in zip(extra, when, strict=True):
        art.published = (last + dt.timedelta(days=1 + (d - lo) * (days - 1) // span)).isoformat()


def _copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite store (its write-ahead log included), by SQLite's backup API."""
    import sqlite3

    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def _links(store: object) -> list:
    from sqlalchemy import text

    queries = [
        "SELECT key, name, type, aliases, quote_count, first_seen, last_seen, data FROM speakers ORDER BY key",
        "SELECT id, speaker_key, date, drift, reports, diff FROM statements ORDER BY id",
        "SELECT id, speaker_keys, speaker_names, said_date, topics, organisations, statement_id FROM quotes "
        "ORDER BY id",
        'SELECT title, organisation, person, speaker_key, start, "end", source FROM roles '
        'ORDER BY speaker_key, title, organisation, start, "end", source, person',
    ]
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        return [[tuple(r) for r in conn.execute(text(q))] for q in queries]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, nargs="+", default=[10_000, 50_000], help="store sizes")
    ap.add_argument("--add", type=int, default=1000, help="articles added after the full relink")
    ap.add_argument("--check", action="store_true", help="also relink the final store in full and compare")
    ap.add_argument("--recent-days", type=int, default=7,
                    help="the added articles are the next N days' feed (0: spread over all dates, a backfill)")
    ap.add_argument("--in-memory", action="store_true", help="time link_corpus alone on --sizes quotes")
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 50000])
    ap.add_argument("--topics", choices=["regex", "spacy", "none"], default="spacy")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size (--in-memory); the fastest is reported")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--one-store", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.topics)))
        return
    if args.one_store:
        print(json.dumps(measure_store(args.one_store, args.add, args.check, args.recent_days)))
        return
    if args.in_memory:
        in_memory(args)
        return
    print("pipeline.relink on a SQLite store of synthetic articles (spaCy topics, as ingest runs it);")
    feed = f"the next {args.recent_days} days' feed" if args.recent_days else "dated across the corpus (a backfill)"
    print(f"CPU seconds of a full relink, then of the relink after {args.add:,} more articles ({feed}); each size in")
    print("a fresh", end=" ")
    print("process; peak MB = peak RSS of that process")
    print(
        f"{'articles':>8} {'quotes':>8} {'full s':>8} {'quotes/s':>9} {'+added':>7} {'relink s':>9} "
        f"{'% of full':>9} {'peak MB':>8}" + (f" {'equal':>6}" if args.check else "")
    )
    for n in args.articles:
        cmd = [sys.executable, __file__, "--one-store", str(n), "--add", str(args.add), "--recent-days",
               str(args.recent_days)]
        out = subprocess.run(cmd + (["--check"] if args.check else []), capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['articles']:>8,} {r['quotes']:>8,} {r['full_s']:>8.1f} {r['quotes'] / r['full_s']:>9.0f} "
            f"{r['added']:>7,} {r['incremental_s']:>9.2f} {100 * r['incremental_s'] / r['full_s']:>8.1f}% "
            f"{r['peak_rss_mb']:>8.0f}" + (f" {str(r['equal']):>6}" if args.check else ""),
            flush=True,
        )


def in_memory(args: argparse.Namespace) -> None:
    print(f"link_corpus over synthetic quotes (topics: {args.topics}); each size in a fresh process;")
    print(f"seconds = CPU time of link_corpus, fastest of {args.repeat} runs; peak MB = peak RSS of the process")
    print(
        f"{'quotes':>8} {'articles':>8} {'speakers':>8} {'stmts':>7} {'multi':>6} {'drift':>6} {'seconds':>8} "
        f"{'quotes/s':>9} {'peak MB':>8} {'us/(q*log2 q)':>13} {'pair P':>6} {'pair R':>6}"
    )
    rows = []
    for n in args.sizes:
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--topics", args.topics],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = min(runs, key=lambda x: x["seconds"])  # the least disturbed run
        rows.append(r)
        per = r["seconds"] / (r["quotes"] * math.log2(r["quotes"])) * 1e6
        print(
            f"{r['quotes']:>8} {r['articles']:>8} {r['speakers']:>8} {r['statements']:>7} "
            f"{r['multi_report_statements']:>6} {r['drift']:>6} {r['seconds']:>8.2f} {r['quotes_per_s']:>9.0f} "
            f"{r['peak_rss_mb']:>8.0f} {per:>13.3f} {r['pair_precision']:>6.3f} {r['pair_recall']:>6.3f}"
        )
    if len(rows) > 1:
        a, b = rows[0], rows[-1]
        growth = b["seconds"] / a["seconds"]
        nlogn = (b["quotes"] * math.log2(b["quotes"])) / (a["quotes"] * math.log2(a["quotes"]))
        print(f"time grew x{growth:.2f} for x{b['quotes'] / a['quotes']:.1f} quotes (n log n would be x{nlogn:.2f})")


if __name__ == "__main__":
    main()
