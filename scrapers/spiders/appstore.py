"""Apple App Store: the public customer-reviews RSS feed as JSON, one country per source (SOURCES.md 5.1, Route A).

`source.url` is an app's feed for one country, the country code naming it,
e.g. `https://itunes.apple.com/ru/rss/customerreviews/id=1234567890/sortBy=mostRecent/json`;
a source reads that one country (configure one source per country). Pages
are built from it as `<host>/<cc>/rss/customerreviews/page=N/id=<app>/sortby=mostrecent/json`.
The next page's number is read from the feed's `link` rel=next (and never past
rel=last), but its URL is built here: Apple's own hrefs name the XML variant.

Every value is wrapped, `{"label": ...}`; `entry` is a list, a single object
when the page holds one review, and absent when it holds none. Old feeds list
the app itself (`im:name`) as the first entry; it is skipped. Dates carry
Apple's Pacific offset. Titles and texts are plain text (`plain_text`), so
typed markup stays literal. An entry's link is
the app's reviews page (the feed has no per-review permalink), and the feed
shows no developer responses.

Apple serves at most 10 pages of 50 per country: a full page 10 that is not
all stored and unchanged is reported as `capped` (the default backfill of 500
ends there too). HTTP 403 is `blocked`; an answer without a `feed` object is
`markup_changed`.
"""

from __future__ import annotations

import json
import re

from scrapy import Request

from scrapers.items import ScrapedReview
from scrapers.spiders.base import ReviewSpider, dig

PAGE_SIZE = 50
MAX_PAGES = 10

# Where the spider finds everything, so a feed change is fixed here.
FIELDS = {
    "feed": ("feed",),
    "entry": ("entry",),  # within the feed
    "links": ("link",),  # within the feed
    "link_rel": ("attributes", "rel"),  # within one link
    "link_href": ("attributes", "href"),
    "app_entry": "im:name",  # the key that marks the app's own entry in old feeds
    # within one entry
    "id": ("id", "label"),
    "title": ("title", "label"),
    "text": ("content", "label"),
    "rating": ("im:rating", "label"),
    "published": ("updated", "label"),
    "author": ("author", "name", "label"),
    "url": ("link", "attributes", "href"),
}

_FEED_URL = re.compile(
    r"^(?P<host>https?://.+?)/(?P<country>[a-z]{2})/rss/customerreviews/(?:.*/)?id=(?P<app>\d+)", re.IGNORECASE
)
_PAGE = re.compile(r"/page=(\d+)/")


class AppStoreSpider(ReviewSpider):
    name = "appstore"

    async def start(self):
        feed = _FEED_URL.match(self.source.url or "")
        if feed is None:
            self.health.error(
                f"source url {self.source.url!r} is not an App Store reviews feed "
                "<host>/<country>/rss/customerreviews/id=<app id>/sortBy=mostRecent/json"
            )
            return
        self.feed_root = f"{feed['host']}/{feed['country'].lower()}/rss/customerreviews"
        self.app_id = feed["app"]
        yield self.request(1)

    def request(self, page: int) -> Request:
        url = f"{self.feed_root}/page={page}/id={self.app_id}/sortby=mostrecent/json"
        return Request(url, callback=self.parse, cb_kwargs={"page": page})

    def parse(self, response, page: int):
        if response.status == 403:
            self.report_blocked(response, "HTTP 403: Apple refused the feed")
            return
        try:
            feed = dig(json.loads(response.text), FIELDS["feed"])
        except (ValueError, AttributeError):  # not JSON, or not even text
            self.report_markup_changed(response, "the feed did not answer JSON")
            return
        if not isinstance(feed, dict):
            self.report_markup_changed(response, "no `feed` object in the JSON")
            return
        entries = dig(feed, FIELDS["entry"]) or []
        if isinstance(entries, dict):  # one review on the page
            entries = [entries]
        if not isinstance(entries, list):
            self.report_markup_changed(response, "`feed.entry` is neither a list nor an object")
            return
        entries = [e for e in entries if not (isinstance(e, dict) and FIELDS["app_entry"] in e)]
        found = self.accept(response, entries, self._item)
        yield from found
        if not entries:
            return
        if page >= MAX_PAGES:
            # Older reviews exist but Apple shows none of them, even where the backfill would also stop here.
            if len(entries) >= PAGE_SIZE and not self.store.all_unchanged(found):
                self.report_capped(
                    f"Apple's feed serves only {MAX_PAGES} pages ({MAX_PAGES * PAGE_SIZE} reviews) per country; "
                    f"older reviews of app {self.app_id} are out of reach"
                )
            return
        following = self._next_page(feed, page)
        if following and self.wants_more(found):
            yield self.request(following)

    @staticmethod
    def _next_page(feed: dict, page: int) -> int | None:
        """The page after `page` that the feed's rel=next link names, if it lies within rel=last."""
        links = dig(feed, FIELDS["links"])
        numbers = {}
        for link in links if isinstance(links, list) else [links]:
            number = _PAGE.search(dig(link, FIELDS["link_href"]) or "")
            if number:
                numbers[dig(link, FIELDS["link_rel"])] = int(number.group(1))
        following = numbers.get("next")
        if following is None or following <= page or following > numbers.get("last", MAX_PAGES):
            return None
        return following

    @staticmethod
    def _item(entry: dict) -> ScrapedReview:
        review_id = dig(entry, FIELDS["id"])
        if not review_id:
            raise ValueError("entry without an id")
        return ScrapedReview(
            external_id=str(review_id),
            text=dig(entry, FIELDS["text"]),
            url=dig(entry, FIELDS["url"]),
            author=dig(entry, FIELDS["author"]),
            title=dig(entry, FIELDS["title"]),
            rating=dig(entry, FIELDS["rating"]),
            published=dig(entry, FIELDS["published"]),
            plain_text=True,
        )
