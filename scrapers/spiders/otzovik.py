"""Otzovik: public HTML, a company's list pages (newest first) and one page per review.

The list page gives each review's id, author, date, rating, title and a
teaser; the full text (pros, cons, body) and the comments are only on
`/review_{id}.html` (whose `h1` prefixes the title with the company's name,
so the list's title is kept). The business answers as an ordinary comment: a
commenter whose login is in `source.reply_authors` is the company. A ban or
captcha page (HTTP 507) is `blocked`; a list page without review items that
is not an empty company page is `markup_changed`. The run's `pages` counts
list and review pages alike.

Paging and review-page requests are decided on the list page, since the
base's `wants_more` needs whole reviews and a review only becomes whole after
its second request. The list page is compared with the store instead
(`_triage`): a review page is requested for an unknown id, or when the listed
rating differs from the stored one or the teaser no longer occurs in the
stored text (an edit); the next list page is requested only while a page
shows such news. A stored review that has comments but no business reply yet
is read again for the reply (when `reply_authors` is set), without that
alone keeping the crawl paging: a reply to a review older than the pages a
crawl reads is missed, the price of a routine crawl reading one list page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scrapy import Request
from w3lib.url import add_or_replace_parameters

from scrapers.items import ScrapedReview
from scrapers.spiders.base import ReviewSpider
from scrapers.text import clean_text

# Every selector the spider reads, so markup drift is fixed here.
SELECTORS = {
    # list page
    "item": "div.review-list-chunk div.item[itemprop=review]",
    "item_url": "meta[itemprop=url]::attr(content)",
    "item_link": "a.review-read-link::attr(href)",
    "author": "a.user-login span[itemprop=name]::text",
    "published": "div.review-postdate::attr(content)",
    "rating": "div.rating-score ::text",
    "title": "a.review-title ::text",
    "teaser": "div.review-teaser",
    "comments": "a.review-comments::text",
    "next_page": "a.pager-item.next::attr(href)",
    "review_count": "span.reviews-counter span.votes::text",
    # review page
    "pros": "div.review-plus",
    "cons": "div.review-minus",
    "body": "div.review-body.description",
    "comment": "#comments-container div.comment-thread div.comment",
    "comment_author": "div.comment-right a.user-login ::text",
    "comment_date": "div.comment-right .comment-date::attr(content)",
    "comment_text": "div.comment-right div.comment-body",
    # the captcha / ban page
    "captcha": "input[name=captcha_url], img#captcha-img, input[placeholder='Введите код с картинки']",
}

_REVIEW_ID = re.compile(r"review_(\d+)\.html")
_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)\s*$")


@dataclass(frozen=True)
class Listed:
    """What the list page shows of one review."""

    external_id: str
    url: str
    author: str | None
    published: str | None
    rating: str | None
    title: str | None
    teaser: str
    comments: int


def _words(text: str) -> str:
    return " ".join(text.split())


class OtzovikSpider(ReviewSpider):
    name = "otzovik"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Review pages are counted against the backfill as they are requested.
        self.requested = 0
        self.list_pages = 0

    async def start(self):
        yield self.list_request(self.source.url)

    def list_request(self, url: str) -> Request:
        return Request(add_or_replace_parameters(url, {"order": "date_desc"}), callback=self.parse)

    def blocked(self, response) -> bool:
        if response.status in (403, 507) or response.css(SELECTORS["captcha"]):
            self.report_blocked(response, f"HTTP {response.status}: captcha or ban page")
            return True
        return False

    def parse(self, response):
        if self.blocked(response):
            return
        self.health.pages += 1
        items = response.css(SELECTORS["item"])
        if not items:
            if (response.css(SELECTORS["review_count"]).get() or "").strip() == "0":
                self.progress(f"the company has no reviews yet ({response.url})")
            else:
                self.report_markup_changed(response, f"no review items ({SELECTORS['item']})")
            return
        listed = []
        for number, item in enumerate(items, start=1):
            try:
                listed.append(self._listed(response, item))
            except ValueError as exc:
                self.health.error(f"unreadable list item {number} on {response.url}: {exc}")
        news, recheck = self._triage(listed)
        wanted = [entry for entry in listed if entry.external_id in news | recheck]
        room = max(0, self.source.backfill - self.requested)
        self.list_pages += 1
        self.progress(
            f"list page {self.list_pages}: {len(items)} found, {len(news)} new or changed, "
            f"{len(recheck)} rechecked for a reply ({response.url})"
        )
        for entry in wanted[:room]:
            self.requested += 1
            yield Request(entry.url, callback=self.parse_review, cb_kwargs={"listed": entry})
        next_page = response.css(SELECTORS["next_page"]).get()
        if not next_page:
            return
        if len(wanted) >= room:
            self.progress(f"backfill limit of {self.source.backfill} reached")
        elif not news:
            self.progress("page holds only stored, unchanged reviews: stopping")
        else:
            yield self.list_request(response.urljoin(next_page))

    def _listed(self, response, item) -> Listed:
        link = item.css(SELECTORS["item_url"]).get() or item.css(SELECTORS["item_link"]).get()
        found = _REVIEW_ID.search(link or "")
        if not found:
            raise ValueError(f"no review link ({SELECTORS['item_url']})")
        comments = "".join(item.css(SELECTORS["comments"]).getall()).strip()
        return Listed(
            external_id=found.group(1),
            url=response.urljoin(link),
            author=item.css(SELECTORS["author"]).get(),
            published=item.css(SELECTORS["published"]).get(),
            rating="".join(item.css(SELECTORS["rating"]).getall()).strip() or None,
            title=" ".join(item.css(SELECTORS["title"]).getall()) or None,
            teaser=_ELLIPSIS.sub("", _words(clean_text(item.css(SELECTORS["teaser"]).get()))),
            comments=int(comments) if comments.isdigit() else 0,
        )

    def _triage(self, listed: list[Listed]) -> tuple[set[str], set[str]]:
        """Ids of the new or changed reviews, and of the unchanged ones to read again for a business reply."""
        stored = self._stored([entry.external_id for entry in listed])
        news = {entry.external_id for entry in listed if self._is_news(entry, stored.get(entry.external_id))}
        recheck = set()
        if self.source.reply_authors:
            recheck = {
                entry.external_id
                for entry in listed
                if entry.external_id not in news and entry.comments and not stored[entry.external_id][2]
            }
        return news, recheck

    def _stored(self, ids: list[str]) -> dict[str, tuple]:
        """(text, rating, has a reply seen on the source) of the stored reviews among `ids`."""
        stored = self.store.stored_reviews(self.source.id, ids)
        return {key: (row.text, row.rating, row.source_replies > 0) for key, row in stored.items()}

    @staticmethod
    def _is_news(entry: Listed, stored: tuple | None) -> bool:
        if stored is None:
            return True
        text, rating, _ = stored
        try:
            listed_rating = float(entry.rating) if entry.rating else None
        except ValueError:
            return True  # let the review page's build report it
        return listed_rating != rating or entry.teaser not in _words(text)

    def parse_review(self, response, listed: Listed):
        if self.blocked(response):
            return
        if not response.css(SELECTORS["body"]):
            self.health.pages += 1
            self.report_markup_changed(response, f"no review text ({SELECTORS['body']})")
            return
        yield from self.accept(response, [response], lambda page: self._review(page, listed))

    def _review(self, page, listed: Listed) -> ScrapedReview:
        # Pros and cons carry their own "Достоинства:" / "Недостатки:" labels, as on the page.
        parts = [page.css(SELECTORS[key]).get() for key in ("pros", "cons", "body")]
        reply_text, reply_published = self._reply(page)
        return ScrapedReview(
            external_id=listed.external_id,
            text="".join(part for part in parts if part),
            url=listed.url,
            author=listed.author,
            title=listed.title,
            rating=listed.rating,
            published=listed.published,
            reply_text=reply_text,
            reply_published=reply_published,
        )

    def _reply(self, page) -> tuple[str | None, str | None]:
        """The first comment by one of the company's logins, in the page's (chronological) order."""
        logins = {login.strip().casefold() for login in self.source.reply_authors}
        for comment in page.css(SELECTORS["comment"]):
            author = "".join(comment.css(SELECTORS["comment_author"]).getall()).strip().casefold()
            if author in logins:
                return comment.css(SELECTORS["comment_text"]).get(), comment.css(SELECTORS["comment_date"]).get()
        return None, None
