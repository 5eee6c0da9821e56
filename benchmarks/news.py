#!/usr/bin/env python3
"""Score quote extraction and attribution on the out-of-domain English news set.

    python benchmarks/news.py                 # extract the pages, score, print the table
    python benchmarks/news.py --errors F      # also list every false, missed and misattributed quote
    python benchmarks/news.py --write-texts   # (re)write texts/NAME.txt: what onrecord stores per page
    python benchmarks/news.py --build-gold    # labels/NAME.json -> dev.jsonl (offsets from the strings)

The set is `benchmarks/data/news/`: real English pages from `../shared/corpora/web/trafilatura/
pages/` (list in `pages.txt`), each labelled by `GUIDE.md` on the text onrecord stores for it.
Labels are written as strings (`labels/NAME.json`) and turned into character spans by
`--build-gold`, so a reviewer reads them as text and the offsets still hold.

The run calls `onrecord extract PAGES --format jsonl` (what a user runs), checks that every
stored text still equals the labelled text (else the gold is stale: the reader changed), scores
with `../shared/tools/news_score.py` and prints quote precision / recall / speaker accuracy,
the span metrics, precision per act and per kind, and the calibration of the confidence.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ONRECORD_SHARED", ROOT.parent / "shared"))
PAGES = SHARED / "corpora" / "web" / "trafilatura" / "pages"
SCORER = SHARED / "tools" / "news_score.py"
DATA = ROOT / "benchmarks" / "data" / "news"
ROLES = ("source", "cue", "content")


def page_names() -> list[str]:
    lines = (DATA / "pages.txt").read_text(encoding="utf-8").splitlines()
    return [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]


def read_page(name: str) -> Any:
    from onrecord.ingest import read_inputs
    from onrecord.models import Failure

    items = list(read_inputs([str(PAGES / f"{name}.html")]))
    if len(items) != 1 or isinstance(items[0], Failure):
        sys.exit(f"{name}: not one article ({items})")
    return items[0]


def write_texts() -> None:
    out = DATA / "texts"
    out.mkdir(parents=True, exist_ok=True)
    for name in page_names():
        a = read_page(name)
        (out / f"{name}.txt").write_text(a.text, encoding="utf-8")
        skips = [{"start": r.start, "end": r.end, "reason": r.reason, "text": a.text[r.start : r.end][:80]}
                 for r in a.skip_ranges]
        (out / f"{name}.skips.json").write_text(json.dumps(skips, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
        print(f"{name}: {len(a.text)} chars, language {a.language}, {len(skips)} skip ranges")


# ----------------------------------------------------------------------------- gold
class LabelError(ValueError):
    pass


def _occurrences(text: str, s: str) -> list[int]:
    out, i = [], text.find(s)
    while i >= 0:
        out.append(i)
        i = text.find(s, i + 1)
    return out


def _locate_content(text: str, frags: list[str], occurrence: int | None) -> list[list[int]]:
    first = _occurrences(text, frags[0])
    if not first:
        raise LabelError(f"content not in text: {frags[0][:60]!r}")
    if len(first) > 1 and occurrence is None:
        raise LabelError(f"content occurs {len(first)} times, give 'occurrence': {frags[0][:60]!r}")
    start = first[occurrence or 0]
    spans = [[start, start + len(frags[0])]]
    for f in frags[1:]:  # later fragments: the next occurrence after the previous one
        i = text.find(f, spans[-1][1])
        if i < 0:
            raise LabelError(f"content fragment not found after the previous one: {f[:60]!r}")
        spans.append([i, i + len(f)])
    return spans


def _locate_near(text: str, s: str, content: list[list[int]], what: str) -> list[int]:
    """The occurrence of ``s`` nearest to the content (cue and source sit next to it)."""
    occ = _occurrences(text, s)
    if not occ:
        raise LabelError(f"{what} not in text: {s!r}")
    lo, hi = content[0][0], content[-1][1]

    def dist(i: int) -> int:
        e = i + len(s)
        if e <= lo:
            return lo - e
        if i >= hi:
            return i - hi
        return 0  # inside the content's range (a cue between fragments)

    best = min(occ, key=lambda i: (dist(i), i))
    return [best, best + len(s)]


def _as_list(v: Any) -> list[str]:
    if v is None or v == "":
        return []
    return [v] if isinstance(v, str) else list(v)


def build_attribution(text: str, lab: dict[str, Any], k: int) -> dict[str, Any]:
    frags = _as_list(lab.get("content"))
    if not frags:
        raise LabelError("no content")
    content = _locate_content(text, frags, lab.get("occurrence"))
    cue = [_locate_near(text, c, content, "cue") for c in _as_list(lab.get("cue"))]
    source = [_locate_near(text, s, content, "source") for s in _as_list(lab.get("source"))]
    if lab.get("type") not in ("person", "organisation", "other"):
        raise LabelError(f"type must be person | organisation | other, not {lab.get('type')!r}")
    if lab.get("act") not in ("speech", "thought"):
        raise LabelError(f"act must be speech | thought, not {lab.get('act')!r}")
    return {"eid": f"E{k}", "source": source, "cue": cue, "content": content,
            "speaker": lab.get("speaker"), "type": lab["type"], "act": lab["act"]}


def build_gold() -> None:
    rows, errors = [], 0
    for name in page_names():
        text = read_page(name).text  # labels are strings: they survive a change of the reader
        path = DATA / "labels" / f"{name}.json"
        if not path.exists():
            print(f"{name}: no labels yet", file=sys.stderr)
            errors += 1
            continue
        labels = json.loads(path.read_text(encoding="utf-8"))
        atts = []
        for k, lab in enumerate(labels.get("attributions", []), 1):
            try:
                atts.append(build_attribution(text, lab, k))
            except LabelError as e:
                print(f"{path.relative_to(ROOT)}: attribution {k}: {e}", file=sys.stderr)
                errors += 1
        rows.append({"id": name, "page": f"trafilatura/pages/{name}.html", "text": text, "attributions": atts})
    with (DATA / "dev.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    n = sum(len(r["attributions"]) for r in rows)
    print(f"dev.jsonl: {len(rows)} articles, {n} attributions, {errors} problems")
    if errors:
        sys.exit(1)


def check(names: list[str]) -> None:
    """Print each located label in context, to review a labels file; writes nothing."""
    bad = 0
    for name in names:
        text = read_page(name).text
        labels = json.loads((DATA / "labels" / f"{name}.json").read_text(encoding="utf-8"))
        for k, lab in enumerate(labels.get("attributions", []), 1):
            try:
                a = build_attribution(text, lab, k)
            except LabelError as e:
                print(f"{name} #{k}: ERROR {e}")
                bad += 1
                continue
            roles = " | ".join(f"{r}={[text[s:e] for s, e in a[r]]}" for r in ("source", "cue"))
            print(f"{name} #{k} [{a['act']}, {a['type']}, {a['speaker']}] {roles}\n"
                  f"    content={text[a['content'][0][0]:a['content'][-1][1]][:120]!r}")
    if bad:
        sys.exit(1)


# ----------------------------------------------------------------------------- run
def load_gold() -> list[dict[str, Any]]:
    with (DATA / "dev.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def extract(gold: list[dict[str, Any]], out: Path) -> float:
    """`onrecord extract` over the pages; ids rewritten to page names. Returns seconds."""
    exe = Path(sys.executable).with_name("onrecord")
    cmd = [str(exe) if exe.exists() else "onrecord", "extract", *[str(SHARED / "corpora" / "web" / g["page"])
                                                                  for g in gold], "--format", "jsonl"]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if res.returncode != 0:
        sys.exit(f"onrecord extract failed:\n{res.stderr[-2000:]}")
    by_page = {Path(g["page"]).stem: g for g in gold}
    stale = []
    with out.open("w", encoding="utf-8") as f:
        for line in res.stdout.splitlines():
            d = json.loads(line)
            name = Path(d["source_path"]).stem
            if d["text"] != by_page[name]["text"]:
                stale.append(name)
            d["id"] = name
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    if stale:
        sys.exit(f"stored text differs from the labelled text for {stale}: rerun --write-texts and relabel")
    return secs


def _overlaps(a: list[list[int]], b: list[list[int]]) -> bool:
    return any(s < e2 and s2 < e for s, e in a for s2, e2 in b)


def breakdown(gold: list[dict[str, Any]], pred_path: Path) -> dict[str, Any]:
    """Precision per act/kind and per confidence band (a quote is real when its content overlaps gold)."""
    by_id = {g["id"]: g for g in gold}
    rows = []
    for line in pred_path.open(encoding="utf-8"):
        d = json.loads(line)
        g = by_id[d["id"]]
        for q in d["quotes"]:
            real = any(_overlaps(q["content"]["spans"], a["content"]) for a in g["attributions"])
            rows.append((q.get("act", "?"), q["kind"], q["confidence"], real))
    out: dict[str, Any] = {"by_act": {}, "by_kind": {}, "by_confidence": {}}
    for key, idx in (("by_act", 0), ("by_kind", 1)):
        for v in sorted({r[idx] for r in rows}):
            sel = [r for r in rows if r[idx] == v]
            out[key][v] = {"n": len(sel), "precision": round(sum(r[3] for r in sel) / len(sel), 4)}
    for lo, hi in ((0.9, 1.01), (0.7, 0.9), (0.5, 0.7), (0.0, 0.5)):
        sel = [r for r in rows if lo <= r[2] < hi]
        out["by_confidence"][f"{lo:.1f}-{min(hi, 1.0):.1f}"] = {
            "n": len(sel), "precision": round(sum(r[3] for r in sel) / len(sel), 4) if sel else None}
    gold_acts: dict[str, int] = {}
    agree = matched = 0
    preds = {json.loads(line)["id"]: json.loads(line)["quotes"] for line in pred_path.open(encoding="utf-8")}
    for g in gold:
        for a in g["attributions"]:
            gold_acts[a["act"]] = gold_acts.get(a["act"], 0) + 1
            hits = [q for q in preds[g["id"]] if _overlaps(q["content"]["spans"], a["content"])]
            if hits:
                matched += 1
                agree += any(q.get("act") == a["act"] for q in hits)
    out["gold_acts"] = gold_acts
    out["act_accuracy"] = {"n": matched, "accuracy": round(agree / matched, 4) if matched else None}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-texts", action="store_true")
    ap.add_argument("--build-gold", action="store_true")
    ap.add_argument("--check", nargs="+", metavar="NAME", help="locate the labels of these pages and print them")
    ap.add_argument("--errors", help="write every false, missed and misattributed quote here (JSONL)")
    ap.add_argument("--json-out", help="write the figures here")
    args = ap.parse_args()
    if args.write_texts:
        return write_texts()
    if args.build_gold:
        return build_gold()
    if args.check:
        return check(args.check)
    gold = load_gold()
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp) / "pred.jsonl"
        secs = extract(gold, pred)
        cmd = [sys.executable, str(SCORER), str(DATA / "dev.jsonl"), str(pred), "--json-out", str(Path(tmp) / "s.json")]
        if args.errors:
            cmd += ["--errors", args.errors]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(res.stderr)
        scores = json.loads((Path(tmp) / "s.json").read_text())
        extra = breakdown(gold, pred)
    s = scores["speakers"]
    print(res.stderr.strip())
    n_att = sum(len(g["attributions"]) for g in gold)
    print(f"\nset: {len(gold)} articles, "
          f"{n_att} attributions ({extra['gold_acts']}); extract took {secs:.1f}s (model load included)\n")
    print("| figure | value | target |\n|---|---:|---:|")
    print(f"| quote precision | {100 * s['quote_precision']:.1f}% ({s['false_quotes']} false of "
          f"{s['predicted_quotes']}) | 95% |")
    print(f"| quote recall | {100 * s['quote_recall']:.1f}% ({s['missed_quotes']} missed of "
          f"{s['gold_quotes']}) | 85% |")
    print(f"| speaker accuracy | {100 * s['speaker_accuracy']:.1f}% (n={s['speaker_matched']}) | 92% |")
    print(f"| named-speaker precision | {100 * s['named_speaker_precision']:.1f}% (n={s['named_predictions']}) | – |")
    for band, v in extra["by_confidence"].items():
        if v["n"]:
            print(f"| precision, confidence {band} | {100 * v['precision']:.1f}% (n={v['n']}) |"
                  f"{' 90%' if band.startswith('0.9') else ''} |")
    act = extra["act_accuracy"]
    if act["n"]:
        print(f"| act agrees with gold (speech / thought) | {100 * act['accuracy']:.1f}% (n={act['n']}) | |")
    for key in ("by_act", "by_kind"):
        for v, d in extra[key].items():
            print(f"| precision, {key[3:]} {v} | {100 * d['precision']:.1f}% (n={d['n']}) | |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"scores": scores, "breakdown": extra}, indent=1) + "\n")


if __name__ == "__main__":
    main()
