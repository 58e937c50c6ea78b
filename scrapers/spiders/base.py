"""What every spider shares: the source it reads, normalization, paging rules and health.

A spider hands a page's raw items and a function that turns one into a
`ScrapedReview` to `accept`, which builds, cleans and normalizes them, keeps only mentions of the company on mention
sources, and prints the page's progress. `wants_more` decides whether to fetch
the next (older) page: not when the backfill limit is reached, nor when a page
holds only reviews already stored and unchanged. A captcha, a ban page or
markup that no longer matches is reported through `health`, never as
"0 reviews".
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, TypeVar
from datetime import datetime
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response

from reputation.config import Company, Source
from reputation.records import Review
from reputation.store import Store
from scrapers.items import ScrapedReview
from scrapers.mentions import MentionMatcher
from scrapers.normalize import to_review

T = TypeVar("T")

# Bad items named in the run's detail; the rest are only counted.
_DETAIL_LIMIT = 5


def dig(data, path: tuple[str, ...]):
    """The value at `path` in nested JSON, or None where a step is missing or null."""
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


@dataclass
class CrawlHealth:
    """What a crawl learned about its source, beside the reviews themselves."""

    pages: int = 0
    seen: int = 0
    errors: int = 0
    blocked: str | None = None
    markup_changed: str | None = None
    capped: str | None = None
    problems: list[str] = field(default_factory=list)

    def error(self, message: str, count: int = 1) -> None:
        self.errors += count
        if len(self.problems) < _DETAIL_LIMIT:
            self.problems.append(message)

    @property
    def status(self) -> str:
        if self.blocked:
            return "blocked"
        if self.markup_changed:
            return "markup_changed"
        if self.errors:
            return "failing"
        return "capped" if self.capped else "ok"

    @property
    def detail(self) -> str | None:
        parts = [p for p in (self.blocked, self.markup_changed, self.capped) if p] + self.problems
        return "; ".join(parts) or None


class ReviewSpider(scrapy.Spider):
    """Base of every source's spider; `name` is the config's source `type`."""

    # Mention sources keep only items that name the company.
    mentions_only = False

    def __init__(self, *, source: Source, company: Company, store: Store, health: CrawlHealth, now: datetime, **kwargs):
        super().__init__(**kwargs)
        self.source = source
        self.company = company
        self.store = store
        self.health = health
        self.now = now
        self.zone = ZoneInfo(source.timezone or company.timezone)
        self.matcher = MentionMatcher(company.names) if self.mentions_only else None

    def accept(self, response: Response, raw_items: Iterable[T], build: Callable[[T], ScrapedReview]) -> list[Review]:
        """Build, clean and normalize a page's items.

        An item that cannot be read is counted as an error with its reason, never dropped silently.
        """
        self.health.pages += 1
        found, kept = 0, []
        for raw in raw_items:
            found += 1
            try:
                item = build(raw)
                review = to_review(item, source_id=self.source.id, now=self.now, zone=self.zone)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                self.health.error(f"unreadable item {found} on {response.url}: {exc!r}")
                continue
            if self.matcher and not self.matcher.mentions(f"{review.title or ''}\n{review.text}"):
                continue
            kept.append(review)
        kept = kept[: max(0, self.source.backfill - self.health.seen)]
        self.health.seen += len(kept)
        self.progress(f"page {self.health.pages}: {found} found, {len(kept)} kept ({response.url})")
        return kept

    def wants_more(self, page: list[Review]) -> bool:
        """Whether to fetch the next, older page after this one."""
        if self.health.seen >= self.source.backfill:
            self.progress(f"backfill limit of {self.source.backfill} reached")
            return False
        if self.store.all_unchanged(page):
            self.progress("page holds only stored, unchanged reviews: stopping")
            return False
        return True

    def report_blocked(self, response: Response, why: str) -> None:
        self.health.blocked = f"blocked at {response.url} ({why})"
        self.progress(self.health.blocked)

    def report_markup_changed(self, response: Response, what: str) -> None:
        self.health.markup_changed = f"markup changed at {response.url}: {what}"
        self.progress(self.health.markup_changed)

    def report_capped(self, why: str) -> None:
        self.health.capped = why
        self.progress(f"platform cap: {why}")

    def progress(self, message: str) -> None:
        try:
            print(f"[{self.source.id}] {message}", file=sys.stdout, flush=True)
        except BrokenPipeError:
            # The parent that showed the progress died: finish the crawl and record it all the same.
            sys.stdout = open(os.devnull, "w")
