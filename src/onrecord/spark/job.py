"""``spark run`` and ``spark load``: the ingest stages as Spark jobs, the result as Parquet tables.

Stages (each a plain function below, so it can be tested without Spark):

1. read: the input files are listed on the driver in ``read_inputs`` order; ``mapPartitions`` reads
   them with the unchanged readers and computes each article's MinHash signature
   (``dedup/minhash.py``, so signatures are bit-identical to a single-machine ingest);
2. exact duplicates: articles keyed by id, the first read kept; every copy is a sighting;
3. near-duplicates: distributed LSH (band key -> bucket -> candidate pairs -> estimated Jaccard
   at the deduplicator's threshold -> connected components); a group's root is chosen as the
   single-machine deduplicator chooses it (the first read, unless a later one was published
   earlier);
4. quotes: ``mapPartitions`` with one spaCy model per executor Python process (loaded once by
   ``onrecord.quotes``, never pickled), the same ``extract_batch`` that ``ingest --jobs`` runs.

Linking (speakers, statements) runs where the tables are loaded (``load``), as after an ingest.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onrecord.models import Article, Failure, Quote, summary_dict

if TYPE_CHECKING:
    from onrecord.store import Store

Order = tuple[int, int]  # (file number in reading order, record number in the file)

ARTICLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "string"), ("seq", "long"), ("text", "string"), ("title", "string"), ("outlet", "string"),
    ("url", "string"), ("authors", "string"), ("published", "string"), ("published_raw", "string"),
    ("language", "string"), ("source_path", "string"), ("source_record", "long"), ("format", "string"),
    ("title_span", "string"), ("skip_ranges", "string"), ("extra", "string"), ("duplicate_of", "string"),
    ("similarity", "double"), ("story_id", "string"), ("signature", "binary"), ("story_features", "string"),
)  # fmt: skip
QUOTE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "string"), ("article_id", "string"), ("kind", "string"), ("start", "long"),
    ("content_text", "string"), ("content_spans", "string"), ("cue_text", "string"), ("cue_spans", "string"),
    ("source_text", "string"), ("source_spans", "string"), ("speakers", "string"), ("confidence", "double"),
    ("sentence", "string"), ("speaker_names", "string"), ("act", "string"), ("rule", "string"),
    ("quote_date", "string"),
)  # fmt: skip
SIGHTING_COLUMNS = (("article_id", "string"), ("source_path", "string"), ("source_record", "long"))
FAILURE_COLUMNS = (("path", "string"), ("record", "long"), ("reason", "string"))
# Columns the store keeps as JSON: Parquet holds them as JSON text.
JSON_COLUMNS = frozenset(
    {"authors", "title_span", "skip_ranges", "extra", "story_features", "content_spans", "cue_spans",
     "source_spans", "speakers", "sentence"}
)  # fmt: skip
TABLES = ("articles", "quotes", "sightings", "failures")


@dataclass
class RunSummary:
    files: int = 0
    articles: int = 0  # distinct articles (exact copies once)
    exact_duplicates: int = 0
    near_duplicates: int = 0
    quotes: int = 0
    failed: list[Failure] = field(default_factory=list)
    out: str = ""

    def to_dict(self) -> dict[str, Any]:
        return summary_dict(self)

    def counts(self) -> list[tuple[str, int]]:
        """What a person reads after a run, as (what, how many)."""
        return [("files", self.files), ("articles", self.articles), ("exact duplicates", self.exact_duplicates),
                ("near-duplicates", self.near_duplicates), ("quotes", self.quotes),
                ("failed", len(self.failed))]  # fmt: skip


# ----------------------------------------------------------------------------- stage functions
def list_inputs(inputs: Iterable[str]) -> tuple[list[tuple[int, str]], list[str], list[Failure]]:
    """(local files numbered in reading order, Hadoop filesystem URIs, failures)."""
    from onrecord.ingest import input_files

    local, remote = [], []
    for item in inputs:
        scheme = item.split("://", 1)[0] if "://" in item else ""
        if scheme and scheme != "file":
            remote.append(item)
        else:
            local.append(item.removeprefix("file://"))
    files, failed = [], []
    for path in input_files(local):
        if isinstance(path, Failure):
            failed.append(path)
        elif path == "-":
            failed.append(Failure("-", "stdin cannot be read by a Spark job"))
        else:
            files.append((len(files), path))
    return files, remote, failed


def dedup_params() -> tuple[int, int, float, tuple[int, int]]:
    """(permutations, shingle size, near threshold, (bands, rows)): the single-machine deduplicator's."""
    from onrecord.dedup import Deduplicator
    from onrecord.dedup.core import lsh_params

    d = Deduplicator()
    return d.num_perm, d.shingle_size, d.near_threshold, lsh_params(d.near_threshold, d.num_perm)


def read_files(files: Iterable[tuple[int, str]], max_bytes: int) -> Iterator[tuple[Any, ...]]:
    """("article", order, Article, signature bytes) or ("failure", order, Failure) per record."""
    from onrecord.dedup import minhash
    from onrecord.ingest import normalise_body, read_path
    from onrecord.ingest.errors import one_line

    num_perm, shingle, _, _ = dedup_params()
    for idx, path in files:
        for n, item in enumerate(read_path(path, max_bytes=max_bytes)):
            if isinstance(item, Failure):
                item.reason = one_line(item.reason or "", "unreadable input")
                yield ("failure", (idx, n), item)
            else:
                sig = minhash.signature(normalise_body(item), num_perm, shingle)
                yield ("article", (idx, n), item, minhash.to_bytes(sig))


def read_remote(pairs: Iterable[tuple[str, bytes]], first: int, max_bytes: int) -> Iterator[tuple[Any, ...]]:
    """``read_files`` for (URI, content) pairs from ``binaryFiles``: each read from a temporary file."""
    for k, (uri, data) in enumerate(pairs):
        with tempfile.NamedTemporaryFile(suffix=Path(uri).suffix) as tmp:
            tmp.write(data)
            tmp.flush()
            for rec in read_files([(first + k, tmp.name)], max_bytes):
                if rec[0] == "article":
                    rec[2].source_path = uri
                else:
                    rec[2].path = uri
                yield rec


def band_entries(order: Order, article_id: str, sig: bytes, bands: int, rows: int) -> list[tuple[tuple[int, int], Any]]:
    """((band number, band key), (order, id)) per band of a non-empty signature."""
    from onrecord.dedup import minhash
    from onrecord.dedup.lsh import BandIndex

    hv = minhash.from_bytes(sig)
    if minhash.is_empty(hv):
        return []
    keys = BandIndex(bands, rows, min_buffer=1).band_keys(hv)
    return [((b, int(k)), (order, article_id)) for b, k in enumerate(keys.tolist())]


def bucket_pairs(members: Iterable[tuple[Order, str]]) -> Iterator[tuple[str, str]]:
    """Every pair of a bucket, the earlier-read article first."""
    ms = sorted(set(members))
    for i, (_, a) in enumerate(ms):
        for _, b in ms[i + 1 :]:
            yield (a, b)


def near_groups(edges: Iterable[tuple[str, str]], info: dict[str, tuple[Order, str | None]]) -> dict[str, str]:
    """Member -> root for each connected component of near-duplicate ``edges``.

    ``info`` maps an id to (order read, published). The root is chosen in reading order as the
    single-machine deduplicator does: the first article read, replaced by a later one only when
    both are dated and the later one was published earlier.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    components: dict[str, list[str]] = {}
    for x in list(parent):
        components.setdefault(find(x), []).append(x)
    root_of: dict[str, str] = {}
    for members in components.values():
        members.sort(key=lambda m: info[m][0])
        root = members[0]
        for m in members[1:]:
            pm, pr = info[m][1], info[root][1]
            if pm and pr and pm < pr:
                root = m
        for m in members:
            if m != root:
                root_of[m] = root
    return root_of


def extract_partition(
    items: Iterable[tuple[int, Article, bytes]], min_confidence: float, batch_size: int = 32
) -> Iterator[tuple[int, Article, bytes, list[Quote]]]:
    """Quotes per article; the spaCy model is loaded once per executor process, on first use."""
    from onrecord.quotes.pool import extract_batch

    def flush(batch: list[tuple[int, Article, bytes]]) -> Iterator[tuple[int, Article, bytes, list[Quote]]]:
        results = extract_batch([a for _, a, _ in batch], min_confidence, None)
        for (seq, art, sig), res in zip(batch, results, strict=True):
            yield seq, art, sig, res.quotes

    batch: list[tuple[int, Article, bytes]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from flush(batch)
            batch = []
    if batch:
        yield from flush(batch)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def article_record(seq: int, art: Article, sig: bytes, near: tuple[str, float] | None) -> dict[str, Any]:
    """The store's ``articles`` columns for one article (JSON columns as JSON text)."""
    from dataclasses import asdict

    root, similarity = near if near else (None, None)
    return {
        "id": art.id, "seq": seq, "text": art.text, "title": art.title, "outlet": art.outlet, "url": art.url,
        "authors": _json(list(art.authors)), "published": art.published, "published_raw": art.published_raw,
        "language": art.language, "source_path": art.source_path, "source_record": art.source_record,
        "format": art.format, "title_span": _json(art.title_span.to_list() if art.title_span else None),
        "skip_ranges": _json([asdict(r) for r in art.skip_ranges]), "extra": _json(art.extra),
        "duplicate_of": root, "similarity": similarity, "story_id": root or art.id, "signature": sig,
        "story_features": None,
    }  # fmt: skip


def quote_records(art: Article, quotes: list[Quote]) -> list[dict[str, Any]]:
    from onrecord.store.rows import quote_insert_row

    out = []
    for q in quotes:
        row = quote_insert_row(art, q)
        out.append({k: (_json(v) if k in JSON_COLUMNS else v) for k, v in row.items()})
    return out


def _schema(columns: tuple[tuple[str, str], ...]) -> Any:
    from pyspark.sql.types import BinaryType, DoubleType, LongType, StringType, StructField, StructType

    types = {"string": StringType(), "long": LongType(), "double": DoubleType(), "binary": BinaryType()}
    return StructType([StructField(name, types[kind], True) for name, kind in columns])


def _as_tuple(row: dict[str, Any], columns: tuple[tuple[str, str], ...]) -> tuple[Any, ...]:
    return tuple(row[name] for name, _ in columns)


# ----------------------------------------------------------------------------- run
def run(
    inputs: Iterable[str],
    out: str,
    *,
    master: str = "local[2]",
    extract: bool = True,
    max_bytes: int = 20_000_000,
    min_confidence: float | None = None,
    partitions: int | None = None,
    conf: dict[str, str] | None = None,
    spark: Any = None,
) -> RunSummary:
    """Read, deduplicate and extract ``inputs`` as Spark jobs; write the Parquet tables under ``out``."""
    from pyspark import StorageLevel

    from onrecord.dedup import minhash
    from onrecord.quotes.confidence import DEFAULT_MIN_CONFIDENCE

    from .session import session

    floor = DEFAULT_MIN_CONFIDENCE if min_confidence is None else min_confidence
    spark = spark or session(master, partitions=partitions, conf=conf)
    sc = spark.sparkContext
    parts = partitions or max(2, sc.defaultParallelism)
    files, remote, failed = list_inputs(inputs)
    summary = RunSummary(files=len(files), failed=list(failed), out=str(out))

    records = sc.parallelize(files, max(1, min(len(files), parts * 4))).mapPartitions(
        lambda it: read_files(it, max_bytes)
    )
    if remote:
        first = len(files)
        remote_records = sc.binaryFiles(",".join(remote)).mapPartitions(lambda it: read_remote(it, first, max_bytes))
        records = records.union(remote_records)
    records = records.persist(StorageLevel.MEMORY_AND_DISK)
    summary.failed += [r[2] for r in records.filter(lambda r: r[0] == "failure").sortBy(lambda r: r[1]).collect()]

    # 2. exact duplicates: the copy read first is the article; every copy is a sighting
    copies = records.filter(lambda r: r[0] == "article").map(lambda r: (r[2].id, (r[1], r[2], r[3])))
    firsts = copies.reduceByKey(lambda a, b: a if a[0] <= b[0] else b)
    sightings = copies.map(lambda kv: (kv[0], kv[1][1].source_path or "-", kv[1][1].source_record or 0)).distinct()
    ordered = firsts.map(lambda kv: kv[1]).sortBy(lambda v: v[0]).zipWithIndex()  # ((order, art, sig), i)
    ordered = ordered.map(lambda v: (v[1] + 1, v[0][0], v[0][1], v[0][2])).persist(StorageLevel.MEMORY_AND_DISK)
    summary.articles = ordered.count()
    summary.exact_duplicates = copies.count() - summary.articles

    # 3. near-duplicates: LSH buckets -> candidate pairs -> estimated Jaccard -> components (on the driver:
    # the edges are few, one per near copy or so)
    _, _, threshold, (bands, rows) = dedup_params()
    sigs = ordered.map(lambda v: (v[2].id, v[3]))
    pairs = (
        ordered.flatMap(lambda v: band_entries(v[1], v[2].id, v[3], bands, rows))
        .groupByKey()
        .filter(lambda kv: len(kv[1]) > 1)
        .flatMap(lambda kv: bucket_pairs(kv[1]))
        .distinct()
    )

    def estimated(v: tuple[str, tuple[tuple[str, bytes], bytes]]) -> tuple[str, str, float]:
        b, ((a, sig_a), sig_b) = v
        return a, b, minhash.jaccard(minhash.from_bytes(sig_a), minhash.from_bytes(sig_b))

    edges = (
        pairs.join(sigs)  # (a, (b, sig_a))
        .map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
        .join(sigs)  # (b, ((a, sig_a), sig_b))
        .map(estimated)
        .filter(lambda e: e[2] >= threshold)
        .map(lambda e: (e[0], e[1]))
        .collect()
    )
    members = {x for e in edges for x in e}
    info_rows = (
        ordered.filter(lambda v: v[2].id in members).map(lambda v: (v[2].id, v[1], v[2].published, v[3])).collect()
        if members
        else []
    )
    info = {i: (order, published) for i, order, published, _ in info_rows}
    sig_of = {i: minhash.from_bytes(sig) for i, _, _, sig in info_rows}
    root_of = near_groups(edges, info)
    near = {m: (r, round(minhash.jaccard(sig_of[m], sig_of[r]), 4)) for m, r in root_of.items()}
    summary.near_duplicates = len(near)
    near_b = sc.broadcast(near)

    # 4. quotes, then the rows of each table
    items = ordered.map(lambda v: (v[0], v[2], v[3]))
    done = (
        items.mapPartitions(lambda it: extract_partition(it, floor))
        if extract
        else items.map(lambda v: (v[0], v[1], v[2], []))
    )
    rows = done.map(
        lambda v: (article_record(v[0], v[1], v[2], near_b.value.get(v[1].id)), quote_records(v[1], v[3]))
    ).persist(StorageLevel.MEMORY_AND_DISK)
    out_dir = str(out).rstrip("/")
    spark.createDataFrame(rows.map(lambda r: _as_tuple(r[0], ARTICLE_COLUMNS)), _schema(ARTICLE_COLUMNS)).write.mode(
        "overwrite"
    ).parquet(f"{out_dir}/articles")
    quote_rows = rows.flatMap(lambda r: [_as_tuple(q, QUOTE_COLUMNS) for q in r[1]])
    spark.createDataFrame(quote_rows, _schema(QUOTE_COLUMNS)).write.mode("overwrite").parquet(f"{out_dir}/quotes")
    spark.createDataFrame(sightings, _schema(SIGHTING_COLUMNS)).write.mode("overwrite").parquet(f"{out_dir}/sightings")
    fails = [(f.path, f.record, f.reason) for f in summary.failed]
    spark.createDataFrame(fails, _schema(FAILURE_COLUMNS)).write.mode("overwrite").parquet(f"{out_dir}/failures")
    summary.quotes = rows.map(lambda r: len(r[1])).sum()  # not read back: a path may hold glob characters
    for rdd in (records, ordered, rows):
        rdd.unpersist()
    return summary


# ----------------------------------------------------------------------------- load
@dataclass
class LoadSummary:
    articles: int = 0
    new: int = 0
    quotes: int = 0
    sightings: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "new": self.new, "quotes": self.quotes, "sightings": self.sightings}


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v) for k, v in row.items()}


def _literal(path: str) -> str:
    """``path`` with Hadoop's glob characters escaped: Spark reads a table path as a glob, so a folder
    named ``run[1]`` would match ``run1`` instead."""
    return re.sub(r"([\\\[\]{}*?])", r"\\\1", path)


def load(
    out: str,
    store: Store,
    *,
    master: str = "local[2]",
    batch: int = 500,
    link: bool = True,
    conf: dict[str, str] | None = None,
    spark: Any = None,
) -> LoadSummary:
    """Load the tables ``run`` wrote into ``store`` (articles in ``seq`` order, many per transaction),
    then make them searchable and link them. Loading the same tables again adds nothing."""
    from pyspark.sql import functions as F

    from onrecord.store.rows import article_from_row, quote_from_row

    from .session import session

    spark = spark or session(master, conf=conf)
    base = str(out).rstrip("/")
    local = "://" not in base or base.startswith("file://")
    folder = base.removeprefix("file://")
    missing = [t for t in ("articles", "quotes", "sightings") if local and not os.path.exists(f"{folder}/{t}")]
    if missing:
        raise FileNotFoundError(f"{base}: not the output of 'onrecord spark run' (no {', '.join(missing)} table)")
    table = _literal(base)
    arts = spark.read.parquet(f"{table}/articles")
    quotes = spark.read.parquet(f"{table}/quotes")
    grouped = quotes.groupBy("article_id").agg(F.collect_list(F.struct(*quotes.columns)).alias("_quotes"))
    joined = arts.join(grouped, arts["id"] == grouped["article_id"], "left").drop("article_id").orderBy("seq")
    summary = LoadSummary()
    pending: list[dict[str, Any]] = []

    def flush() -> None:
        summary.new += store.add_articles(pending)
        pending.clear()

    for row in joined.toLocalIterator():
        d = _parsed(row.asDict(recursive=True))
        article = article_from_row(d)
        qs = [quote_from_row(_parsed(q)) for q in d.get("_quotes") or []]
        summary.articles += 1
        summary.quotes += len(qs)
        pending.append(
            dict(article=article, quotes=qs, duplicate_of=d["duplicate_of"], similarity=d["similarity"],
                 story_id=d["story_id"], signature=d["signature"], story_features=d["story_features"])
        )  # fmt: skip
        if len(pending) >= batch:
            flush()
    flush()
    sightings = [(r["article_id"], r["source_path"], r["source_record"]) for r in
                 spark.read.parquet(f"{table}/sightings").toLocalIterator()]  # fmt: skip
    summary.sightings = store.add_sightings(sightings)
    store.refresh_search_index()
    if link:
        from onrecord.pipeline import relink

        relink(store)
    return summary
