"""RSS 2.0 and Atom feeds: Google Alerts, and any site's news feed.

`source.url` is the feed's URL. One request and no paging: a feed holds its
latest entries. Feeds are mention sources: an entry is kept when it names the
company. Its text is the title, a line break, then the content (Atom `content`
or `summary`, RSS `description`); the title is not stored apart, so that an
edited title counts as an edit.

Google Alerts: the entry id `tag:google.com,2013:googlealerts/feed:{number}`
gives the number as external id, links pass through
`https://www.google.com/url?...&url={real URL}&ct=ga...` and are unwrapped, and
the highlighting of the matched words (`<b>`, sometimes escaped once more than
the rest and so shown as a literal "<b>") is dropped. Only http(s) links are
stored: a `javascript:` link becomes None.

The feed is parsed by parsel's XML parser (lxml), which neither resolves nor
fetches entities (`resolve_entities=False`, no network), and libxml2 refuses
entity-expansion bombs: a hostile feed can neither blow up nor read files.
"""

from __future__ import annotations

import html
import re
from datetime import timezone
from email.utils import parsedate_to_datetime
from hashlib import sha1
from urllib.parse import parse_qs, urlsplit

from parsel import Selector
from scrapy import Request
from scrapy.http import TextResponse

from scrapers.items import ScrapedReview
from scrapers.spiders.base import ReviewSpider

# Per root element, where each field is read: XPath below the entry, first
# non-blank wins. Namespaces are removed first, so `date` is dc:date and
# `encoded` is content:encoded. `plain` is the type of a text without a `type`
# attribute: Atom's default is text, while RSS titles and descriptions are HTML in practice.
FORMATS = {
    "feed": {  # Atom
        "entries": "/feed/entry",
        "id": ["id", "link[not(@rel) or @rel='alternate']/@href"],
        "title": ["title"],
        "link": ["link[not(@rel) or @rel='alternate']/@href"],
        "published": ["published", "updated"],
        "content": ["content", "summary"],
        "author": ["author/name"],
        "plain": "text",
    },
    "rss": {  # RSS 2.0
        "entries": "/rss/channel/item",
        "id": ["guid", "link"],
        "title": ["title"],
        "link": ["link"],
        "published": ["pubDate", "date"],
        "content": ["description", "encoded"],
        "author": ["author", "creator"],
        "plain": "html",
    },
}

_GOOGLE_ALERTS_ID = re.compile(r"tag:google\.com,\d{4}:googlealerts/feed:(\d+)")
_GOOGLE_REDIRECT_HOSTS = {"www.google.com", "google.com"}
# `<b>` escaped twice: after the XML is read it is still `&lt;b&gt;`, which would show as text.
_ESCAPED_BOLD = re.compile(r"&lt;/?b&gt;", re.IGNORECASE)
# The store's external_id column holds at most this many characters.
_MAX_ID = 255


class FeedSpider(ReviewSpider):
    name = "feed"
    mentions_only = True

    async def start(self):
        yield Request(self.source.url, callback=self.parse)

    def parse(self, response):
        if response.status in (403, 507):
            self.report_blocked(response, f"HTTP {response.status}")
            return
        if not isinstance(response, TextResponse) or not response.text.strip():
            self.report_markup_changed(response, "the feed URL did not answer a text document")
            return
        document = Selector(text=response.text, type="xml")
        document.remove_namespaces()
        root = document.root.tag
        form = FORMATS.get(root)
        if form is None:
            self.report_markup_changed(response, f"not an RSS 2.0 or Atom feed (root element <{root}>)")
            return
        entries = document.xpath(form["entries"])
        yield from self.accept(response, entries, lambda entry: self._item(entry, form, response))

    def _item(self, entry: Selector, form: dict, response: TextResponse) -> ScrapedReview:
        raw_id = _first_value(entry, form["id"])
        if not raw_id:
            raise ValueError("entry has neither an id nor a link")
        alert = _GOOGLE_ALERTS_ID.fullmatch(raw_id)
        external_id = alert.group(1) if alert else raw_id
        if len(external_id) > _MAX_ID:
            external_id = "sha1:" + sha1(external_id.encode()).hexdigest()
        title = _first_html(entry, form["title"], form["plain"])
        content = _first_html(entry, form["content"], form["plain"])
        link = _first_value(entry, form["link"])
        return ScrapedReview(
            external_id=external_id,
            text="\n".join(part for part in (title, content) if part),
            url=_web_link(response.urljoin(link)) if link else None,
            author=_first_value(entry, form["author"]) or None,
            published=_iso(_first_value(entry, form["published"])),
        )


def _first_value(entry: Selector, paths: list[str]) -> str:
    for path in paths:
        value = entry.xpath(f"string({path})").get().strip()
        if value:
            return value
    return ""


def _first_html(entry: Selector, paths: list[str], plain: str) -> str:
    """The first non-blank text construct among `paths`, as HTML."""
    for path in paths:
        for node in entry.xpath(path):
            kind = node.attrib.get("type", plain)
            if "xhtml" in kind:  # Atom's inline XHTML: the markup of the wrapping <div>'s content
                value = "".join(node.xpath("*/node()").getall())
            else:
                value = node.xpath("string()").get()
            if not value.strip():
                continue
            if kind in ("text", "text/plain"):
                return html.escape(value)
            return value if "xhtml" in kind else _ESCAPED_BOLD.sub("", value)
    return ""


def _web_link(href: str) -> str | None:
    """The page an entry links to, out of Google's redirect; None unless it is http(s)."""
    parts = urlsplit(href.strip())
    if parts.hostname in _GOOGLE_REDIRECT_HOSTS and parts.path == "/url":
        href = (parse_qs(parts.query).get("url") or [""])[0]
        parts = urlsplit(href)
    return href if parts.scheme in ("http", "https") and parts.netloc else None


def _iso(raw: str) -> str:
    """RSS dates are RFC 822 ("Tue, 10 Jun 2025 04:00:00 GMT"): into ISO; Atom's RFC 3339 stays."""
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return raw
    # "-0000" is UTC from a sender that does not say its own zone (RFC 5322 3.3).
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).isoformat()
