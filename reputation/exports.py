"""Export reviews to CSV, JSON Lines or XLSX, and import them back.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a CR as a
formula, so a hostile review could execute in the team's Excel. In CSV and
XLSX such text cells get a leading apostrophe; a text that already starts with
apostrophes before such a character gets one more, so import can take exactly
one off and every text comes back as it was.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from reputation import schema
from reputation.records import Review
from reputation.store import Store

COLUMNS = (
    "source",
    "external_id",
    "url",
    "author",
    "text",
    "rating",
    "language",
    "published_at",
    "first_seen_at",
    "sentiment_label",
    "sentiment_score",
    "flagged",
    "due_at",
    "replied_at",
    "reply_text",
    "status",
)
FORMATS = ("csv", "jsonl", "xlsx")
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def neutralise(value: Any) -> Any:
    """A text cell made safe for a spreadsheet; numbers and empty cells pass unchanged."""
    return "'" + value if isinstance(value, str) and _FORMULA.match(value) else value


def restore(value: str) -> str:
    """The inverse of `neutralise`."""
    return value[1:] if value.startswith("'") and _FORMULA.match(value[1:]) else value


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat() if value else None


def export_rows(
    store: Store, since: datetime | None = None, until: datetime | None = None, *, where: Iterable = ()
) -> Iterator[dict]:
    """Reviews published (or, with no publication time, first seen) in [since, until), oldest first.

    `where`: further conditions on `schema.reviews` and `schema.sentiment_scores` (the dashboard's filters).
    """
    r, s, rep = schema.reviews, schema.sentiment_scores, schema.replies
    first_reply = select(rep.c.text).where(rep.c.review_id == r.c.id).order_by(rep.c.replied_at).limit(1)
    moment = func.coalesce(r.c.published_at, r.c.first_seen_at)
    query = (
        select(
            r.c.source_id.label("source"),
            r.c.external_id,
            r.c.url,
            r.c.author,
            r.c.text,
            r.c.rating,
            r.c.language,
            r.c.published_at,
            r.c.first_seen_at,
            s.c.label.label("sentiment_label"),
            s.c.score.label("sentiment_score"),
            r.c.flagged,
            r.c.due_at,
            r.c.replied_at,
            first_reply.scalar_subquery().label("reply_text"),
            r.c.status,
        )
        .select_from(r.outerjoin(s, s.c.id == r.c.sentiment_id))
        .where(*where)
        .order_by(moment, r.c.id)
    )
    if since is not None:
        query = query.where(moment >= since)
    if until is not None:
        query = query.where(moment < until)
    with store.engine.connect() as db:
        for row in db.execution_options(stream_results=True, yield_per=1000).execute(query):
            record = row._asdict()
            for key in ("published_at", "first_seen_at", "due_at", "replied_at"):
                record[key] = _iso(record[key])
            yield record


def write_export(rows: Iterable[dict], fmt: str, out: IO[bytes], columns: tuple[str, ...] = COLUMNS) -> int:
    """Write rows in `fmt` to a binary stream (`columns` in CSV and XLSX); returns the number written."""
    count = 0
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
            count += 1
    elif fmt == "csv":
        # A BOM so that Excel opens Cyrillic and Finnish text as UTF-8.
        out.write("\ufeff".encode())
        text = _TextSink(out)
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row[c] is None else neutralise(row[c]) for c in columns])
            count += 1
    elif fmt == "xlsx":
        book = Workbook(write_only=True)
        sheet = book.create_sheet("reviews")
        sheet.append(columns)
        for row in rows:
            sheet.append([neutralise(row[c]) for c in columns])
            count += 1
        book.save(out)
    else:
        raise ValueError(f"unknown export format {fmt!r}; allowed: {', '.join(FORMATS)}")
    return count


class _TextSink:
    """csv.writer wants text; the export stream takes bytes."""

    def __init__(self, out: IO[bytes]):
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text.encode())


class ImportFileError(ValueError):
    """Rows that cannot be imported, each with its row number and reason."""


@dataclass
class ImportResult:
    new: int
    updated: int
    unchanged: int
    sources_created: list[str]


def read_rows(path: Path) -> Iterator[dict]:
    """Rows of an export-shaped file; the format comes from the file's suffix."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ImportFileError(f"{path}: line {number} is not JSON: {exc.msg}") from None
    elif fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                yield {key: restore(value) if value else None for key, value in row.items()}
    elif fmt == "xlsx":
        book = load_workbook(path, read_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(cell) for cell in next(rows, ())]
        for values in rows:
            yield {
                key: restore(value) if isinstance(value, str) else value for key, value in zip(header, values)
            }
        book.close()
    else:
        raise ImportFileError(f"{path}: unknown file type {path.suffix!r}; allowed: .csv, .jsonl, .xlsx")


def _time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    # A time written without a zone is taken as UTC, like the export writes it.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _external_id(row: dict) -> str:
    """A stable id for a review gathered by hand, so importing the file twice adds nothing."""
    basis = "\x1f".join(str(row.get(k) or "") for k in ("author", "text", "published_at"))
    return "import-" + hashlib.sha1(basis.encode()).hexdigest()[:16]


def _review(row: dict) -> Review:
    if not row.get("source"):
        raise ValueError("the 'source' column is empty")
    if row.get("text") is None:
        raise ValueError("the 'text' column is missing")
    rating = row.get("rating")
    return Review(
        source_id=str(row["source"]),
        external_id=str(row.get("external_id") or _external_id(row)),
        text=str(row["text"]),
        url=row.get("url") or None,
        author=row.get("author") or None,
        rating=None if rating in (None, "") else float(rating),
        language=row.get("language") or None,
        published_at=_time(row.get("published_at")),
        reply_text=row.get("reply_text") or None,
        reply_at=_time(row.get("replied_at")),
    )


def import_reviews(store: Store, path: Path) -> ImportResult:
    """Import an export-shaped file. Every row is checked first: one bad row imports nothing."""
    items, problems = [], []
    for number, row in enumerate(read_rows(path), start=2 if path.suffix.lower() != ".jsonl" else 1):
        try:
            items.append(_review(row))
        except (ValueError, TypeError) as exc:
            problems.append(f"row {number}: {exc}")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ImportFileError(f"{path}: nothing imported; " + "; ".join(problems[:5]) + more)
    known = store.source_ids()
    created = sorted({item.source_id for item in items} - known)
    for source_id in created:
        store.ensure_manual_source(source_id)
    result = store.ingest(items, reply_channel="imported")
    return ImportResult(result.new, result.updated, result.unchanged, created)
