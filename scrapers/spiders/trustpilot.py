"""Trustpilot: the reviews a public company page embeds as Next.js `__NEXT_DATA__` JSON (SOURCES.md 2.3, Route B).

`source.url` is the company page, `<host>/review/<domain>` (www. or a country
host). Pages are asked newest first in every language,
`?page=N&sort=recency&languages=all`, up to `filters.pagination.totalPages`
(when the page names it), the first page whose `reviews` is empty, or
`wants_more`. A review's link is Trustpilot's permalink `<host>/reviews/<id>`
on the configured host, so a country host keeps its own links.

Texts and titles are plain text inside the JSON (`plain_text`), so a typed
"<script>" stays literal text. Dates
are ISO UTC. The company's answer is `reply` (null when none).

Cloudflare's challenge page (HTTP 403 "Just a moment...", `cf-chl` scripts) or
any 403 is `blocked`; a page without `__NEXT_DATA__`, or whose JSON has no
`reviews` list, is `markup_changed`.
"""

from __future__ import annotations

import json
import re

from scrapy import Request
from scrapy.http import TextResponse
from w3lib.url import add_or_replace_parameters

from scrapers.items import ScrapedReview
from scrapers.spiders.base import ReviewSpider, dig

# Where the spider finds everything, so a Trustpilot redesign is fixed here.
FIELDS = {
    "next_data": "script#__NEXT_DATA__::text",
    "reviews": ("props", "pageProps", "reviews"),
    "total_pages": ("props", "pageProps", "filters", "pagination", "totalPages"),
    # within one review
    "id": ("id",),
    "title": ("title",),
    "text": ("text",),
    "rating": ("rating",),
    "published": ("dates", "publishedDate"),
    "author": ("consumer", "displayName"),
    "reply_text": ("reply", "message"),
    "reply_published": ("reply", "publishedDate"),
}
# Marks of Cloudflare's "checking your browser" page.
CHALLENGE_MARKS = (b"<title>Just a moment...</title>", b"cf-chl", b"_cf_chl_opt")

_COMPANY_PAGE = re.compile(r"^(?P<host>https?://.+?)/review/[^/?#]+")


class TrustpilotSpider(ReviewSpider):
    name = "trustpilot"

    async def start(self):
        page = _COMPANY_PAGE.match(self.source.url or "")
        if page is None:
            self.health.error(f"source url {self.source.url!r} is not a Trustpilot company page <host>/review/<domain>")
            return
        self.host = page["host"]
        self.company_page = page.group(0)
        yield self.request(1)

    def request(self, page: int) -> Request:
        url = add_or_replace_parameters(self.company_page, {"page": str(page), "sort": "recency", "languages": "all"})
        return Request(url, callback=self.parse, cb_kwargs={"page": page})

    def parse(self, response, page: int):
        # A ban page may come without a text content type.
        embedded = response.css(FIELDS["next_data"]).get() if isinstance(response, TextResponse) else None
        if response.status == 403 or (embedded is None and self._challenge(response)):
            why = "Cloudflare challenge" if self._challenge(response) else "access refused"
            self.report_blocked(response, f"HTTP {response.status}: {why}")
            return
        if embedded is None:
            self.report_markup_changed(response, f"no {FIELDS['next_data']} on the page")
            return
        try:
            data = json.loads(embedded)
        except ValueError:
            self.report_markup_changed(response, "__NEXT_DATA__ is not JSON")
            return
        reviews = dig(data, FIELDS["reviews"])
        if not isinstance(reviews, list):
            self.report_markup_changed(response, f"no {'.'.join(FIELDS['reviews'])} list in __NEXT_DATA__")
            return
        found = self.accept(response, reviews, self._item)
        yield from found
        total = dig(data, FIELDS["total_pages"])
        last = isinstance(total, int) and page >= total
        if reviews and not last and self.wants_more(found):
            yield self.request(page + 1)

    @staticmethod
    def _challenge(response) -> bool:
        return response.headers.get("cf-mitigated") == b"challenge" or any(
            mark in response.body for mark in CHALLENGE_MARKS
        )

    def _item(self, review: dict) -> ScrapedReview:
        review_id = dig(review, FIELDS["id"])
        if not review_id:
            raise ValueError("review without an id")
        return ScrapedReview(
            external_id=str(review_id),
            text=dig(review, FIELDS["text"]),
            url=f"{self.host}/reviews/{review_id}",
            author=dig(review, FIELDS["author"]),
            title=dig(review, FIELDS["title"]),
            rating=dig(review, FIELDS["rating"]),
            published=dig(review, FIELDS["published"]),
            reply_text=dig(review, FIELDS["reply_text"]),
            reply_published=dig(review, FIELDS["reply_published"]),
            plain_text=True,
        )
