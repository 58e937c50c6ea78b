"""Telegram: a public channel's web preview `t.me/s/<channel>`, the newest page first, older pages by `?before=<id>`.

`source.url` is the preview URL, e.g. `https://t.me/s/moscow_eats`. Which posts are kept:

- a channel that writes *about* the company (a city food channel, a news
  channel) keeps only the posts naming the company: the default;
- the company's own channel keeps every post: give its source `query: own`.

A page lists its posts oldest at the top; they are read newest first so that
the backfill limit keeps the newest. Paging back stops when `backfill` posts
have been read (kept or not: a mention channel must not be read back to its
first post), at a page of stored, unchanged posts, or, on a page without a kept
post (which says nothing about the store), once the page is older than the last
successful crawl, which read everything before it. A channel without a public
preview redirects to `t.me/<channel>`: the source is then failing, with that
reason.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from parsel import Selector
from scrapy import Request
from w3lib.url import add_or_replace_parameter

from scrapers.dates import parse_date
from scrapers.items import ScrapedReview
from scrapers.spiders.base import ReviewSpider

# The `query` that marks the company's own channel: every post is kept.
OWN_CHANNEL = "own"

SELECTORS = {
    "post": "div.tgme_widget_message[data-post]",
    # `js-message_text` tells the post's text from the quote of the post it
    # replies to (`a.tgme_widget_message_reply > .js-message_reply_text`).
    "text": "div.tgme_widget_message_text.js-message_text",
    "permalink": "a.tgme_widget_message_date::attr(href)",
    "published": "a.tgme_widget_message_date time::attr(datetime)",
    # The author's signature, where the channel signs its posts; else the channel's name.
    "signature": ".tgme_widget_message_from_author",
    "channel_name": ".tgme_widget_message_owner_name",
    "older_page": "a.tme_messages_more[data-before]::attr(data-before)",
    "channel_info": "div.tgme_channel_info",
}


class TelegramSpider(ReviewSpider):
    name = "telegram"

    @property
    def mentions_only(self) -> bool:
        # Read by the base class when it sets up mention matching.
        return self.source.query != OWN_CHANNEL

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.posts_read = 0
        self.last_success = self.store.last_success_at(self.source.id)

    async def start(self):
        yield Request(self.source.url, callback=self.parse)

    def parse(self, response):
        if "/s/" not in urlsplit(response.url).path:
            self.health.error(
                f"channel has no public preview: {self.source.url} redirects to {response.url}, a page without posts"
            )
            return
        posts = response.css(SELECTORS["post"])
        before = response.css(SELECTORS["older_page"]).get()
        if not posts:
            if response.css(SELECTORS["channel_info"]) and not before:
                self.accept(response, [], self._item)  # a channel with no posts yet
            else:
                self.report_markup_changed(response, f"no posts ({SELECTORS['post']})")
            return
        # Posts without text (a photo, a sticker) have nothing to read; a page of
        # nothing but those is far likelier a renamed text class.
        written = [post for post in posts if post.css(SELECTORS["text"])]
        if not written:
            self.report_markup_changed(response, f"{len(posts)} posts, none with a text ({SELECTORS['text']})")
            return
        self.posts_read += len(posts)
        page = self.accept(response, reversed(written), self._item)
        yield from page
        if before and self._wants_older(page, posts[0]):
            yield Request(add_or_replace_parameter(self.source.url, "before", before), callback=self.parse)

    def _wants_older(self, page: list, oldest_post: Selector) -> bool:
        if self.posts_read >= self.source.backfill:
            self.progress(f"backfill limit of {self.source.backfill} posts read")
            return False
        if page:
            return self.wants_more(page)
        oldest = self._published(oldest_post)
        if self.last_success and oldest and oldest < self.last_success:
            self.progress("no kept post on a page older than the last successful crawl: stopping")
            return False
        return True

    def _published(self, post: Selector) -> datetime | None:
        raw = post.css(SELECTORS["published"]).get()
        try:
            return parse_date(raw, now=self.now, tz=self.zone).value if raw else None
        except ValueError:
            return None

    @staticmethod
    def _item(post: Selector) -> ScrapedReview:
        return ScrapedReview(
            external_id=post.attrib["data-post"],
            text=post.css(SELECTORS["text"]).get(),
            url=post.css(SELECTORS["permalink"]).get(),
            author=post.css(SELECTORS["signature"]).get() or post.css(SELECTORS["channel_name"]).get(),
            published=post.css(SELECTORS["published"]).get(),
        )
