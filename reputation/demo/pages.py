"""The demo sources' pages and JSON, in the shapes the real sites serve and our spiders read.

Each renderer takes the items shown now (newest first) and the request, and
answers (status, headers, body). Shapes follow /work/shared/SOURCES.md and the
spiders' selectors: Otzovik list and review pages, 2GIS's reviews JSON, VK's
`newsfeed.search`, Telegram's t.me/s preview, Apple's customer-reviews RSS as
JSON, and an RSS 2.0 news feed. Texts are escaped where the real source sends
HTML; JSON APIs carry them as typed.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from reputation.demo import texts
from reputation.demo.world import Item

OTZOVIK_SLUG = "zernoteka"
OTZOVIK_PAGE = 10
TWOGIS_BRANCH = "70000001099999999"
TELEGRAM_CHANNEL = "msk_otzyvy"
TELEGRAM_TITLE = "Москва: отзывы читателей"
TELEGRAM_PAGE = 20
APP_ID = "1500000001"
APP_PAGE, APP_MAX_PAGES = 50, 10
FEED_ENTRIES = 50

MSK = ZoneInfo("Europe/Moscow")
PACIFIC = ZoneInfo("America/Los_Angeles")

HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json; charset=utf-8"}
Answer = tuple[int, dict, bytes]


def _html(text: str) -> str:
    """Plain text as the HTML a site would print: escaped, line breaks as <br>."""
    return html.escape(text).replace("\n", "<br>")


def _json(payload) -> Answer:
    return 200, JSON, json.dumps(payload, ensure_ascii=False).encode()


def not_found() -> Answer:
    return 404, HTML, b"<html><body><h1>404 Not Found</h1></body></html>"


def _user_id(author: str) -> int:
    """A stable numeric id for an author name: VK user ids, 2GIS and Apple profile links."""
    return 100_000 + sum(author.encode()) * 31 % 900_000


# Otzovik

def _otzovik_item(item: Item, base: str, now: datetime) -> str:
    url = f"{base}/review_{item.id}.html"
    plain = " ".join(item.text.split())
    teaser = plain if len(plain) <= 60 else plain[:60].rstrip() + "..."
    comments = 1 if item.replied_by(now) else 0
    return f"""
<div class="item status4 mshow0" itemprop="review" itemscope itemtype="http://schema.org/Review">
 <meta itemprop="url" content="{url}">
 <div class="item-left"><div class="user-info"><div class="login-line">
  <a class="user-login" href="/profile/{html.escape(item.author)}" itemprop="author"><span itemprop="name">{html.escape(item.author)}</span></a>
 </div></div></div>
 <div class="item-right">
  <div class="rating-score tooltip-right" title="Общий рейтинг"><span>{item.rating}</span></div>
  <div class="review-postdate" content="{item.published.astimezone(MSK).isoformat(timespec='seconds')}"><span>{item.published.astimezone(MSK):%d.%m.%Y}</span></div>
  <h3><a class="review-title" href="{url}" itemprop="name">{html.escape(item.title or '')}</a></h3>
  <div class="review-teaser" itemprop="description">{html.escape(teaser)}</div>
  <div class="review-bar">
   <a class="review-btn review-comments tooltip-top" href="{url}#comments" title="Комментарии">{comments}</a>
   <a class="review-btn review-read-link" href="{url}">Читать весь отзыв</a>
  </div>
 </div>
</div>"""


def _otzovik_page(title: str, body: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>{title}</title></head>
<body><div id="header"><a class="logo" href="/">Отзовик</a></div>
<div id="content">{body}</div><div id="footer">&copy; Отзовик (demo)</div></body></html>""".encode()


def otzovik_list(items: list[Item], page: int, base: str, now: datetime) -> Answer:
    pages = max(1, -(-len(items) // OTZOVIK_PAGE))
    if page > pages:
        return not_found()
    shown = items[(page - 1) * OTZOVIK_PAGE : page * OTZOVIK_PAGE]
    head = f"""<div class="product-header"><h1><span itemprop="name">{texts.COMPANY} - сеть кофеен</span></h1>
 <span class="reviews-counter">Отзывов: <span class="votes">{len(items)}</span></span></div>"""
    pager = ""
    if page < pages:
        pager = f'<div class="pager"><a class="pager-item next tooltip-top" href="/reviews/{OTZOVIK_SLUG}/{page + 1}/">&raquo;</a></div>'
    listing = "".join(_otzovik_item(item, base, now) for item in shown)
    return 200, HTML, _otzovik_page(f"{texts.COMPANY} - отзывы", f'{head}<div class="review-list-chunk">{listing}</div>{pager}')


def otzovik_review(item: Item, now: datetime) -> Answer:
    comments = ""
    if item.replied_by(now):
        comments = f"""<div class="comment-thread"><div class="comment"><div class="comment-right">
 <div class="comment-head"><a class="user-login" href="/profile/{texts.OFFICIAL_LOGIN}"><span>{texts.OFFICIAL_LOGIN}</span></a>
 <span class="comment-date" content="{item.reply_at.astimezone(MSK).isoformat(timespec='seconds')}">{item.reply_at.astimezone(MSK):%d.%m.%Y %H:%M}</span></div>
 <div class="comment-body">{_html(item.reply_text)}</div></div></div></div>"""
    body = f"""<div class="review-contents" itemscope itemtype="http://schema.org/Review">
 <h1><span class="summary" itemprop="name">Отзыв: {texts.COMPANY} - {html.escape(item.title or '')}</span></h1>
 <div class="review-postdate dtreviewed" content="{item.published.astimezone(MSK).isoformat(timespec='seconds')}"></div>
 <div class="rating-score tooltip-right"><span>{item.rating}</span></div>
 <div class="review-body description" itemprop="description">{_html(item.text)}</div>
</div>
<div id="comments-container"><h2>Комментарии</h2>{comments}</div>"""
    return 200, HTML, _otzovik_page(f"Отзыв: {html.escape(item.title or '')}", body)


# 2GIS

def twogis_reviews(items: list[Item], query: dict, base: str, now: datetime) -> Answer:
    limit = min(int(query.get("limit", 50)), 50)
    offset = int(query.get("offset", 0))
    page = items[offset : offset + limit]
    meta = {"branch_rating": 4.3, "branch_reviews_count": len(items), "total_count": len(items),
            "providers": [{"tag": "2gis", "is_reviewable": True, "is_enabled": True}]}
    if offset + limit < len(items):
        meta["next_link"] = f"{base}/2.0/branches/{TWOGIS_BRANCH}/reviews?{urlencode({**query, 'offset': offset + limit})}"
    reviews = [
        {
            "id": str(item.id),
            "text": item.text,
            "rating": item.rating,
            "provider": "2gis",
            "date_created": item.published.astimezone(MSK).isoformat(timespec="microseconds"),
            "date_edited": None,
            "user": {"id": f"u{_user_id(item.author)}", "name": item.author},
            "official_answer": (
                {"text": item.reply_text, "date_created": item.reply_at.astimezone(MSK).isoformat(timespec="microseconds")}
                if item.replied_by(now) else None
            ),
            "photos": [],
        }
        for item in page
    ]
    return _json({"meta": meta, "reviews": reviews})


# VK

def vk_search(items: list[Item], query: dict) -> Answer:
    start_time = int(query.get("start_time", 0))
    found = [item for item in items if item.published.timestamp() >= start_time]
    count = min(int(query.get("count", 30)), 200)
    start = int(query.get("start_from", "0/").split("/")[0] or 0)
    page = found[start : start + count]
    posts = [
        {"id": item.id, "owner_id": _user_id(item.author), "from_id": _user_id(item.author),
         "date": int(item.published.timestamp()), "post_type": "post", "text": html.escape(item.text, quote=True),
         "comments": {"count": 0}, "likes": {"count": item.id % 7}}
        for item in page
    ]
    profiles = {}
    for item in page:
        first, _, last = item.author.partition(" ")
        profiles[_user_id(item.author)] = {"id": _user_id(item.author), "first_name": first, "last_name": last}
    response = {"items": posts, "count": len(posts), "total_count": len(found), "profiles": list(profiles.values()),
                "groups": []}
    if start + count < len(found):
        response["next_from"] = f"{start + count}/demo"
    return _json({"response": response})


# Telegram

def _telegram_post(item: Item) -> str:
    link = f"https://t.me/{TELEGRAM_CHANNEL}/{item.id}"
    return f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{TELEGRAM_CHANNEL}/{item.id}">
 <div class="tgme_widget_message_bubble">
  <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/{TELEGRAM_CHANNEL}"><span dir="auto">{TELEGRAM_TITLE}</span></a></div>
  <div class="tgme_widget_message_text js-message_text" dir="auto">{_html(item.text)}</div>
  <div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">
   <span class="tgme_widget_message_meta"><span class="tgme_widget_message_from_author" dir="auto">{html.escape(item.author)}</span>&nbsp;<a class="tgme_widget_message_date" href="{link}"><time datetime="{item.published.isoformat(timespec='seconds')}" class="time">{item.published.astimezone(MSK):%H:%M}</time></a></span>
  </div></div>
 </div>
</div></div>"""


def telegram_channel(items: list[Item], query: dict) -> Answer:
    oldest_first = list(reversed(items))
    if "before" in query:
        oldest_first = [item for item in oldest_first if item.id < int(query["before"])]
    shown = oldest_first[-TELEGRAM_PAGE:]
    more = ""
    if shown and shown[0].id > min(item.id for item in items):
        more = (f'<div class="tme_messages_more_wrap"><a href="/s/{TELEGRAM_CHANNEL}?before={shown[0].id}" '
                f'class="tme_messages_more js-messages_more" data-before="{shown[0].id}"></a></div>')
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{TELEGRAM_TITLE} – Telegram</title></head>
<body class="widget_frame_base tgme_webpage_body"><main class="tgme_main"><div class="tgme_container">
 <section class="tgme_right_column"><div class="tgme_channel_info"><div class="tgme_channel_info_header_title"><span dir="auto">{TELEGRAM_TITLE}</span></div>
  <div class="tgme_channel_info_description">Пишите о местах Москвы — публикуем с подписью</div></div></section>
 <section class="tgme_channel_history js-message_history">{more}{''.join(_telegram_post(item) for item in shown)}</section>
</div></main></body></html>"""
    return 200, HTML, page.encode()


# App Store

def _label(value) -> dict:
    return {"label": value}


def appstore_feed(items: list[Item], page: int, country: str, base: str) -> Answer:
    pages = min(APP_MAX_PAGES, max(1, -(-len(items) // APP_PAGE)))
    shown = items[(page - 1) * APP_PAGE : page * APP_PAGE] if page <= APP_MAX_PAGES else []
    root = f"{base}/itunes/{country}/rss/customerreviews"
    entries = [
        {
            "author": {"uri": _label(f"https://itunes.apple.com/{country}/reviews/id{_user_id(item.author)}"),
                       "name": _label(item.author), "label": ""},
            "updated": _label(item.published.astimezone(PACIFIC).isoformat(timespec="seconds")),
            "im:rating": _label(str(item.rating)),
            "im:version": _label("3.4.1"),
            "id": _label(str(item.id)),
            "title": _label(item.title or ""),
            "content": {"label": item.text, "attributes": {"type": "text"}},
            "link": {"attributes": {"rel": "related", "href": f"https://apps.apple.com/{country}/app/id{APP_ID}?see-all=reviews"}},
        }
        for item in shown
    ]

    def link(rel: str, number: int) -> dict:
        return {"attributes": {"rel": rel, "type": "text/html",
                               "href": f"{root}/page={number}/id={APP_ID}/sortby=mostrecent/xml?urlDesc=/customerreviews"}}

    feed = {
        "author": {"name": _label("iTunes Store"), "uri": _label("http://www.apple.com/itunes/")},
        "updated": _label(datetime.now(PACIFIC).isoformat(timespec="seconds")),
        "title": _label("iTunes Store: Customer Reviews"),
        "id": _label(f"{root}/page={page}/id={APP_ID}/sortby=mostrecent/json"),
        "link": [link("alternate", page), link("first", 1), link("last", pages), link("previous", max(1, page - 1)),
                 link("next", min(pages, page + 1))],
    }
    if len(entries) == 1:
        feed["entry"] = entries[0]
    elif entries:
        feed["entry"] = entries
    return _json({"feed": feed})


# RSS news feed

def news_feed(items: list[Item]) -> Answer:
    entries = "".join(
        f"""
  <item>
   <title>{html.escape(item.title or '')}</title>
   <link>https://news.example/zernoteka/{item.id}</link>
   <guid isPermaLink="false">demo-news-{item.id}</guid>
   <pubDate>{format_datetime(item.published.astimezone(timezone.utc), usegmt=True)}</pubDate>
   <author>{html.escape(item.author)}</author>
   <description>{html.escape(_html(item.text))}</description>
  </item>"""
        for item in items[:FEED_ENTRIES]
    )
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
 <title>Городские новости: кофе и еда</title>
 <link>https://news.example/</link>
 <description>Новости и отзывы читателей</description>{entries}
</channel></rss>"""
    return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body.encode()


_OTZOVIK_LIST = re.compile(rf"^/reviews/{OTZOVIK_SLUG}/(?:(\d+)/)?$")
_OTZOVIK_REVIEW = re.compile(r"^/review_(\d+)\.html$")
_APPSTORE = re.compile(rf"^/itunes/([a-z]{{2}})/rss/customerreviews/page=(\d+)/id={APP_ID}/sortby=mostrecent/json$", re.I)


def route(world, path: str, query: dict, base: str, now: datetime) -> Answer:
    """The answer to one GET request on the demo server."""
    if path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if path == "/":
        return 200, HTML, index(base).encode()
    if found := _OTZOVIK_LIST.match(path):
        return otzovik_list(world.visible("otzovik", now), int(found.group(1) or 1), base, now)
    if found := _OTZOVIK_REVIEW.match(path):
        item = next((i for i in world.visible("otzovik", now) if i.id == int(found.group(1))), None)
        return otzovik_review(item, now) if item else not_found()
    if path == f"/2.0/branches/{TWOGIS_BRANCH}/reviews":
        return twogis_reviews(world.visible("2gis", now), query, base, now)
    if path == "/vk/method/newsfeed.search":
        return vk_search(world.visible("vk", now), query)
    if path.startswith("/vk/method/"):
        return _json({"error": {"error_code": 3, "error_msg": "Unknown method passed", "request_params": []}})
    if path == f"/s/{TELEGRAM_CHANNEL}":
        return telegram_channel(world.visible("telegram", now), query)
    if found := _APPSTORE.match(path):
        return appstore_feed(world.visible("appstore", now), int(found.group(2)), found.group(1).lower(), base)
    if path == "/news/rss.xml":
        return news_feed(world.visible("feed", now))
    return not_found()


def source_urls(base: str) -> dict[str, dict]:
    """Where each demo source is read, as the config's `url` (and `query`)."""
    return {
        "otzovik": {"url": f"{base}/reviews/{OTZOVIK_SLUG}/", "reply_authors": [texts.OFFICIAL_LOGIN]},
        "2gis": {"url": f"{base}/2.0/branches/{TWOGIS_BRANCH}/reviews"},
        "vk": {"url": f"{base}/vk/method", "query": texts.COMPANY},
        "telegram": {"url": f"{base}/s/{TELEGRAM_CHANNEL}"},
        "appstore": {"url": f"{base}/itunes/ru/rss/customerreviews/id={APP_ID}/sortBy=mostRecent/json"},
        "feed": {"url": f"{base}/news/rss.xml"},
    }


def index(base: str) -> str:
    links = "".join(f'<li>{kind}: <a href="{html.escape(s["url"])}">{html.escape(s["url"])}</a></li>'
                    for kind, s in source_urls(base).items())
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{texts.COMPANY}: demo sources</title></head>'
            f"<body><h1>{texts.COMPANY}: the demo's sources</h1><ul>{links}</ul></body></html>")
