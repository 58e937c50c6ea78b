"""Look-alike of 2GIS's public reviews JSON: public-api.reviews.2gis.com/2.0/branches/{id}/reviews.

Shaped as the web client receives it: `meta` with counts and an absolute
`next_link` (absent on the last page), `reviews[]` newest first with `user`,
`official_answer` (null or {text, date_created}) and dates in the branch's local
offset with microseconds. State: `phase` 2 edits review 3, adds a reply to
review 5 and publishes a new review; `twogis_mode` "blocked" answers 403,
"markup" answers JSON without `reviews`, "rate_limited" answers the first
request 429 with Retry-After: 1, "slow" hangs on every page after the first.
"""

import json
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

BRANCH = "70000001012345678"
TOTAL = 120
NSK = timezone(timedelta(hours=7))
NEWEST = datetime(2026, 3, 14, 18, 45, 5, 106444, tzinfo=NSK)

TEXTS = [
    "Кофе отличный, бариста Алексей — молодец! ☕",
    "Ждали заказ 40 минут, официант нагрубил. Больше не придём.",
    "Нормально. Цены &laquo;московские&raquo;, но вкусно.",
    "Сырники холодные, чек пробили дважды 😡",
    "Уютно, хороший Wi-Fi, работала тут весь день. <script>alert(1)</script> <b>не жирный</b>",
    "Персонал вежливый, десерты свежие. Рекомендую!",
]


def _review(n: int, phase: int) -> dict:
    created = NEWEST - timedelta(hours=5 * n)
    text = TEXTS[n % len(TEXTS)] + f" (отзыв {n})"
    edited = None
    if phase >= 2 and n == 3:
        text = "Сырники холодные, но менеджер всё исправил и извинился. Ставлю 4. (отзыв 3)"
        edited = (created + timedelta(days=1)).isoformat()
    answer = None
    if phase >= 2 and n == 5:
        answer = {"text": "Спасибо, что написали! Передали бариста.", "date_created": (created + timedelta(minutes=50)).isoformat()}
    return {
        "id": str(14_000_000 + n),
        "region_id": 1,
        "text": text,
        "rating": 4 if (phase >= 2 and n == 3) else [5, 1, 3, 2, 4, 5][n % 6],
        "provider": "2gis",
        "is_verified": n % 2 == 0,
        "likes_count": n % 4,
        "comments_count": 0,
        "date_created": created.isoformat(),
        "date_edited": edited,
        "hiding_reason": None,
        "user": {
            "id": f"u{n}",
            "name": ["Ольга К.", "Дмитрий", "Анна Смирнова", "user_7781", "Игорь", "Марина"][n % 6],
            "reviews_count": 3 + n % 9,
            "photo_preview_urls": {"url": f"https://i9.photo.2gis.com/images/profile/{n}.jpg"},
        },
        "official_answer": answer,
        "photos": [],
    }


def reviews(phase: int) -> list[dict]:
    found = [_review(n, phase) for n in range(TOTAL)]
    if phase >= 2:
        new = _review(0, phase)
        new.update(id="14999999", text="Новый отзыв: капучино без пенки, грустно.", rating=2,
                   date_created=(NEWEST + timedelta(hours=2)).isoformat())
        found.insert(0, new)
    return found


def handle(request):
    mode = request.state.get("twogis_mode")
    if mode == "blocked":
        return 403, {"Content-Type": "application/json"}, b'{"meta":{"code":403,"error":{"type":"keyError","message":"Access denied"}}}'
    if request.path != f"/2.0/branches/{BRANCH}/reviews":
        return 404, {"Content-Type": "application/json"}, b'{"meta":{"code":404}}'
    if mode == "rate_limited" and not request.state.get("limited_once"):
        request.state["limited_once"] = True
        return 429, {"Retry-After": "1", "Content-Type": "application/json"}, b'{"meta":{"code":429}}'
    if mode == "slow" and request.query.get("offset", "0") != "0":
        time.sleep(30)
    if mode == "markup":
        return 200, {"Content-Type": "application/json"}, b'{"meta":{"code":200},"items":[]}'
    limit = min(int(request.query.get("limit", 50)), 50)
    offset = int(request.query.get("offset", 0))
    found = reviews(request.state.get("phase", 1))
    page = found[offset : offset + limit]
    meta = {
        "branch_rating": 4.1,
        "branch_reviews_count": len(found),
        "total_count": len(found),
        "providers": [{"tag": "2gis", "is_reviewable": True, "is_enabled": True}],
    }
    if offset + limit < len(found):
        query = dict(request.query, offset=str(offset + limit))
        meta["next_link"] = f"{request.base}/2.0/branches/{BRANCH}/reviews?{urlencode(query)}"
    body = json.dumps({"meta": meta, "reviews": page}, ensure_ascii=False).encode()
    return 200, {"Content-Type": "application/json; charset=utf-8"}, body
