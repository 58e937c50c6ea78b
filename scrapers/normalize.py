"""A scraped review as the page showed it -> the store's normalized Review."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from reputation.records import Review
from scrapers.dates import parse_date
from scrapers.items import ScrapedReview
from scrapers.text import clean_text
from sentiment.language import detect_language


def _rating(value: float | str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise ValueError(f"rating {value!r} is not a number") from None


def _as_html(value: str | None, plain_text: bool) -> str | None:
    return html.escape(value, quote=False) if plain_text and value else value


def to_review(item: ScrapedReview, *, source_id: str, now: datetime, zone: ZoneInfo) -> Review:
    """Clean the text, parse the dates in the source's zone, detect the language.

    Raises ValueError (DateParseError among them) naming what could not be read.
    """
    text = clean_text(_as_html(item.text, item.plain_text))
    published = parse_date(item.published, now=now, tz=zone) if item.published not in (None, "") else None
    reply_text = clean_text(_as_html(item.reply_text, item.plain_text)) or None
    reply_at = None
    if reply_text and item.reply_published not in (None, ""):
        reply_at = parse_date(item.reply_published, now=now, tz=zone).value
    return Review(
        source_id=source_id,
        external_id=str(item.external_id),
        text=text,
        url=item.url,
        author=clean_text(_as_html(item.author, item.plain_text)) or None,
        title=clean_text(_as_html(item.title, item.plain_text)) or None,
        rating=_rating(item.rating),
        language=detect_language(text),
        published_at=published.value if published else None,
        published_approx=published.approximate if published else False,
        reply_text=reply_text,
        reply_at=reply_at,
    )
