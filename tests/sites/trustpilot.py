"""Look-alike of a Trustpilot company page, www.trustpilot.com/review/{domain}.

Shaped as the Next.js page is served: hashed-class HTML cards and the data in
`<script id="__NEXT_DATA__" type="application/json">`, escaped as Next.js does
(`<`, `>`, `&` as \\u003c, \\u003e, \\u0026). `props.pageProps.reviews[]` (20 a
page, newest first with `sort=recency`) carry `dates` in UTC, `consumer`,
`labels.verification` and `reply` (null or {message, publishedDate,
updatedDate}); `filters.pagination.totalPages` names the last page.

State: `phase` 2 publishes a new review, edits review 4 (text, rating,
`updatedDate`) and adds the company's reply to review 1. `trustpilot_mode`:
"challenge" answers Cloudflare's 403 "Just a moment..." page, "app_router" a
redesigned page without `__NEXT_DATA__`, "no_reviews" JSON whose pageProps
lost `reviews`, "no_pagination" pages without `filters.pagination` (and an
empty page after the last), "bad_date" breaks review 7's publishedDate.
"""

import html
import json
from datetime import datetime, timedelta, timezone

DOMAIN = "kofemania.ru"
TOTAL = 45
PAGE_SIZE = 20
NEWEST = datetime(2026, 3, 14, 16, 20, 31, tzinfo=timezone.utc)
NEW_ID = "65f3a9c0e1b2ffffffffffff"

# (author, country, language, title, text, rating) by review number modulo 6.
TEMPLATES = [
    ("Анна Смирнова", "RU", "ru", "Лучшие сырники в Москве",
     "Кофемания на Кудринской — наш любимый завтрак ☕🥞\nБариста помнит заказ.", 5),
    ("James Carter", "GB", "en", "Slow & rude",
     "Waited 40 minutes for a flat white. Staff ignored us. Not coming back.", 1),
    ("user7781", "RU", "ru", "Шутка <b>в заголовке</b>",
     'Пробовал вставить <script>alert("кофе")</script> в отзыв — шучу. Кофе & десерты отличные.', 4),
    ("Mikko V.", "FI", "fi", "Hyvä kahvi",
     "Kävimme Kofemaniassa joka aamu Moskovan matkalla. Kahvi oli erinomaista ja henkilökunta ystävällistä.", 4),
    ("Ольга К.", "RU", "ru", "Цены «московские»",
     "Сырники холодные, чек пробили дважды 😡", 2),
    ("Dmitry", "RU", "en", "Nice place",
     "Cosy café, good Wi-Fi, I worked here all day. Desserts are fresh!", 5),
]
EDITED_TEXT = "Сырники были холодные, но менеджер всё исправил и извинился. Ставлю 4."
REPLY = "Dear James, we are sorry about the wait & have talked to the team. Hope to see you again ☕"


def review_id(n: int) -> str:
    return f"65f3a9c0e1b2{n:012x}"


def published(n: int) -> datetime:
    return NEWEST - timedelta(hours=9 * n, minutes=n)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _review(n: int, phase: int, mode: str | None) -> dict:
    author, country, language, title, text, rating = TEMPLATES[n % len(TEMPLATES)]
    dates = {
        "experiencedDate": _stamp(published(n).replace(hour=0, minute=0, second=0)),
        "publishedDate": _stamp(published(n)),
        "updatedDate": None,
        "submittedDate": None,
    }
    if mode == "bad_date" and n == 7:
        dates["publishedDate"] = "2026-13-45T25:00:00.000Z"
    if phase >= 2 and n == 4:
        text, rating = EDITED_TEXT, 4
        dates["updatedDate"] = _stamp(published(n) + timedelta(days=2))
    reply = None
    if phase >= 2 and n == 1:
        reply = {"message": REPLY, "publishedDate": _stamp(published(n) + timedelta(hours=3, minutes=5)), "updatedDate": None}
    return {
        "id": review_id(n),
        "filtered": False,
        "pending": False,
        "text": f"{text} (#{n})",
        "rating": rating,
        "labels": {
            "merged": None,
            "verification": {
                "isVerified": n % 3 == 0,
                "createdDateTime": dates["publishedDate"],
                "reviewSourceName": "Organic",
                "verificationSource": "invitation",
                "verificationLevel": "verified" if n % 3 == 0 else "not-verified",
                "hasDachExclusion": False,
            },
        },
        "title": title,
        "likes": n % 4,
        "dates": dates,
        "report": None,
        "hasUnhandledReports": False,
        "consumer": {
            "id": f"5e8c{n:020x}",
            "displayName": author,
            "imageUrl": "",
            "numberOfReviews": 1 + n % 7,
            "countryCode": country,
            "hasImage": False,
            "isVerified": False,
        },
        "reply": reply,
        "consumersReviewCountOnSameDomain": 1,
        "consumersReviewCountOnSameLocation": None,
        "productReviews": [],
        "language": language,
        "location": None,
    }


def reviews(phase: int, mode: str | None = None) -> list[dict]:
    found = [_review(n, phase, mode) for n in range(TOTAL)]
    if phase >= 2:
        new = _review(0, phase, mode)
        new.update(id=NEW_ID, text="Новый отзыв: капучино без пенки, грустно.", rating=2, title="Грустно")
        new["dates"]["publishedDate"] = _stamp(NEWEST + timedelta(hours=2))
        found.insert(0, new)
    return found


def _next_json(data: dict) -> str:
    """JSON as Next.js writes it into a <script>: no raw <, > or & anywhere."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _card(review: dict) -> str:
    return (
        '<article class="paper_paper__1PY90 styles_reviewCard__9HxJJ">'
        f'<span class="typography_heading-xxs__QKBS8">{html.escape(review["consumer"]["displayName"])}</span>'
        f'<img alt="Rated {review["rating"]} out of 5 stars" src="https://cdn.trustpilot.net/brand-assets/4.1.0/stars/stars-{review["rating"]}.svg"/>'
        f'<h2 class="typography_heading-s__f7029">{html.escape(review["title"])}</h2>'
        f'<p class="typography_body-l__KUYFJ" data-service-review-text-typography="true">{html.escape(review["text"])}</p>'
        "</article>"
    )


def _page(page_props: dict, query: dict, body: str) -> bytes:
    data = {
        "props": {"pageProps": page_props, "__N_SSP": True},
        "page": "/review/[businessUnit]",
        "query": {"businessUnit": DOMAIN, **query},
        "buildId": "businessunitprofile-consumersite-7193",
        "assetPrefix": "https://businessunitprofile-cdn.trustpilot.net",
        "isFallback": False,
        "gssp": True,
        "locale": "en-US",
        "locales": ["en-US", "fi-FI", "ru-RU"],
        "defaultLocale": "en-US",
        "scriptLoader": [],
    }
    return (
        '<!DOCTYPE html><html lang="en-US"><head><meta charSet="utf-8"/>'
        f"<title>Кофемания Reviews | Read Customer Service Reviews of {DOMAIN}</title></head>"
        f'<body><div id="__next">{body}</div>'
        f'<script id="__NEXT_DATA__" type="application/json">{_next_json(data)}</script></body></html>'
    ).encode()


CHALLENGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="refresh" content="390"><meta name="robots" content="noindex,nofollow"></head>'
    b'<body><div class="main-wrapper" role="main"><div class="main-content">'
    b'<h1 class="zone-name-title h1">www.trustpilot.com</h1><h2 class="h2" id="challenge-running">'
    b'Checking if the site connection is secure</h2><div id="challenge-stage"></div>'
    b'<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript>'
    b"</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'www.trustpilot.com',cType: 'managed',"
    b"cRay: '86b1c2d3e4f5a6b7',cH: 'x9Yz'};var a=document.createElement('script');"
    b"a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=86b1c2d3e4f5a6b7';"
    b"document.getElementsByTagName('head')[0].appendChild(a);}());</script>"
    b'<div class="footer"><div id="cf-chl-widget-x9yz"></div>Performance &amp; security by Cloudflare</div></body></html>'
)

APP_ROUTER = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Kofemania Reviews</title></head><body>'
    b'<main><section class="styles_reviewsContainer__3_GQw"></section></main>'
    b'<script>(self.__next_f=self.__next_f||[]).push([0])</script>'
    b'<script>self.__next_f.push([1,"1:HL[\\"/_next/static/css/app.css\\",\\"style\\"]\\n"])</script>'
    b"</body></html>"
)

HTML = {"Content-Type": "text/html; charset=utf-8"}


def handle(request):
    mode = request.state.get("trustpilot_mode")
    if mode == "challenge":
        return 403, {**HTML, "cf-mitigated": "challenge", "Server": "cloudflare"}, CHALLENGE
    if request.path != f"/review/{DOMAIN}":
        return 404, HTML, b"<html><body>Page not found</body></html>"
    if mode == "app_router":
        return 200, HTML, APP_ROUTER
    page = int(request.query.get("page", 1))
    found = reviews(request.state.get("phase", 1), mode)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    total_pages = -(-len(found) // PAGE_SIZE)
    props = {
        "businessUnit": {
            "id": "5f1e2d3c4b5a697887766554",
            "displayName": "Кофемания",
            "identifyingName": DOMAIN,
            "numberOfReviews": len(found),
            "trustScore": 3.8,
            "stars": 4,
        },
        "reviews": shown,
        "filters": {
            "pagination": {"currentPage": page, "perPage": PAGE_SIZE, "totalCount": len(found), "totalPages": total_pages},
            "selected": {"languages": request.query.get("languages", "en"), "sort": request.query.get("sort")},
        },
    }
    if mode == "no_reviews":
        props["reviewList"] = props.pop("reviews")
    if mode == "no_pagination":
        del props["filters"]["pagination"]
    return 200, HTML, _page(props, request.query, "".join(_card(r) for r in shown))
