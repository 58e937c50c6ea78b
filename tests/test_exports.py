import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from openpyxl import load_workbook

from reputation.config import Source
from reputation.exports import COLUMNS, ImportFileError, export_rows, import_reviews, neutralise, restore, write_export
from reputation.records import Review
from reputation.store import Store

pytestmark = pytest.mark.store

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=timezone.utc)

HOSTILE_TEXTS = [
    "Кофе отличный, персонал вежливый ☕️👍",
    "Tosi hyvä palvelu, kiitos! Ääkköset: äöå ÄÖÅ",
    "Line one\nline two, with a comma\nand \"quotes\"",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "+7 (999) 123-45-67 звоните",
    "-1 звезда, если бы можно было",
    "@everyone look at this",
    "\tstarts with a tab",
    "'=already quoted formula",
    "''+two quotes",
    "'plain apostrophe",
    "Семья 👨‍👩‍👧 довольна",
]


def seed(store: Store) -> None:
    store.sync_sources([Source(id="otzovik", type="otzovik", url="http://127.0.0.1/")], now=T0)
    store.ingest(
        [
            Review(
                source_id="otzovik",
                external_id=f"r{n}",
                text=text,
                author=f"=cmd|' /C calc'!A{n}" if n == 4 else f"Автор {n}",
                rating=float(n % 5 + 1),
                language="ru",
                url=f"http://127.0.0.1/review/{n}",
                published_at=T0 - timedelta(days=n),
                reply_text="Спасибо! =)" if n == 1 else None,
                reply_at=T0 + timedelta(hours=1) if n == 1 else None,
            )
            for n, text in enumerate(HOSTILE_TEXTS)
        ],
        now=T0,
    )


def comparable(rows):
    keep = ("source", "external_id", "url", "author", "text", "rating", "language", "published_at", "replied_at", "reply_text")
    return sorted((tuple(row[k] for k in keep) for row in rows), key=lambda r: r[1])


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "'=x", "''-x"])
def test_formula_cells_are_neutralised_and_restored(value):
    safe = neutralise(value)
    assert safe == "'" + value
    assert restore(safe) == value


@pytest.mark.parametrize("value", ["plain", "'plain", "", 5.0, -1.5, None])
def test_other_cells_pass_unchanged(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_export_then_import_into_an_empty_store_round_trips(tmp_path, database_url, fmt):
    source = Store.open(database_url)
    seed(source)
    exported = list(export_rows(source))
    path = tmp_path / f"reviews.{fmt}"
    with path.open("wb") as handle:
        assert write_export(exported, fmt, handle) == len(HOSTILE_TEXTS)
    source.close()

    target = Store.open(f"sqlite:///{tmp_path / 'other.db'}")
    result = import_reviews(target, path)
    assert (result.new, result.sources_created) == (len(HOSTILE_TEXTS), ["otzovik"])
    assert comparable(export_rows(target)) == comparable(exported)
    again = import_reviews(target, path)
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(HOSTILE_TEXTS))
    target.close()


def test_csv_export_never_starts_a_cell_with_a_formula(store):
    seed(store)
    out = io.BytesIO()
    write_export(export_rows(store), "csv", out)
    rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c.startswith("-") and not c[1:2].isdigit())]
    text_column = [row[COLUMNS.index("text")] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in text_column
    assert "'-1 звезда, если бы можно было" in text_column
    assert "<script>alert(1)</script>" in text_column


def test_xlsx_export_holds_no_formula_cell(tmp_path, store):
    seed(store)
    path = tmp_path / "r.xlsx"
    with path.open("wb") as handle:
        write_export(export_rows(store), "xlsx", handle)
    sheet = load_workbook(path).worksheets[0]
    kinds = {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None}
    assert "f" not in kinds
    assert "'=HYPERLINK(\"http://x\",\"y\")" in [row[COLUMNS.index("text")] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_export_filters_by_publication_time(store):
    seed(store)
    rows = list(export_rows(store, since=T0 - timedelta(days=3), until=T0 - timedelta(days=1)))
    assert [r["external_id"] for r in rows] == ["r3", "r2"]  # oldest first
    assert rows[0]["published_at"] == "2026-03-11T09:30:00+00:00"
    assert rows[0]["sentiment_label"] is None and rows[0]["flagged"] is False


def test_a_bad_file_imports_nothing_and_says_which_rows(tmp_path, store):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"source": "manual-team", "text": "хороший отзыв"}) + "\n"
        + json.dumps({"source": "", "text": "нет источника"}) + "\n"
        + json.dumps({"source": "manual-team", "text": "x", "rating": "пять"}) + "\n"
        + json.dumps({"source": "manual-team", "text": "x", "published_at": "вчера"}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as raised:
        import_reviews(store, path)
    message = str(raised.value)
    assert "nothing imported" in message
    assert "row 2: the 'source' column is empty" in message
    assert "row 3:" in message and "row 4:" in message
    assert list(export_rows(store)) == []


def test_broken_json_and_unknown_suffix_get_clear_errors(tmp_path, store):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"source": "a", "text": "ok"}\n{not json\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="line 2 is not JSON"):
        import_reviews(store, broken)
    other = tmp_path / "reviews.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown file type '.txt'"):
        import_reviews(store, other)


def test_rows_without_external_id_get_a_stable_one(tmp_path, store):
    path = tmp_path / "gathered.csv"
    path.write_text("source,author,text,rating\nfrom-events,Ольга,Понравилось всё,5\n", encoding="utf-8")
    assert import_reviews(store, path).new == 1
    assert import_reviews(store, path).unchanged == 1
    [row] = export_rows(store)
    assert row["external_id"].startswith("import-") and row["source"] == "from-events" and row["rating"] == 5.0


def run_cli(cwd, *args):
    return subprocess.run([sys.executable, "-m", "reputation", *args], cwd=cwd, capture_output=True, text=True)


def test_the_commands_init_upgrade_export_import_in_an_empty_folder(tmp_path):
    assert run_cli(tmp_path, "init").returncode == 0
    assert (tmp_path / "reputation.yaml").exists() and (tmp_path / "reputation.db").exists()
    assert run_cli(tmp_path, "init").returncode == 1  # never overwrites silently
    assert run_cli(tmp_path, "db", "upgrade").returncode == 0
    empty = run_cli(tmp_path, "export", "reviews", "--format", "jsonl")
    assert (empty.returncode, empty.stdout) == (0, "")

    incoming = tmp_path / "in.jsonl"
    incoming.write_text(
        json.dumps({"source": "otzovik", "external_id": "1", "text": "Ужасно 😡", "published_at": "2026-03-01T10:00:00+03:00"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    imported = run_cli(tmp_path, "import", "reviews", str(incoming))
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == f"Imported {incoming}: 1 new, 0 updated, 0 unchanged."
    exported = run_cli(tmp_path, "export", "reviews", "--format", "jsonl", "--since", "2026-03-01")
    [row] = [json.loads(line) for line in exported.stdout.splitlines()]
    assert (row["source"], row["text"], row["published_at"]) == ("otzovik", "Ужасно 😡", "2026-03-01T07:00:00+00:00")

    out = tmp_path / "reviews.xlsx"
    assert run_cli(tmp_path, "export", "reviews", "--format", "xlsx", "--out", str(out)).returncode == 0
    assert load_workbook(out).worksheets[0].max_row == 2
    config = yaml.safe_load((tmp_path / "reputation.yaml").read_text(encoding="utf-8"))
    assert config["company"]["timezone"] == "Europe/Moscow"
