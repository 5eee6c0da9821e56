"""Issues 3 and 4 through the command line, as a user runs them on the seed articles:
extract, quotes, speakers, statements, timelines, search, corrections and reprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SEEDS, seed
from test_cli_ingest import as_json, run


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    path = tmp_path_factory.mktemp("record") / "record.db"
    proc = run("ingest", str(seeds_dir), db=path)
    assert proc.returncode == 0, proc.stderr
    return path


def _speakers(quote: dict) -> list[str]:
    return [s["name"] for s in quote["speakers"]]


def test_extract_jsonl_offsets_and_ids(tmp_path: Path, seeds_dir: Path) -> None:
    proc = run("extract", str(seeds_dir), "--format", "jsonl", db=tmp_path / "unused.db")
    assert proc.returncode == 0, proc.stderr
    docs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert sorted(d["id"] for d in docs) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert not (tmp_path / "unused.db").exists()  # no database involved
    for d in docs:
        text = (SEEDS / f"{d['id']}.txt").read_text(encoding="utf-8")
        assert d["text"] == text
        assert d["quotes"], d["id"]
        for q in d["quotes"]:
            assert q["kind"] in ("direct", "indirect", "mixed")
            for role in ("content", "cue", "source"):
                if q[role] is None:
                    continue
                pieces = [text[s:e] for s, e in q[role]["spans"]]
                assert " ".join(pieces) == q[role]["text"]
            for sp in q["speakers"]:
                assert sp["type"] in ("person", "organisation", "unknown") and sp["resolved_via"]


def test_extract_attributions_on_seeds(tmp_path: Path) -> None:
    proc = run("extract", str(seed("001")), str(seed("003")), "--format", "json", db=tmp_path / "x.db")
    docs = {d["id"][:3]: d for d in json.loads(proc.stdout)}

    def who(doc: str, fragment: str) -> list[str]:
        hits = [q for q in docs[doc]["quotes"] if fragment in q["content"]["text"]]
        assert hits, fragment
        return _speakers(hits[0])

    assert who("001", "no attack against the NATO territory") == ["Jens Stoltenberg"]
    assert sorted(who("001", "prepared for war")) == ["Carl-Oskar Bohlin", "Micael Bydén"]
    assert who("001", "anything can happen") == ["Rob Bauer"]
    assert who("003", "nuclear rhetoric is reckless") == ["Mark Rutte"]
    credits = [q for q in docs["003"]["quotes"] if "Getty" in q["content"]["text"]]
    assert credits == []


def test_extract_table_for_people(tmp_path: Path) -> None:
    proc = run("extract", str(seed("000")), "--format", "table", db=tmp_path / "x.db")
    assert proc.returncode == 0 and "Boris Ruge" in proc.stdout and "pronoun" in proc.stdout


def test_quotes_listing_filters_and_formats(db: Path) -> None:
    items = as_json(run("quotes", "--speaker", "Jens Stoltenberg", "--format", "json", "--limit", "500", db=db))
    assert items and all("Jens Stoltenberg" in (q["speaker_names"] or "") for q in items)  # type: ignore[union-attr]
    since = as_json(run("quotes", "--speaker", "Stoltenberg", "--since", "2024-01-01", "--format", "json", db=db))
    assert since and all(q["date"] >= "2024-01-01" for q in since)  # type: ignore[union-attr,index]
    assert len(since) < len(items)  # type: ignore[arg-type]
    csv_out = run("quotes", "--search", "imminent", "--format", "csv", db=db).stdout.splitlines()
    assert csv_out[0].startswith("date,speaker,kind") and len(csv_out) >= 2


def test_act_filter_and_confidence_floor(db: Path, seeds_dir: Path, tmp_path: Path) -> None:
    thought = as_json(run("quotes", "--act", "thought", "--format", "json", "--limit", "500", db=db))
    speech = as_json(run("quotes", "--act", "speech", "--format", "json", "--limit", "500", db=db))
    assert thought and speech and all(q["act"] == "thought" for q in thought)  # type: ignore[index,union-attr]
    assert all(q["act"] == "speech" for q in speech)  # type: ignore[index,union-attr]
    assert run("quotes", "--act", "rumour", db=db).returncode == 2
    path = str(seeds_dir / "004_1a61c13642a5c564.txt")
    every = run("extract", path, "--min-confidence", "0", db=tmp_path / "x.db").stdout
    sure = run("extract", path, "--min-confidence", "0.9", "--act", "speech", db=tmp_path / "x.db").stdout
    every_q, sure_q = json.loads(every)["quotes"], json.loads(sure)["quotes"]
    assert len(sure_q) < len(every_q)
    assert all(q["confidence"] >= 0.9 and q["act"] == "speech" and q["rule"] for q in sure_q)


def test_speakers_once_each_and_no_false_names(db: Path) -> None:
    speakers = as_json(run("speakers", "--format", "json", db=db))
    names = [s["name"] for s in speakers]  # type: ignore[union-attr]
    for person in ("Jens Stoltenberg", "Mark Rutte", "Boris Ruge", "Jānis Sārts", "Rob Bauer", "Micael Bydén",
                   "Carl-Oskar Bohlin"):
        assert names.count(person) == 1, (person, names)
    assert "NATO SG" not in names and "Monitoring Desk" not in names
    stolt = as_json(run("speaker", "Stoltenberg", "--format", "json", db=db))
    assert stolt["name"] == "Jens Stoltenberg"  # type: ignore[index]
    assert "NATO SG Stoltenberg" in stolt["aliases"]  # type: ignore[index]
    sg = [r for r in stolt["roles"] if "Secretary General" in r["title"]]  # type: ignore[index]
    assert sg and min(r["start"] for r in sg) <= "2021-03-23" and max(r["end"] or "" for r in sg) >= "2024-01-23"
    rutte = as_json(run("speaker", "Mark Rutte", "--format", "json", db=db))
    assert any(r["start"] and r["start"].startswith("2024-10") for r in rutte["roles"])  # type: ignore[index]
    assert as_json(run("speaker", "janis sarts", "--format", "json", db=db))["name"] == "Jānis Sārts"  # type: ignore[index]


def test_statement_drift_between_translations(db: Path) -> None:
    drifting = as_json(run("statements", "--speaker", "Jens Stoltenberg", "--drift", "--format", "json", db=db))
    texts = [" ".join(r["text"] for r in st["reports"]) for st in drifting]  # type: ignore[union-attr,index]
    threat = [t for t in texts if "imminent threat" in t and "immediate threat" in t]
    exercise = [t for t in texts if "biggest exercise in decades" in t and "largest exercise in decades" in t]
    assert threat and exercise
    for st in drifting:  # type: ignore[union-attr]
        assert all(not (r["article_date"] or "").startswith("2021") for r in st["reports"])
    one = as_json(run("statement", drifting[0]["id"], "--format", "json", db=db))  # type: ignore[index]
    assert one["drift"] and one["diff"]  # type: ignore[index]
    shown = run("statement", drifting[0]["id"][:9], db=db)  # type: ignore[index]
    assert shown.returncode == 0 and "[-" in shown.stdout or "{+" in shown.stdout


def test_timeline_orders_2021_before_2024(db: Path, tmp_path: Path) -> None:
    res = as_json(run("timeline", "Jens Stoltenberg", "--group", "day", "--format", "json", db=db))
    days = [b["period"] for b in res["buckets"]]  # type: ignore[index]
    assert days == sorted(days) and days[0] == "2021-03-22" and "2024-01-23" in days
    png = tmp_path / "t.png"
    proc = run("timeline", "Jens Stoltenberg", "--plot", str(png), db=db)
    assert proc.returncode == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    about = as_json(run("timeline", "--about", "Russia", "--by", "NATO", "--format", "json", db=db))
    assert about["statements"]  # type: ignore[index]
    assert run("timeline", "Nobody Atall", db=db).returncode == 1


def test_search_imminent_threat_finds_both_translations_first(db: Path) -> None:
    res = as_json(run("search", "imminent threat", "--format", "json", db=db))
    items = res["quotes"]["items"]  # type: ignore[index]
    arts = {Path(a["source_path"]).name[:3]: a["id"] for a in as_json(run("articles", "--format", "json", db=db))}  # type: ignore[union-attr]
    ranked = [q["article_id"] for q in items]
    first_other = next((i for i, a in enumerate(ranked) if a not in (arts["001"], arts["002"])), len(ranked))
    assert arts["001"] in ranked[:first_other] and arts["002"] in ranked[:first_other]
    table = run("search", "imminent threat", db=db).stdout
    assert "[imminent threat]" in table or "[imminent]" in table  # highlighted snippet survives the table


def test_corrections_and_roles_survive_reprocess(tmp_path: Path, seeds_dir: Path) -> None:
    db = tmp_path / "c.db"
    assert run("ingest", str(seeds_dir), db=db).returncode == 0
    assert run("speakers", "rename", "Boris Ruge", "Boris Ruge (NATO ASG)", db=db).returncode == 0
    assert run("speakers", "merge", "Bild", "German tabloid Bild", db=db).returncode == 0
    assert run("speakers", "split", "Mark Rutte", "Rutte", db=db).returncode == 0
    roles = tmp_path / "roles.csv"
    roles.write_text("title,organisation,person,from,to\nChair of the Military Committee,NATO,Rob Bauer,2021-06-25,"
                     "2025-01-17\n")
    assert run("roles", "import", str(roles), db=db).returncode == 0
    assert run("roles", "import", str(roles), db=db).returncode == 0  # idempotent

    def check() -> None:
        names = [s["name"] for s in as_json(run("speakers", "--format", "json", db=db))]  # type: ignore[union-attr]
        assert "Boris Ruge (NATO ASG)" in names and "Boris Ruge" not in names
        assert "German tabloid Bild" not in names and names.count("Bild") == 1  # merged
        assert "Mark Rutte" in names and "Rutte" in names  # the alias split off into its own speaker
        bauer = as_json(run("speaker", "Rob Bauer", "--format", "json", db=db))
        assert any(r["title"] == "Chair of the Military Committee" and r["source"] == "import"
                   for r in bauer["roles"])  # type: ignore[index]

    check()
    proc = run("reprocess", db=db)
    assert proc.returncode == 0, proc.stderr
    check()
    assert run("ingest", str(seeds_dir), db=db).returncode == 0
    check()
    bad = tmp_path / "bad.csv"
    bad.write_text("title,person\n,Nobody\n")
    proc = run("roles", "import", str(bad), db=db)
    assert proc.returncode == 1 and "bad.csv:2" in proc.stderr
    assert run("speakers", "merge", "Jens Stoltenberg", "No Such Person", db=db).returncode == 1


def test_a_statement_split_survives_relink_and_reprocess(tmp_path: Path, seeds_dir: Path) -> None:
    db = tmp_path / "s.db"
    assert run("ingest", str(seeds_dir), db=db).returncode == 0
    threat = next(st for st in as_json(run("statements", "--drift", "--format", "json", db=db))  # type: ignore[union-attr]
                  if any("immediate threat" in r["text"] for r in st["reports"]))  # fmt: skip
    assert threat["confidence"] is not None and len(threat["reports"]) >= 2
    off = next(r["quote_id"] for r in threat["reports"] if "immediate threat" in r["text"])
    wrong = run("statement-split", threat["id"], "no-such-quote", db=db)
    assert wrong.returncode == 1 and "is not a report of statement" in wrong.stderr
    assert run("statement-split", threat["id"][:10], off, db=db).returncode == 0

    def alone() -> bool:
        for st in as_json(run("statements", "--format", "json", "-n", "1000", db=db)):  # type: ignore[union-attr]
            if any(r["quote_id"] == off for r in st["reports"]):
                return len(st["reports"]) == 1
        return False

    assert alone()
    assert run("relink", "--full", db=db).returncode == 0
    assert alone()
    assert run("reprocess", db=db).returncode == 0
    assert alone()


def test_a_story_says_why_its_articles_were_joined_and_a_reader_can_split_it(tmp_path: Path, seeds_dir: Path) -> None:
    from fastapi.testclient import TestClient

    from onrecord.api import create_app
    from onrecord.store import Store

    db = tmp_path / "st.db"
    assert run("ingest", str(seeds_dir), db=db).returncode == 0
    store = Store(str(db))
    story = next(s for s in store.list_stories(limit=50).items if s["size"] == 2)
    first, second = story["articles"]
    assert first["why"] is None and second["why"]["score"] > 0.3
    assert second["why"]["days"] is None  # seed 002 gives no date: no days apart to show
    assert "stoltenberg" in second["why"]["shared"]
    page = TestClient(create_app(store)).get(f"/stories/{story['id']}")
    assert page.status_code == 200 and "shares: " in page.text and "with the first report" in page.text
    assert run("story-split", second["id"], db=db).returncode == 0
    again = run("story-split", second["id"], db=db)
    assert again.returncode == 1 and "alone in its story" in again.stderr
    assert run("ingest", str(seeds_dir), db=db).returncode == 0  # adds nothing, changes nothing
    after = Store(str(db))
    assert after.get_story(second["id"])["size"] == 1 and after.get_story(story["id"])["size"] == 1
    assert any(c["op"] == "story-split" for c in after.list_corrections())
