"""The weekly reputation report: the KPIs of an ISO week against the week before, overall, per channel and per
source; trend charts; the themes of negative reviews; the reviews still unanswered.

One builder serves `reputation report weekly` and the scheduler's job. The HTML
file carries its charts as data: URIs; the e-mail carries them as inline CID
parts (multipart/related), which mail clients show. Every text that comes from
a review is escaped by the template engine (autoescape).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cached_property
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select

from reputation import kpi, schema
from reputation.alerts.content import one_line, time_left
from reputation.alerts.outbox import queue_report
from reputation.config import Config
from reputation.links import web_url
from reputation.mailer import new_message
from reputation.report.charts import Charts, draw
from reputation.report.themes import STEMMERS, Text, Theme, key_phrases
from reputation.store import Store, utcnow

CHANNEL_NAMES = {
    "social": "Social networks",
    "map": "Maps",
    "review_site": "Review sites",
    "app_store": "App stores",
    "feed": "News and feeds",
}
LANGUAGE_NAMES = {"ru": "Russian", "fi": "Finnish", "en": "English"}
TREND_WEEKS = 4
UNANSWERED_SHOWN = 50
NEGATIVE_TEXTS_READ = 5000
EXCERPT_CHARS = 280
_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")

_templates = Environment(
    loader=PackageLoader("reputation.report", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class ReportError(ValueError):
    """A report that cannot be made as asked (a bad week, no recipients); the message says why."""


@dataclass(frozen=True)
class Week:
    """An ISO week in the company's time zone."""

    year: int
    number: int
    zone: ZoneInfo

    @classmethod
    def parse(cls, text: str, zone: ZoneInfo) -> Week:
        match = _ISO_WEEK.match(text.strip())
        try:
            if not match:
                raise ValueError
            date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ReportError(f"week {text!r} is not an ISO week; write it as 2026-W47") from None
        return cls(int(match[1]), int(match[2]), zone)

    @classmethod
    def last_complete(cls, now: datetime, zone: ZoneInfo) -> Week:
        """The last whole week before `now`: on Monday morning, the week that just ended."""
        year, number, _ = (now.astimezone(zone).date() - timedelta(days=7)).isocalendar()
        return cls(year, number, zone)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(timezone.utc)

    @property
    def start(self) -> datetime:
        return self._midnight(self.monday)

    @property
    def end(self) -> datetime:
        return self._midnight(self.monday + timedelta(days=7))

    def back(self, weeks: int = 1) -> Week:
        year, number, _ = (self.monday - timedelta(weeks=weeks)).isocalendar()
        return Week(year, number, self.zone)

    @property
    def dates(self) -> str:
        first, last = self.monday, self.monday + timedelta(days=6)
        if first.month == last.month:
            return f"{first.day}–{last.day} {last:%b %Y}"
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"


def _cell(definition: kpi.Kpi, current, previous) -> dict:
    better = kpi.improved(definition, current, previous)
    return dict(
        value=kpi.format_value(definition, current),
        previous=kpi.format_value(definition, previous),
        change=kpi.format_change(definition, current, previous),
        tone="" if better is None else ("good" if better else "bad"),
    )


def _rows(current: dict, previous: dict) -> list[dict]:
    return [dict(kpi=d, **_cell(d, current.get(d.key), previous.get(d.key))) for d in kpi.KPIS]


def _grouped(current: dict[str, dict], previous: dict[str, dict], names: dict[str, str]) -> dict:
    """A table with a column per group and a row per KPI."""
    groups = sorted(set(current) | set(previous))
    return dict(
        columns=[names.get(g, g) for g in groups],
        rows=[
            dict(kpi=d, cells=[_cell(d, current.get(g, {}).get(d.key), previous.get(g, {}).get(d.key)) for g in groups])
            for d in kpi.KPIS
        ],
    )


class WeeklyReport:
    def __init__(self, config: Config, week: Week, now: datetime, context: dict, charts: Charts):
        self.config = config
        self.week = week
        self.now = now
        self.context = context
        self.charts = charts

    @property
    def subject(self) -> str:
        return f"Reputation report {self.config.company.name}: {self.week.label} ({self.week.dates})"

    def _render(self, image_sources: dict[str, str]) -> str:
        return _templates.get_template("weekly.html").render(
            **self.context, charts=self.charts, images=image_sources, title=self.subject
        )

    @cached_property
    def html(self) -> str:
        """A standalone page: its charts are data: URIs."""
        return self._render(
            {c.key: "data:image/png;base64," + base64.b64encode(c.png).decode() for c in self.charts.items if c.png}
        )

    @cached_property
    def text(self) -> str:
        return _templates.get_template("weekly.txt").render(**self.context, title=self.subject)

    def email(self, recipients: list[str], message_id: str | None = None) -> EmailMessage:
        """Plain text and HTML, the charts as inline parts the HTML refers to by Content-ID.

        `message_id`: the outbox's, fixed when the report was queued, so a resend after a crash repeats it.
        """
        sender = self.config.alerts.smtp.sender
        domain = sender.rpartition("@")[2] or "localhost"
        ids = {c.key: make_msgid(c.key, domain=domain) for c in self.charts.items if c.png}
        message = new_message()
        message["Subject"] = self.subject
        message["From"] = sender
        message["To"] = ", ".join(recipients)
        message["Date"] = format_datetime(self.now)
        message["Message-ID"] = message_id or make_msgid("report", domain=domain)
        message.set_content(self.text)
        message.add_alternative(self._render({key: "cid:" + cid[1:-1] for key, cid in ids.items()}), subtype="html")
        html_part = message.get_payload()[1]
        for chart in self.charts.items:
            if chart.png:
                html_part.add_related(chart.png, "image", "png", cid=ids[chart.key], filename=f"{chart.key}.png")
        return message

    def send(self) -> None:
        """E-mail it to `reports.to` over the alerts' SMTP relay; raises MailError when that fails."""
        from reputation.mailer import send_message

        send_message(self.config.alerts.smtp, self.email(_recipients(self.config)))


def _negative_texts(store: Store, week: Week) -> list:
    reviews, scores, sources = schema.reviews, schema.sentiment_scores, schema.sources
    query = (
        select(
            reviews.c.id, reviews.c.title, reviews.c.text, reviews.c.language, reviews.c.source_id,
            reviews.c.author, reviews.c.url, kpi.EVENT_AT.label("published"), sources.c.channel,
        )
        .join(scores, scores.c.id == reviews.c.sentiment_id)
        .join(sources, sources.c.id == reviews.c.source_id)
        .where(scores.c.label == "negative", kpi.published_between(week.start, week.end),
               reviews.c.status.not_in(kpi.NOT_COUNTED))
        .order_by(reviews.c.id)
        .limit(NEGATIVE_TEXTS_READ)
    )
    with store.engine.connect() as db:
        return db.execute(query).all()


def _themes(config: Config, rows) -> list[dict]:
    by_id = {row.id: row for row in rows}
    found = []
    for language in STEMMERS:
        texts = [Text(r.id, f"{r.title}. {r.text}" if r.title else r.text) for r in rows if r.language == language]
        themes: list[Theme] = key_phrases(texts, language, ignore=config.company.names)
        if themes:
            found.append(
                dict(
                    language=LANGUAGE_NAMES[language],
                    negative_reviews=len(texts),
                    themes=[dict(theme=t, example=_review_view(config, by_id[t.example_id])) for t in themes],
                )
            )
    return found


def _when(config: Config, moment: datetime | None) -> str:
    return moment.astimezone(config.company.zone).strftime("%a %d %b %H:%M") if moment else "–"


def _review_view(config: Config, row) -> dict:
    return dict(
        id=row.id,
        source=row.source_id,
        channel=CHANNEL_NAMES.get(row.channel, row.channel),
        author=one_line(row.author, 60) or "anonymous",
        text=one_line(f"{row.title}. {row.text}" if row.title else row.text, EXCERPT_CHARS),
        link=web_url(row.url),
        published=_when(config, row.published),
    )


def _unanswered(store: Store, config: Config, now: datetime) -> tuple[list[dict], int]:
    """Flagged reviews still open, due first: the first UNANSWERED_SHOWN, and how many there are."""
    reviews, sources = schema.reviews, schema.sources
    where = (reviews.c.flagged.is_(True), reviews.c.replied_at.is_(None), reviews.c.status == "open")
    query = (
        select(
            reviews.c.id, reviews.c.title, reviews.c.text, reviews.c.source_id, reviews.c.author, reviews.c.url,
            reviews.c.rating, reviews.c.due_at, kpi.EVENT_AT.label("published"), sources.c.channel,
        )
        .join(sources, sources.c.id == reviews.c.source_id)
        .where(*where)
        .order_by(reviews.c.due_at, reviews.c.id)
        .limit(UNANSWERED_SHOWN)
    )
    with store.engine.connect() as db:
        rows = db.execute(query).all()
        total = db.scalar(select(func.count()).select_from(reviews).where(*where))
    return [dict(_review_view(config, row), **_deadline(config, row, now)) for row in rows], total


def _deadline(config: Config, row, now: datetime) -> dict:
    return dict(
        rating=f"{row.rating:g}★" if row.rating is not None else "",
        due=_when(config, row.due_at),
        overdue=row.due_at is not None and row.due_at < now,
        left=time_left(row.due_at, now),
    )


def _headline(current: dict, previous: dict) -> list[dict]:
    return [
        dict(kpi=kpi.BY_KEY[key], **_cell(kpi.BY_KEY[key], current[key], previous[key]))
        for key in ("new_reviews", "negative_share", "average_rating", "breached")
    ]


def build_weekly(store: Store, config: Config, week: str | None = None, now: datetime | None = None) -> WeeklyReport:
    """The report of ISO week `week` (e.g. "2026-W47"; default: the last complete week) as it stands at `now`."""
    now = now or utcnow()
    zone = config.company.zone
    this = Week.parse(week, zone) if week else Week.last_complete(now, zone)
    last = this.back()
    engine = store.engine
    current = kpi.compute(engine, this.start, this.end, now=now)
    previous = kpi.compute(engine, last.start, last.end, now=now)
    by = {
        group: (kpi.compute_by(engine, this.start, this.end, group, now=now),
                kpi.compute_by(engine, last.start, last.end, group, now=now))
        for group in ("channel", "source")
    }
    series = kpi.daily(engine, this.back(TREND_WEEKS - 1).start, this.end, zone, now=now)
    by_source_now, by_source_before = by["source"]
    negative_share = {
        source: (by_source_now.get(source, {}).get("negative_share"), by_source_before.get(source, {}).get("negative_share"))
        for source in set(by_source_now) | set(by_source_before)
    }
    unanswered, unanswered_total = _unanswered(store, config, now)
    context = dict(
        company=config.company.name,
        week=this,
        previous_week=last,
        generated=now.astimezone(zone).strftime("%d %b %Y %H:%M"),
        zone=config.company.timezone,
        headline=_headline(current, previous),
        overall=_rows(current, previous),
        by_channel=_grouped(*by["channel"], CHANNEL_NAMES),
        by_source=_grouped(*by["source"], {}),
        themes=_themes(config, _negative_texts(store, this)),
        unanswered=unanswered,
        unanswered_total=unanswered_total,
        trend_weeks=TREND_WEEKS,
    )
    return WeeklyReport(config, this, now, context, draw(series, negative_share))


def _recipients(config: Config) -> list[str]:
    if not config.reports.to:
        raise ReportError("reports.to lists no address to send the weekly report to; add the recipients to the config")
    return list(config.reports.to)


def queue_weekly(store: Store, config: Config, now: datetime | None = None) -> Week | None:
    """Queue the last complete week's report to `reports.to` in the outbox (the scheduler's job).

    It is built when it is sent, and retried like an alert until it is out; the
    week queued already (a restart, a second run) gives None.
    """
    now = now or utcnow()
    week = Week.last_complete(now, config.company.zone)
    return week if queue_report(store, config, week.label, _recipients(config), now) else None
