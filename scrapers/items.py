"""What a spider yields: a review as the page shows it, before cleaning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ScrapedReview:
    external_id: str
    # Text or an HTML fragment; the pipeline cleans it.
    text: str | None
    url: str | None = None
    author: str | None = None
    title: str | None = None
    rating: float | str | None = None
    # As the source prints it: ISO, epoch seconds or ms, "12 марта", "2 часа назад"...
    published: str | int | float | None = None
    # The business's own reply, when the source shows it.
    reply_text: str | None = None
    reply_published: str | int | float | None = None
    # True where the source gives plain text (JSON APIs), not HTML: a "<script>"
    # in it is what the author typed, and stays in the text as such.
    plain_text: bool = False
