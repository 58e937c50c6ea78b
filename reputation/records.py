"""The one normalized record every source's reviews and mentions become."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

# Longer texts are cut here (with a visible mark): no real review comes near it,
# and a runaway page must not fill the store.
MAX_TEXT_CHARS = 100_000
TRUNCATION_MARK = " […]"


@dataclass(frozen=True, slots=True)
class Review:
    source_id: str
    external_id: str
    text: str
    url: str | None = None
    author: str | None = None
    title: str | None = None
    rating: float | None = None
    language: str | None = None
    published_at: datetime | None = None
    # True when the source gave a relative or date-only time ("2 часа назад", "12 марта").
    published_approx: bool = False
    # The business's own reply, when the source shows it.
    reply_text: str | None = None
    reply_at: datetime | None = None

    def __post_init__(self):
        if not self.source_id or not str(self.external_id).strip():
            raise ValueError(f"a review needs a source id and an external id, got {self.source_id!r}/{self.external_id!r}")
        if self.rating is not None and not 0 <= self.rating <= 10:
            raise ValueError(f"rating {self.rating!r} of review {self.external_id!r} is outside 0..10")
        for name in ("published_at", "reply_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} of review {self.external_id!r} has no time zone")
        # One line ending everywhere: spreadsheets and XML turn CR LF into LF anyway.
        text = self.text.replace("\r\n", "\n").replace("\r", "\n")
        if len(text) > MAX_TEXT_CHARS:
            text = text[: MAX_TEXT_CHARS - len(TRUNCATION_MARK)] + TRUNCATION_MARK
        object.__setattr__(self, "text", text)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source_id, self.external_id)

    @property
    def content_hash(self) -> str:
        """What decides whether a re-crawled review changed: its text and its rating."""
        return content_hash(self.text, self.rating)


def content_hash(text: str, rating: float | None) -> str:
    rating_part = "" if rating is None else repr(float(rating))
    return hashlib.sha1(f"{text}\x1f{rating_part}".encode()).hexdigest()


def full_text(title: str | None, text: str) -> str:
    """A review's title and text as one text, the way it is scored and quoted."""
    return f"{title}\n{text}" if title else text
