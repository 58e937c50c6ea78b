"""Look-alike of Apple's customer-reviews RSS as JSON: itunes.apple.com/{cc}/rss/customerreviews/page={N}/id={app}/sortby=mostrecent/json.

Shaped as Apple serves it: every value wrapped in `{"label": ...}`, 50
entries a page newest first, `im:rating` a string, `updated` with the Pacific
offset (-07:00 after the DST switch of 8 March 2026, -08:00 before), `entry` a
single object when a page holds one review and absent when it holds none, and
`feed.link[]` whose first/last/previous/next hrefs name the XML variant with a
`urlDesc` query, as Apple's do (absolute, on this server). No developer
responses: the feed has none.

Apps: APP_ID (ru) has 101 reviews, so page 3 holds one entry as an object;
BIG_APP (ru) has more than Apple shows, 10 full pages; EMPTY_APP (fi) has none.
State: `phase` 2 publishes a new review and edits review 4, which moves to the
top as Apple sorts by `updated`. `appstore_mode`: "forbidden" answers 403,
"markup" JSON without `feed`.
"""

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

APP_ID, BIG_APP, EMPTY_APP = "1434567890", "1434567891", "1434567892"
TOTALS = {APP_ID: 101, BIG_APP: 620, EMPTY_APP: 0}
PAGE_SIZE = 50
MAX_PAGES = 10
PACIFIC = ZoneInfo("America/Los_Angeles")
NEWEST = datetime(2026, 3, 14, 9, 41, 12, tzinfo=PACIFIC)
NEW_ID = "11812999999"

# (author, title, content, rating, app version) by review number modulo 6.
TEMPLATES = [
    ("Анна С.", "Удобно заказывать", "Заказываю капучино заранее через приложение Кофемании — забираю без очереди ☕", 5, "4.2.1"),
    ("dmitry_k", "Вылетает при оплате",
     "После обновления приложение вылетает на экране оплаты. Деньги списались, заказа нет 😡", 1, "4.2.1"),
    ("Ольга <3", "Странный <i>чек</i>",
     'В истории заказов вместо десерта: <script>alert("Кофемания")</script> & цены «прыгают».', 2, "4.2.0"),
    ("Mikko", "Hyvä sovellus", "Tilaan kahvin aina sovelluksella, bonukset kertyvät kätevästi. Kiitos Kofemania!", 4, "4.2.0"),
    ("user1987", "Бонусы", "Бонусы начисляются через раз.\nПоддержка отвечает неделю.", 2, "4.1.9"),
    ("Kate", "Love it", "Great app, ordering ahead saves me ten minutes every morning.", 5, "4.1.9"),
]
EDITED = ("Бонусы", "Бонусы теперь начисляются правильно, спасибо за исправление!", 4, "4.2.2")


def review_id(n: int) -> str:
    return str(11_812_345_000 - 7 * n)


def updated(n: int) -> datetime:
    return (NEWEST - timedelta(hours=7 * n, minutes=3 * n)).astimezone(PACIFIC)


def _wrap(n: int, author: str, title: str, content: str, rating: int, version: str, when: datetime, app: str) -> dict:
    return {
        "author": {
            "uri": {"label": f"https://itunes.apple.com/ru/reviews/id{900_000_000 + n}"},
            "name": {"label": author},
            "label": "",
        },
        "updated": {"label": when.isoformat()},
        "im:rating": {"label": str(rating)},
        "im:version": {"label": version},
        "id": {"label": review_id(n) if n >= 0 else NEW_ID},
        "title": {"label": title},
        "content": {"label": content, "attributes": {"type": "text"}},
        "link": {"attributes": {"rel": "related", "href": f"https://itunes.apple.com/ru/review?id={app}&type=Purple%20Software"}},
        "im:voteSum": {"label": str(n % 3)},
        "im:contentType": {"attributes": {"term": "Application", "label": "Приложение"}},
        "im:voteCount": {"label": str(n % 5)},
    }


def entries(app: str, phase: int) -> list[dict]:
    found = []
    for n in range(TOTALS[app]):
        author, title, content, rating, version = TEMPLATES[n % len(TEMPLATES)]
        found.append(_wrap(n, author, title, f"{content} (#{n})", rating, version, updated(n), app))
    if phase >= 2 and app == APP_ID:
        title, content, rating, version = EDITED
        edited = _wrap(4, TEMPLATES[4][0], title, f"{content} (#4)", rating, version, NEWEST + timedelta(hours=1), app)
        new = _wrap(-1, "Сергей", "Нет оплаты картой", "Не могу привязать карту, приложение Кофемании пишет «ошибка 500».",
                    1, "4.2.2", NEWEST + timedelta(hours=3), app)
        found = [new, edited] + [entry for n, entry in enumerate(found) if n != 4]
    return found


def _link(rel: str, href: str) -> dict:
    return {"attributes": {"rel": rel, "href": href}}


def feed(request, country: str, app: str, page: int) -> dict:
    every = entries(app, request.state.get("phase", 1))
    last = max(1, min(MAX_PAGES, -(-len(every) // PAGE_SIZE)))
    shown = every[(page - 1) * PAGE_SIZE : page * PAGE_SIZE] if page <= MAX_PAGES else []
    root = f"{request.base}/{country}/rss/customerreviews"
    url_desc = f"?urlDesc=/customerreviews/page={page}/id={app}/sortby=mostrecent/json"

    def xml(number: int) -> str:
        return f"{root}/page={number}/id={app}/sortby=mostrecent/xml{url_desc}"

    body = {"author": {"name": {"label": "iTunes Store"}, "uri": {"label": f"http://www.apple.com/{country}/itunes/"}}}
    # Apple lists the entries right after the feed's author.
    if len(shown) == 1:
        body["entry"] = shown[0]
    elif shown:
        body["entry"] = shown
    body |= {
        "updated": {"label": "2026-03-14T13:02:45-07:00"},
        "rights": {"label": "Copyright 2008 Apple Inc."},
        "title": {"label": "iTunes Store: Отзывы клиентов"},
        "icon": {"label": "http://itunes.apple.com/favicon.ico"},
        "link": [
            {"attributes": {"rel": "alternate", "type": "text/html",
                            "href": f"https://music.apple.com/WebObjects/MZStore.woa/wa/viewGrouping?cc={country}&id=1000"}},
            _link("self", f"{root}/page={page}/id={app}/sortby=mostrecent/json"),
            _link("first", xml(1)),
            _link("last", xml(last)),
            _link("previous", xml(max(1, page - 1))),
            _link("next", xml(min(last, page + 1))),
        ],
        "id": {"label": f"{root}/page={page}/id={app}/sortby=mostrecent/json"},
    }
    return {"feed": body}


_FEED = re.compile(r"/(?P<country>[a-z]{2})/rss/customerreviews/page=(?P<page>\d+)/id=(?P<app>\d+)/sortby=mostrecent/json")
JSON = {"Content-Type": "text/javascript; charset=utf-8"}


def handle(request):
    mode = request.state.get("appstore_mode")
    if mode == "forbidden":
        return 403, {"Content-Type": "text/html"}, b"<html><head><title>403 Forbidden</title></head><body></body></html>"
    found = _FEED.fullmatch(request.path)
    if found is None or found["app"] not in TOTALS:
        return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
    if mode == "markup":
        return 200, JSON, b'{"resultCount":0,"results":[]}'
    body = feed(request, found["country"], found["app"], int(found["page"]))
    return 200, JSON, json.dumps(body, ensure_ascii=False).encode()
