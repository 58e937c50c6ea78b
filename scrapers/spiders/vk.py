"""VK: the official API (`GET {url}/{method}?...&access_token=...&v=5.199`), in one of two modes.

The source's `query` picks the mode:

- any search phrase ("Кофемания") -> mentions: `newsfeed.search`, newest first,
  paged by `next_from` -> `start_from`; only posts naming the company are kept.
  The first crawl sends no `start_time` (VK then searches the last 24 hours);
  later ones send the newest stored post time minus SEARCH_OVERLAP, so edits
  of the latest posts are seen again.
- `wall:-<community id>` ("wall:-12345") -> the company's own community:
  `wall.get` (offset paging) for its posts and `wall.getComments` (newest first,
  with threads) under each post that has comments. Every comment is a review
  (`{owner_id}_{post_id}_{comment_id}`); a comment from the community itself
  (`from_id` = -<community id>) is the business's reply to the comment it
  answers (`reply_to_comment`, else the thread it sits in; VK inlines only the
  first THREAD_ITEMS replies of a thread). After the first
  crawl only posts from COMMENT_WINDOW before the newest stored comment are
  read again.

`url` is the API base (https://api.vk.com/method when left out); the token is
read from the environment variable named by `token_env`. Errors arrive as HTTP
200 JSON `{"error": {...}}`: 6/9/29 are retried after a growing wait, 14
(captcha) is `blocked`, 5 (authorization) and the rest are counted as errors.
The token is cut out of every URL that is printed or stored.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from functools import partial
from urllib.parse import urlencode

from scrapy import Request
from w3lib.url import url_query_cleaner

from scrapers.items import ScrapedReview
from scrapers.spiders.base import ReviewSpider

API_BASE = "https://api.vk.com/method"
API_VERSION = "5.199"
SEARCH_PAGE = 200  # newsfeed.search's maximum `count`
WALL_PAGE = 100  # wall.get's and wall.getComments' maximum `count`
THREAD_ITEMS = 10  # the most thread replies wall.getComments inlines per comment
WALL_PREFIX = "wall:"
SEARCH_OVERLAP = timedelta(hours=1)
COMMENT_WINDOW = timedelta(days=30)

RATE_LIMITED = {6, 9, 29}  # too many requests per second, flood control, rate limit reached
CAPTCHA_NEEDED = 14
AUTH_FAILED = 5
MAX_ATTEMPTS = 3
RATE_WAIT_S = 1.0  # the first wait after a rate-limit error; it grows per attempt

# Every field path the spider reads from VK's JSON, in one place.
FIELDS = {
    "response": ("response",),
    "error_code": ("error", "error_code"),
    "error_msg": ("error", "error_msg"),
    "items": ("items",),
    "next_from": ("next_from",),
    "wall_total": ("count",),
    "comments_total": ("current_level_count",),
    "profiles": ("profiles",),
    "groups": ("groups",),
    "id": ("id",),
    "owner_id": ("owner_id",),
    "from_id": ("from_id",),
    "date": ("date",),
    "text": ("text",),
    "pinned": ("is_pinned",),
    "comment_count": ("comments", "count"),
    "thread": ("thread", "items"),
    "reply_to": ("reply_to_comment",),
    "deleted": ("deleted",),
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "group_name": ("name",),
}

_WALL_QUERY = re.compile(r"wall:(-\d+)")
# VK's inline links "[id123|Анна]", "[club12345|Кофемания]" show only their label.
_INLINE_LINK = re.compile(r"\[(?:id|club|public|event)\d+\|([^\]]*)\]")


def _at(data, name: str, default=None):
    for key in FIELDS[name]:
        if not isinstance(data, dict) or key not in data:
            return default
        data = data[key]
    return data


def _need(data, name: str):
    """A field an item cannot do without: its absence makes the item unreadable (counted, not dropped)."""
    value = _at(data, name)
    if value is None:
        raise KeyError(name)
    return value


def _plain(text: str) -> str:
    return _INLINE_LINK.sub(r"\1", text)


def _authors(body: dict) -> dict[int, str]:
    """Names by `from_id` from an extended answer: people by id, communities by minus id."""
    names = {}
    for person in _at(body, "profiles") or []:
        names[_at(person, "id")] = f"{_at(person, 'first_name', '')} {_at(person, 'last_name', '')}".strip()
    for group in _at(body, "groups") or []:
        names[-_at(group, "id", 0)] = _at(group, "group_name")
    return names


def _author(from_id: int, names: dict[int, str]) -> str:
    # VK's own address for a page without a known name: vk.com/id123, vk.com/club123.
    return names.get(from_id) or (f"id{from_id}" if from_id > 0 else f"club{-from_id}")


class VkSpider(ReviewSpider):
    name = "vk"

    def __init__(self, *, source, **kwargs):
        # Search results are mentions; comments under the community's own posts all concern the company.
        self.mentions_only = not (source.query or "").startswith(WALL_PREFIX)
        super().__init__(source=source, **kwargs)
        self.api = (source.url or API_BASE).rstrip("/")
        self.token = os.environ.get(source.token_env or "", "")
        self.owner_id = 0
        self.horizon: int | None = None
        # The community's earliest reply per (post id, answered comment id).
        self.replies: dict[tuple[int, int], dict] = {}

    async def start(self):
        query = (self.source.query or "").strip()
        if not query:
            self.health.error("a vk source needs a query: a search phrase, or wall:-<community id> for its own community")
            return
        newest = self.store.newest_published_at(self.source.id)
        if not query.startswith(WALL_PREFIX):
            params = {"q": query, "count": SEARCH_PAGE, "extended": 1}
            if newest:
                params["start_time"] = int((newest - SEARCH_OVERLAP).timestamp())
            yield self.call("newsfeed.search", params, partial(self.search_page, params))
            return
        wall = _WALL_QUERY.fullmatch(query)
        if not wall:
            self.health.error(f"query {query!r}: write the community wall as wall:-<community id>, e.g. wall:-12345")
            return
        self.owner_id = int(wall.group(1))
        if newest:
            self.horizon = int((newest - COMMENT_WINDOW).timestamp())
        yield self.wall_request(0)

    def call(self, method: str, params: dict, handle, attempt: int = 1, delay_s: float = 0) -> Request:
        query = urlencode({**params, "access_token": self.token, "v": API_VERSION})
        return Request(
            f"{self.api}/{method}?{query}",
            callback=self.answered,
            cb_kwargs={"retry": partial(self.call, method, params, handle), "handle": handle, "attempt": attempt},
            meta={"delay_s": delay_s} if delay_s else {},
            # A retry asks the very same URL again.
            dont_filter=attempt > 1,
        )

    def answered(self, response, retry, handle, attempt):
        """Unwrap VK's envelope: hand `response` on, or deal with the error it holds."""
        # What is printed and stored names the call without the token.
        shown = response.replace(url=url_query_cleaner(response.url, ("access_token",), remove=True))
        try:
            data = json.loads(response.text)
        except ValueError:
            self.report_markup_changed(shown, "the VK API did not answer JSON")
            return
        code = _at(data, "error_code")
        if code is not None:
            yield from self.api_error(shown, code, _at(data, "error_msg"), retry, attempt)
            return
        body = _at(data, "response")
        if not isinstance(_at(body, "items"), list):
            self.report_markup_changed(shown, "no `response.items` list in the JSON")
            return
        yield from handle(shown, body)

    def api_error(self, shown, code, message, retry, attempt):
        method = shown.url.rsplit("/", 1)[-1].split("?", 1)[0]
        if code in RATE_LIMITED and attempt < MAX_ATTEMPTS:
            wait = RATE_WAIT_S * attempt
            self.progress(f"VK error {code} ({message}) on {method}: retrying in {wait:g}s")
            yield retry(attempt=attempt + 1, delay_s=wait)
        elif code in RATE_LIMITED:
            self.health.error(f"VK error {code} ({message}) on {method} persisted after {MAX_ATTEMPTS} attempts")
        elif code == CAPTCHA_NEEDED:
            self.report_blocked(shown, f"VK error 14: {message}")
        elif code == AUTH_FAILED:
            self.health.error(
                f"VK error 5: authorization failed ({message}); check the token in ${self.source.token_env}"
            )
        else:
            self.health.error(f"VK error {code} ({message}) at {shown.url}")

    # Mentions: newsfeed.search

    def search_page(self, params, response, body):
        names = _authors(body)
        posts = _at(body, "items")
        page = self.accept(response, posts, lambda post: self._post(post, names))
        yield from page
        cursor = _at(body, "next_from")
        if cursor and posts and self.wants_more(page):
            following = {**params, "start_from": cursor}
            yield self.call("newsfeed.search", following, partial(self.search_page, following))

    @staticmethod
    def _post(post: dict, names: dict[int, str]) -> ScrapedReview:
        owner, post_id = _need(post, "owner_id"), _need(post, "id")
        return ScrapedReview(
            external_id=f"{owner}_{post_id}",
            text=_plain(_at(post, "text")),
            url=f"https://vk.com/wall{owner}_{post_id}",
            author=_author(_need(post, "from_id"), names),
            published=_need(post, "date"),
        )

    # The own community: wall.get, then wall.getComments under each post

    def wall_request(self, offset: int) -> Request:
        params = {"owner_id": self.owner_id, "count": WALL_PAGE, "offset": offset, "extended": 1}
        return self.call("wall.get", params, partial(self.wall_page, offset))

    def wall_page(self, offset, response, body):
        posts = _at(body, "items")
        # The pinned post comes first whatever its age; the rest are newest first.
        recent = [p for p in posts if _at(p, "pinned") or self.horizon is None or _at(p, "date", 0) >= self.horizon]
        commented = [p for p in recent if _at(p, "comment_count")]
        self.progress(f"wall at offset {offset}: {len(posts)} posts, {len(commented)} with comments to read")
        for post in commented:
            yield self.comments_request(_at(post, "id"), 0)
        offset += len(posts)
        past_horizon = len(recent) < len(posts)
        more = posts and offset < _at(body, "wall_total", 0)
        if more and not past_horizon and self.health.seen < self.source.backfill:
            yield self.wall_request(offset)

    def comments_request(self, post_id: int, offset: int) -> Request:
        params = {
            "owner_id": self.owner_id,
            "post_id": post_id,
            "count": WALL_PAGE,
            "offset": offset,
            "sort": "desc",
            "extended": 1,
            "thread_items_count": THREAD_ITEMS,
        }
        return self.call("wall.getComments", params, partial(self.comments_page, post_id, offset))

    def comments_page(self, post_id, offset, response, body):
        top = _at(body, "items")
        customers = []
        for comment in top:
            for item in (comment, *(_at(comment, "thread") or [])):
                if _at(item, "deleted"):
                    continue
                if _at(item, "from_id") == self.owner_id:
                    self._note_reply(post_id, _at(item, "reply_to") or _at(comment, "id"), item)
                else:
                    customers.append(item)
        names = _authors(body)
        page = self.accept(response, customers, lambda comment: self._comment(comment, post_id, names))
        yield from page
        offset += len(top)
        if top and offset < _at(body, "comments_total", 0) and self.wants_more(page):
            yield self.comments_request(post_id, offset)

    def _note_reply(self, post_id: int, answered: int, reply: dict) -> None:
        # Newest-first paging shows a flat reply before the comment it answers; the first reply counts.
        known = self.replies.get((post_id, answered))
        if known is None or _at(reply, "date", 0) < _at(known, "date", 0):
            self.replies[(post_id, answered)] = reply

    def _comment(self, comment: dict, post_id: int, names: dict[int, str]) -> ScrapedReview:
        comment_id = _need(comment, "id")
        reply = self.replies.get((post_id, comment_id)) or {}
        return ScrapedReview(
            external_id=f"{self.owner_id}_{post_id}_{comment_id}",
            text=_plain(_at(comment, "text")),
            url=f"https://vk.com/wall{self.owner_id}_{post_id}?reply={comment_id}",
            author=_author(_need(comment, "from_id"), names),
            published=_need(comment, "date"),
            reply_text=_plain(_need(reply, "text")) if reply else None,
            reply_published=_at(reply, "date"),
        )
