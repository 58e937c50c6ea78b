"""The dashboard's reads over all reviews: the explorer's filters and pages, the complaint journal,
reviews per day per source. Each runs in the database and returns one page of rows."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Date, Engine, cast, func, select

from dashboard.safe import one_line
from reputation import schema
from reputation.exports import COLUMNS, write_export

_r, _s, _src, _rep = schema.reviews, schema.sentiment_scores, schema.sources, schema.replies
JOURNAL_COLUMNS = ("registered", "number", "author", "summary", "answered", "answer_channel", "source", "status")
SUMMARY_CHARS = 100


@dataclass(frozen=True)
class Filters:
    search: str = ""
    sources: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    flagged_only: bool = False
    # Published (or, without a publication time, first seen) in [since, until).
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list:
        """WHERE conditions over reviews and their current score (as exports.export_rows joins them)."""
        where = []
        if self.search.strip():
            # LIKE with the wildcards in the user's words taken literally.
            words = self.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{words}%"
            where.append(
                _r.c.text.ilike(pattern, escape="\\") | _r.c.author.ilike(pattern, escape="\\") | _r.c.title.ilike(pattern, escape="\\")
            )
        if self.sources:
            where.append(_r.c.source_id.in_(self.sources))
        if self.channels:
            where.append(_r.c.source_id.in_(select(_src.c.id).where(_src.c.channel.in_(self.channels))))
        if self.languages:
            where.append(_r.c.language.in_(self.languages))
        if self.labels:
            where.append(_s.c.label.in_(self.labels))
        if self.statuses:
            where.append(_r.c.status.in_(self.statuses))
        if self.flagged_only:
            where.append(_r.c.flagged.is_(True))
        moment = func.coalesce(_r.c.published_at, _r.c.first_seen_at)
        if self.since is not None:
            where.append(moment >= self.since)
        if self.until is not None:
            where.append(moment < self.until)
        return where


_FROM = _r.outerjoin(_s, _s.c.id == _r.c.sentiment_id)


def _counted(filters: Filters):
    # The scores are joined only when a label is asked for: counting a million rows is then one index scan.
    return _FROM if filters.labels else _r


def count(engine: Engine, filters: Filters) -> int:
    with engine.connect() as db:
        return db.scalar(select(func.count()).select_from(_counted(filters)).where(*filters.conditions()))


def page(engine: Engine, filters: Filters, *, limit: int, offset: int) -> list:
    """One page of matching reviews, the newest first."""
    query = (
        select(
            _r.c.id, _r.c.published_at, _r.c.source_id, _r.c.author, _r.c.title, _r.c.text, _r.c.rating, _r.c.language,
            _s.c.label.label("sentiment"), _r.c.status, _r.c.due_at, _r.c.replied_at, _r.c.url,
        )
        .select_from(_FROM)
        .where(*filters.conditions())
        .order_by(_r.c.published_at.desc(), _r.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as db:
        return db.execute(query).all()


def _first_reply(column):
    return select(column).where(_rep.c.review_id == _r.c.id).order_by(_rep.c.replied_at, _rep.c.id).limit(1).scalar_subquery()


def journal(engine: Engine, filters: Filters, *, limit: int | None = None, offset: int = 0) -> list:
    """The complaint journal: flagged reviews by registration (first seen), with their first answer."""
    query = (
        select(
            _r.c.first_seen_at.label("registered"),
            _r.c.id.label("number"),
            _r.c.author,
            func.substr(_r.c.text, 1, SUMMARY_CHARS).label("summary"),
            _first_reply(_rep.c.replied_at).label("answered"),
            _first_reply(_rep.c.channel).label("answer_channel"),
            _r.c.source_id.label("source"),
            _r.c.status,
        )
        .select_from(_FROM)
        .where(_r.c.flagged.is_(True), *filters.conditions())
        # Ids grow in the order reviews are first seen: the journal's order, without sorting.
        .order_by(_r.c.id)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as db:
        yield from db.execution_options(stream_results=True, yield_per=1000).execute(query)


def local_time(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def journal_rows(engine: Engine, filters: Filters, zone, **page):
    """The journal as shown and exported: times in the company's zone, names on one line."""
    for row in journal(engine, filters, **page):
        yield {
            "registered": local_time(row.registered, zone),
            "number": row.number,
            "author": one_line(row.author or ""),
            "summary": one_line(row.summary),
            "answered": local_time(row.answered, zone),
            "answer_channel": row.answer_channel or "",
            "source": row.source,
            "status": row.status,
        }


def export_bytes(rows, fmt: str, columns: tuple[str, ...] = COLUMNS) -> bytes:
    """A CSV or XLSX file of `rows` (formula-safe, see reputation.exports)."""
    out = io.BytesIO()
    write_export(rows, fmt, out, columns)
    return out.getvalue()


def journal_count(engine: Engine, filters: Filters) -> int:
    with engine.connect() as db:
        return db.scalar(
            select(func.count()).select_from(_counted(filters)).where(_r.c.flagged.is_(True), *filters.conditions())
        )


def choices(engine: Engine) -> dict[str, list[str]]:
    """The values the filters offer: sources, channels, languages."""
    with engine.connect() as db:
        return {
            "sources": list(db.scalars(select(_src.c.id).order_by(_src.c.id))),
            "channels": list(db.scalars(select(_src.c.channel).distinct().order_by(_src.c.channel))),
            "languages": list(db.scalars(select(_r.c.language).where(_r.c.language.is_not(None)).distinct().order_by(_r.c.language))),
        }


def reviews_per_day(engine: Engine, now: datetime, days: int = 30) -> dict[str, list[int]]:
    """Reviews first seen per UTC day over the last `days` days, per source (oldest day first, zeros kept)."""
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    utc = _r.c.first_seen_at if engine.dialect.name == "sqlite" else func.timezone("UTC", _r.c.first_seen_at)
    day = func.date(utc) if engine.dialect.name == "sqlite" else cast(utc, Date)
    query = select(_r.c.source_id, day.label("day"), func.count()).where(_r.c.first_seen_at >= start).group_by(_r.c.source_id, day)
    series: dict[str, list[int]] = {}
    with engine.connect() as db:
        for source_id, when, n in db.execute(query):
            index = (datetime.fromisoformat(str(when)).date() - start.date()).days
            series.setdefault(source_id, [0] * days)[index] = n
    return series
