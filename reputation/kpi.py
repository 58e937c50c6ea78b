"""The KPIs of reputation work, each defined once: the weekly report and the dashboard both read them here.

Everything is aggregated in SQL (SQLAlchemy Core, the same on SQLite and
PostgreSQL); Python only divides the sums. Conventions for every KPI:
- a review's time is its publication time, or when we first saw it if the
  source gives none (the same rule as its reply deadline);
- reviews the team marked spam or not ours count nowhere;
- a period is half-open, [start, end), in UTC instants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Integer, and_, case, extract, func, literal, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from reputation import schema
from reputation.schema import UtcDateTime


@dataclass(frozen=True)
class Kpi:
    key: str
    title: str
    # count, share (0..1), stars (1..5), index (0..100), duration (seconds)
    unit: str
    formula: str
    # None: neither direction is better (volume).
    higher_is_better: bool | None


KPIS: tuple[Kpi, ...] = (
    Kpi("new_reviews", "New reviews (NST)", "count",
        "reviews published in the period", None),
    Kpi("negative_share", "Negative share", "share",
        "negative reviews ÷ scored reviews, of those published in the period", False),
    Kpi("average_rating", "Average rating", "stars",
        "mean star rating of the rated reviews published in the period", True),
    Kpi("csi", "Satisfaction index (CSI)", "index",
        "100 × rated reviews with 4–5★ ÷ rated reviews, of those published in the period", True),
    Kpi("flagged", "Flagged for reply", "count",
        "reviews published in the period and flagged for reply", False),
    Kpi("within_sla", "Answered within SLA", "count",
        "flagged reviews due in the period whose first reply came at or before the deadline (replied_at ≤ due_at)", True),
    Kpi("breached", "Breached (NTB)", "count",
        "flagged reviews due in the period answered after the deadline, or still unanswered after it", False),
    Kpi("afrt", "Average first response time (AFRT)", "duration",
        "mean of first reply − publication, over flagged reviews first answered in the period", False),
    Kpi("mttr", "Mean time to resolve (MTTR)", "duration",
        "mean of resolved − publication, over flagged reviews resolved in the period", False),
    Kpi("response_rate", "Response rate", "share",
        "flagged reviews with a reply ÷ flagged reviews, of those published in the period", True),
)
BY_KEY = {kpi.key: kpi for kpi in KPIS}

SENTIMENT_LABELS = ("negative", "neutral", "positive")
# Stars from which a rated review counts as satisfied in the CSI.
SATISFIED_FROM = 4
NOT_COUNTED = ("spam", "not_ours")

reviews, scores = schema.reviews, schema.sentiment_scores
# The review's time: publication, or first sight when the source gives none.
EVENT_AT = func.coalesce(reviews.c.published_at, reviews.c.first_seen_at, type_=UtcDateTime())


class _days_since_1970(FunctionElement):
    """Whole days in a count of seconds since 1970 (times after 1970 only)."""

    type = Integer()
    inherit_cache = True


@compiles(_days_since_1970)
def _days_default(element, compiler, **kw):
    return f"CAST(FLOOR(({compiler.process(element.clauses, **kw)}) / 86400) AS BIGINT)"


@compiles(_days_since_1970, "sqlite")
def _days_sqlite(element, compiler, **kw):
    # SQLite's epoch seconds are integers, and / of integers divides whole (FLOOR may be missing).
    return f"(({compiler.process(element.clauses, **kw)}) / 86400)"


def _seconds(moment):
    return extract("epoch", moment)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _between(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def published_between(start: datetime, end: datetime):
    # Spelt out rather than on EVENT_AT, so the published_at index serves it.
    return or_(
        _between(reviews.c.published_at, start, end),
        and_(reviews.c.published_at.is_(None), _between(reviews.c.first_seen_at, start, end)),
    )


def _query(columns, where, *, group: dict | None = None, sources_in=None, channels=None, languages=None):
    """The counted reviews matching `where` and the filters; `group`: {output name: expression} to group by."""
    group = group or {}
    query = (
        select(*(expression.label(name) for name, expression in group.items()), *columns)
        .select_from(
            reviews.join(schema.sources, schema.sources.c.id == reviews.c.source_id).outerjoin(
                scores, scores.c.id == reviews.c.sentiment_id
            )
        )
        .where(where, reviews.c.status.not_in(NOT_COUNTED))
    )
    if sources_in is not None:
        query = query.where(reviews.c.source_id.in_(list(sources_in)))
    if channels is not None:
        query = query.where(schema.sources.c.channel.in_(list(channels)))
    if languages is not None:
        query = query.where(reviews.c.language.in_(list(languages)))
    # Grouped by output name: PostgreSQL would see an expression repeated with its own parameters as another one.
    return query.group_by(*(literal_column(name) for name in group))


_FLAGGED = reviews.c.flagged.is_(True)
_REPLIED_IN_TIME = reviews.c.replied_at <= reviews.c.due_at


def _breached(now: datetime):
    return or_(reviews.c.replied_at > reviews.c.due_at, and_(reviews.c.replied_at.is_(None), reviews.c.due_at < now))


def _sums(engine: Engine, start: datetime, end: datetime, group, filters: dict, now: datetime) -> dict:
    """The sums every KPI is made of, per group (one key, None, when not grouped), in four cohort queries."""
    grouped = {"g": group} if group is not None else None
    published = _query(
        [
            func.count().label("new_reviews"),
            func.count(scores.c.label).label("scored"),
            _count_if(scores.c.label == "negative").label("negative"),
            func.count(reviews.c.rating).label("rated"),
            func.sum(reviews.c.rating).label("rating_sum"),
            _count_if(reviews.c.rating >= SATISFIED_FROM).label("satisfied"),
            _count_if(_FLAGGED).label("flagged"),
            _count_if(and_(_FLAGGED, reviews.c.replied_at.is_not(None))).label("answered"),
        ],
        published_between(start, end),
        group=grouped,
        **filters,
    )
    due = _query(
        [_count_if(_REPLIED_IN_TIME).label("within_sla"), _count_if(_breached(now)).label("breached")],
        and_(_FLAGGED, _between(reviews.c.due_at, start, end)),
        group=grouped,
        **filters,
    )
    replied = _query(
        [func.count().label("first_replies"), func.sum(_seconds(reviews.c.replied_at) - _seconds(EVENT_AT)).label("response_s")],
        and_(_FLAGGED, _between(reviews.c.replied_at, start, end)),
        group=grouped,
        **filters,
    )
    resolved = _query(
        [func.count().label("resolutions"), func.sum(_seconds(reviews.c.resolved_at) - _seconds(EVENT_AT)).label("resolve_s")],
        and_(_FLAGGED, _between(reviews.c.resolved_at, start, end)),
        group=grouped,
        **filters,
    )
    sums: dict = {}
    with engine.connect() as db:
        for query in (published, due, replied, resolved):
            for row in db.execute(query).mappings():
                values = dict(row)
                key = values.pop("g", None)
                sums.setdefault(key, {}).update({k: float(v or 0) for k, v in values.items()})
    return sums


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _kpis(s: dict) -> dict[str, float | None]:
    get = lambda name: s.get(name, 0.0)  # noqa: E731  a group may be missing from a cohort
    return {
        "new_reviews": get("new_reviews"),
        "negative_share": _ratio(get("negative"), get("scored")),
        "average_rating": _ratio(get("rating_sum"), get("rated")),
        "csi": None if not get("rated") else 100 * get("satisfied") / get("rated"),
        "flagged": get("flagged"),
        "within_sla": get("within_sla"),
        "breached": get("breached"),
        "afrt": _ratio(get("response_s"), get("first_replies")),
        "mttr": _ratio(get("resolve_s"), get("resolutions")),
        "response_rate": _ratio(get("answered"), get("flagged")),
    }


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def compute(engine: Engine, start: datetime, end: datetime, *, sources=None, channels=None, languages=None,
            now: datetime | None = None) -> dict[str, float | None]:
    """Every KPI over [start, end), by key; None where a KPI has nothing to average or divide.

    `now` decides which unanswered reviews are already past their deadline (breached).
    """
    filters = dict(sources_in=sources, channels=channels, languages=languages)
    return _kpis(_sums(engine, start, end, None, filters, _now(now)).get(None, {}))


def compute_by(engine: Engine, start: datetime, end: datetime, by: str, *, sources=None, channels=None,
               languages=None, now: datetime | None = None) -> dict[str, dict[str, float | None]]:
    """Every KPI per channel or per source (`by`), for the groups with any activity in the period."""
    column = {"channel": schema.sources.c.channel, "source": reviews.c.source_id}.get(by)
    if column is None:
        raise ValueError(f"by={by!r}: KPIs are grouped by 'channel' or 'source'")
    filters = dict(sources_in=sources, channels=channels, languages=languages)
    sums = _sums(engine, start, end, column, filters, _now(now))
    return {group: _kpis(values) for group, values in sorted(sums.items())}


# Daily series for charts


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset in seconds from `start` on, and each instant it changes before `end`."""
    def offset(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds())

    changes = [(start, offset(start))]
    step, moment = timedelta(hours=1), start
    while moment < end:
        following = min(moment + step, end)
        if offset(following) != changes[-1][1]:
            low, high = moment, following
            while high - low > timedelta(seconds=1):  # the change, to the second
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == changes[-1][1] else (low, middle)
            changes.append((high, offset(high)))
        moment = following
    return changes


def _local_day(moment, zone: ZoneInfo, start: datetime, end: datetime):
    """SQL: the day (days since 1970) that `moment` falls on in `zone`."""
    changes = _offset_changes(zone, start, end)
    offset = literal(changes[0][1])
    if len(changes) > 1:
        offset = case(*((moment < at, before) for (_, before), (at, _) in zip(changes, changes[1:])), else_=changes[-1][1])
    return _days_since_1970(_seconds(moment) + offset)


_EPOCH = date(1970, 1, 1)


@dataclass
class Daily:
    """Series for charts, each list aligned with `days` (local dates in the zone asked for)."""

    days: list[date]
    # Reviews per day by sentiment label (and "unscored").
    volume: dict[str, list[int]]
    average_rating: list[float | None]
    # Negative share per source per day.
    negative_share: dict[str, list[float | None]]
    # Flagged reviews per deadline day: within (answered in time), breached, pending (not yet due).
    sla: dict[str, list[int]]
    # Mean first response time per reply day, in seconds.
    first_response: list[float | None]


def daily(engine: Engine, start: datetime, end: datetime, zone: ZoneInfo, *, sources=None, channels=None,
          languages=None, now: datetime | None = None) -> Daily:
    """Per-day series over [start, end): volume by sentiment, average rating, negative share per source,
    outcomes against the SLA and the first response time. Days are local to `zone`."""
    now = _now(now)
    filters = dict(sources_in=sources, channels=channels, languages=languages)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    index = {(day - _EPOCH).days: n for n, day in enumerate(days)}

    def day_of(moment):
        return {"g_day": _local_day(moment, zone, start, end)}

    label = func.coalesce(scores.c.label, "unscored")
    published = _query(
        [func.count().label("n"), func.sum(reviews.c.rating).label("rating_sum"), func.count(reviews.c.rating).label("rated")],
        published_between(start, end),
        group={**day_of(EVENT_AT), "g_source": reviews.c.source_id, "g_label": label},
        **filters,
    )
    due = _query(
        [
            _count_if(_REPLIED_IN_TIME).label("within"),
            _count_if(_breached(now)).label("breached"),
            _count_if(and_(reviews.c.replied_at.is_(None), reviews.c.due_at >= now)).label("pending"),
        ],
        and_(_FLAGGED, _between(reviews.c.due_at, start, end)),
        group=day_of(reviews.c.due_at),
        **filters,
    )
    replied = _query(
        [func.avg(_seconds(reviews.c.replied_at) - _seconds(EVENT_AT)).label("mean_s")],
        and_(_FLAGGED, _between(reviews.c.replied_at, start, end)),
        group=day_of(reviews.c.replied_at),
        **filters,
    )
    zeros = lambda: [0] * len(days)  # noqa: E731
    volume = {name: zeros() for name in (*SENTIMENT_LABELS, "unscored")}
    ratings, rated = [0.0] * len(days), zeros()
    by_source: dict[str, tuple[list[int], list[int]]] = {}  # source -> (negative, scored) per day
    sla = {name: zeros() for name in ("within", "breached", "pending")}
    first_response: list[float | None] = [None] * len(days)
    with engine.connect() as db:
        for row in db.execute(published):
            n = index[int(row.g_day)]
            volume[row.g_label][n] += row.n
            ratings[n] += float(row.rating_sum or 0)
            rated[n] += row.rated
            if row.g_label != "unscored":
                negative, scored = by_source.setdefault(row.g_source, (zeros(), zeros()))
                scored[n] += row.n
                negative[n] += row.n if row.g_label == "negative" else 0
        for row in db.execute(due):
            for name in sla:
                sla[name][index[int(row.g_day)]] = int(row._mapping[name] or 0)
        for row in db.execute(replied):
            first_response[index[int(row.g_day)]] = float(row.mean_s)
    return Daily(
        days=days,
        volume=volume,
        average_rating=[_ratio(total, count) for total, count in zip(ratings, rated)],
        negative_share={
            source: [_ratio(neg, count) for neg, count in zip(negative, scored)]
            for source, (negative, scored) in sorted(by_source.items())
        },
        sla=sla,
        first_response=first_response,
    )


# Showing values the same way everywhere


def format_duration(seconds: float) -> str:
    minutes = round(abs(seconds) / 60)
    sign = "−" if seconds < 0 else ""
    if minutes < 60:
        return f"{sign}{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{sign}{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{sign}{days} d {hours} h"


def format_value(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "–"
    if kpi.unit == "count":
        return f"{value:,.0f}".replace(",", "\u202f")
    if kpi.unit == "share":
        return f"{100 * value:.1f} %"
    if kpi.unit == "stars":
        return f"{value:.2f} ★"
    if kpi.unit == "index":
        return f"{value:.0f}"
    return format_duration(value)


def format_change(kpi: Kpi, current: float | None, previous: float | None) -> str:
    """The change from the previous period in the KPI's own unit ("+3", "−2.5 pp", "+0.20 ★", "−12 min")."""
    if current is None or previous is None:
        return "–"
    delta = current - previous
    if kpi.unit == "duration":
        return ("+" if delta > 0 else "") + format_duration(delta)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    size = abs(delta)
    text = {
        "count": f"{size:.0f}",
        "share": f"{100 * size:.1f} pp",
        "stars": f"{size:.2f} ★",
        "index": f"{size:.0f}",
    }[kpi.unit]
    return sign + text


def improved(kpi: Kpi, current: float | None, previous: float | None) -> bool | None:
    """Whether the change is for the better; None when unchanged, unknown or neither direction is better."""
    if current is None or previous is None or current == previous or kpi.higher_is_better is None:
        return None
    return (current > previous) == kpi.higher_is_better
