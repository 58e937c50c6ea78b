"""What an alert, a digest and an escalation say, as plain text and HTML.

Review fields come from strangers: in HTML every one is escaped, only http(s)
addresses become links, and a subject is one line of the review's own words
(no CR/LF can reach a header). Times are shown in the company's zone, with the
time left until the reply deadline, or how long it is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

from reputation.config import Config
from reputation.links import web_url
from reputation.records import full_text

SUBJECT_WORDS = 70
DIGEST_TEXT = 400
# A digest lists the most urgent reviews and counts the rest: a rescore of
# everything can flag thousands, and a mail of megabytes helps nobody.
DIGEST_SHOWN = 50

KIND_TITLES = {
    "new_negative": "New negative review",
    "digest": "New negative reviews",
    "escalation": "Escalation: still unanswered",
}


@dataclass(frozen=True)
class AlertReview:
    id: int
    source_id: str
    channel: str
    url: str | None
    author: str | None
    title: str | None
    text: str
    rating: float | None
    published_at: datetime | None
    first_seen_at: datetime
    due_at: datetime | None
    replied_at: datetime | None
    status: str
    flagged: bool
    label: str | None
    score: float | None


    @property
    def awaits_reply(self) -> bool:
        return self.flagged and self.replied_at is None and self.status == "open"


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str


def one_line(value: str | None, limit: int) -> str:
    """The words of `value` on one line, cut at a word boundary to at most `limit` characters."""
    words = " ".join((value or "").split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def dashboard_url(config: Config, review_id: int) -> str:
    return f"{config.dashboard.base_url.rstrip('/')}/?review={review_id}"


def span(delta: timedelta) -> str:
    """A duration to the minute, two units at most: '2 d 3 h', '1 h 5 min', '45 min'."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "min")]
    first = next((i for i, (n, _) in enumerate(units) if n), None)
    if first is None:
        return "under 1 min"
    return " ".join(f"{n} {unit}" for n, unit in units[first : first + 2] if n)


def time_left(due_at: datetime | None, now: datetime) -> str:
    if due_at is None:
        return "no deadline"
    if due_at > now:
        return f"{span(due_at - now)} left"
    return f"overdue by {span(now - due_at)}"


def shown(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "unknown"


def stars(rating: float | None) -> str:
    return f"{rating:g}★" if rating is not None else "no rating"


def _sentiment(review: AlertReview) -> str:
    return f"{review.label} ({review.score:+.2f})" if review.label else "not scored"


def _facts(review: AlertReview, config: Config, now: datetime) -> list[tuple[str, str]]:
    zone = config.company.zone
    facts = [
        ("Source", f"{review.source_id} ({review.channel.replace('_', ' ')})"),
        ("Author", review.author or "anonymous"),
        ("Rating", stars(review.rating)),
        ("Sentiment", _sentiment(review)),
        ("Published", shown(review.published_at or review.first_seen_at, zone)),
        ("Reply by", f"{shown(review.due_at, zone)}, {time_left(review.due_at, now)}"),
    ]
    if review.replied_at:
        facts.append(("Answered", shown(review.replied_at, zone)))
    return facts


def _review_text(review: AlertReview, limit: int | None) -> str:
    body = full_text(review.title, review.text)
    return body if limit is None or len(body) <= limit else body[: limit - 1] + "…"


def _text_block(review: AlertReview, config: Config, now: datetime, limit: int | None) -> str:
    lines = [f"{name}: {' '.join(value.split())}" for name, value in _facts(review, config, now)]
    lines += ["", _review_text(review, limit), ""]
    source = web_url(review.url)
    lines.append(f"On {review.source_id}: {source}" if source else "On the source: no web address")
    lines.append(f"In the dashboard: {dashboard_url(config, review.id)}")
    return "\n".join(lines)


def _html_block(review: AlertReview, config: Config, now: datetime, limit: int | None) -> str:
    rows = "".join(
        f'<tr><th align="left" style="padding-right:12px">{escape(name)}</th><td>{escape(value)}</td></tr>'
        for name, value in _facts(review, config, now)
    )
    source = web_url(review.url)
    links = [f'<a href="{escape(dashboard_url(config, review.id))}">Open in the dashboard</a>']
    if source:
        links.insert(0, f'<a href="{escape(source)}">Open on {escape(review.source_id)}</a>')
    return (
        f"<table>{rows}</table>"
        f'<blockquote style="white-space:pre-wrap;border-left:3px solid #c0392b;margin:12px 0;padding-left:12px">'
        f"{escape(_review_text(review, limit))}</blockquote>"
        f"<p>{' · '.join(links)}</p>"
    )


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="font-family:sans-serif"><h2>{escape(title)}</h2>{body}</body></html>'
    )


def render(kind: str, reviews: list[AlertReview], config: Config, now: datetime) -> Content:
    """The message of an outbox row of `kind` about `reviews` (one, or a digest's, most urgent first)."""
    title = KIND_TITLES[kind]
    if kind == "digest":
        count = len(reviews)
        sources = ", ".join(sorted({r.source_id for r in reviews}))
        subject = one_line(f"{count} new negative reviews · {sources}", SUBJECT_WORDS + 40)
        heading = f"{count} new negative reviews, most urgent first"
        listed = reviews[:DIGEST_SHOWN]
        blocks = [f"{n}. " + _text_block(r, config, now, DIGEST_TEXT) for n, r in enumerate(listed, 1)]
        html_blocks = [_html_block(r, config, now, DIGEST_TEXT) for r in listed]
        if count > len(listed):
            inbox = config.dashboard.base_url
            blocks.append(f"… and {count - len(listed)} more, in the dashboard's inbox: {inbox}")
            html_blocks.append(
                f"<p>… and {count - len(listed)} more, in the "
                f'<a href="{escape(inbox)}">dashboard\'s inbox</a>.</p>'
            )
        html = _page(heading, "<hr>".join(html_blocks))
        return Content(subject, "\n\n".join([heading] + blocks), html)
    [review] = reviews
    words = one_line(review.title or review.text, SUBJECT_WORDS)
    if kind == "escalation":
        share = f"{config.alerts.escalate_at:.0%}"
        heading = f"{title}: {time_left(review.due_at, now)}"
        lead = (
            f"This negative review is still unanswered at {share} of its reply time."
            if review.due_at is None or review.due_at > now
            else "This negative review missed its reply deadline (breached)."
        )
        subject = f"Escalation · {review.source_id} · {time_left(review.due_at, now)} · {words}"
    else:
        heading, lead = title, f"A new negative review on {review.source_id}."
        subject = f"Negative review · {review.source_id} · {stars(review.rating)} · {words}"
    text = "\n\n".join([heading, lead, _text_block(review, config, now, None)])
    html = _page(heading, f"<p>{escape(lead)}</p>" + _html_block(review, config, now, None))
    return Content(one_line(subject, SUBJECT_WORDS + 60), text, html)
