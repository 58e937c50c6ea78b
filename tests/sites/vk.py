"""Look-alike of the VK API (api.vk.com/method/{method}, v5.199), mounted as /vk/method/...

Everything answers HTTP 200 JSON: `{"response": {...}}`, or `{"error": {...}}`
with `error_code`, `error_msg` and `request_params` as VK sends them. Texts
come HTML-escaped as the API gives them, with inline links "[club12345|...]".

- `newsfeed.search`: ten posts (some name the company in inflected forms, some
  don't), honouring `start_time`, in pages of four joined by an opaque
  `next_from`; the first request for the second page ever seen answers error 6.
- `wall.get` / `wall.getComments` for community -12345: a pinned post and 120
  posts a day apart; four have comments (one has 130: two pages). Threads are
  inlined only when `thread_items_count` is asked for.

State: `phase` 2 publishes a new mention, edits post 2 and adds the
community's reply to comment B under post 1; `vk_mode` "captcha" answers
error 14, "auth" error 5, "flood" error 9 on every call, "markup" a response
without `items`. A token other than TOKEN answers error 5.
"""

import json
from datetime import datetime, timezone

TOKEN = "vk1.a.test-service-token"
GROUP_ID = 12345
OWNER = -GROUP_ID
SEARCH_NEWEST = int(datetime(2026, 3, 14, 15, 30, tzinfo=timezone.utc).timestamp())
WALL_NEWEST = int(datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc).timestamp())
SEARCH_PAGE = 4
DAY, MINUTE = 86400, 60

PEOPLE = {
    101: ("Анна", "Смирнова"),
    102: ("Дмитрий", "Ковалёв"),
    103: ("Matti", "Virtanen"),
    104: ("John", "Smith"),
    105: ("Ольга", "Кузнецова"),
}
GROUPS = {GROUP_ID: ("Кофемания", "kofemania"), 777: ("&quot;Москва — еда и кофе&quot;", "moscow_food")}

# (owner_id, from_id, text) of each search result, newest first.
SEARCH_POSTS = [
    (101, 101, "Вчера зашли в Кофеманию на Никитской — сырники 🔥"),
    (102, 102, "Кто знает, где в центре нормальный кофе? Всё забито."),
    (-777, -777, "В [club12345|Кофемании] опять очередь на полчаса 😡 &quot;Быстрое обслуживание&quot;, ага."),
    (104, 104, "Kofemania in Moscow: great flat white, slow service."),
    (105, 105, "Пишу код прямо в Кофемании: &lt;script&gt;alert('кофе')&lt;/script&gt; — шутка 😄"),
    (102, 102, "Сходили в кино, потом ужин дома."),
    (-777, 101, "Кофемания кафе на Пятницкой закрыто на ремонт?"),
    (105, 105, "Кофемания — дорого, но вкусно.\nДесерты свежие."),
    (101, 101, "Кофемана из меня не вышло: пью чай."),
    (103, 103, "Kofemaniassa Helsingissä? Ei, se on Moskovassa. Kahvi oli hyvää."),
]
EDITED_TEXT = "В [club12345|Кофемании] сегодня быстро, очередь разобрали за 5 минут 👍"
NEW_POST = (104, 104, "Tried Kofemania again, the cheesecakes are back.")


def _envelope(payload: dict) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(payload, ensure_ascii=False).encode()


def _error(code: int, message: str, request, method: str, **extra) -> tuple[int, dict, bytes]:
    params = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
    params += [{"key": k, "value": v} for k, v in request.query.items() if k != "access_token"]
    return _envelope({"error": {"error_code": code, "error_msg": message, "request_params": params, **extra}})


def _post(owner: int, from_id: int, post_id: int, date: int, text: str, comments: int = 0) -> dict:
    return {
        "inner_type": "wall_wallpost",
        "id": post_id,
        "owner_id": owner,
        "from_id": from_id,
        "date": date,
        "post_type": "post",
        "text": text,
        "marked_as_ads": 0,
        "attachments": [],
        "post_source": {"type": "vk"},
        "comments": {"can_post": 1, "count": comments, "groups_can_post": True},
        "likes": {"can_like": 1, "count": 3, "user_likes": 0},
        "reposts": {"count": 0, "user_reposted": 0},
        "views": {"count": 154},
        "hash": f"h{post_id}",
    }


def _extended(payload: dict, ids: set[int]) -> dict:
    payload["profiles"] = [
        {"id": i, "first_name": PEOPLE[i][0], "last_name": PEOPLE[i][1], "screen_name": f"id{i}", "can_access_closed": True}
        for i in sorted(ids) if i in PEOPLE
    ]
    payload["groups"] = [
        {"id": -i, "name": GROUPS[-i][0], "screen_name": GROUPS[-i][1], "is_closed": 0, "type": "page"}
        for i in sorted(ids) if -i in GROUPS
    ]
    return payload


def search_posts(phase: int) -> list[dict]:
    found = []
    for n, (owner, from_id, text) in enumerate(SEARCH_POSTS):
        post = _post(owner, from_id, 1000 + n, SEARCH_NEWEST - 20 * MINUTE * n, text)
        if phase >= 2 and n == 2:
            post.update(text=EDITED_TEXT, edited=SEARCH_NEWEST + 10 * MINUTE)
        found.append(post)
    if phase >= 2:
        owner, from_id, text = NEW_POST
        found.insert(0, _post(owner, from_id, 2000, SEARCH_NEWEST + 30 * MINUTE, text))
    return found


def _search(request):
    posts = [p for p in search_posts(request.state.get("phase", 1)) if p["date"] >= int(request.query.get("start_time", 0))]
    start = int(request.query.get("start_from", "0/").split("/")[0])
    if start == SEARCH_PAGE and not request.state.get("vk_limited_once"):
        request.state["vk_limited_once"] = True
        return _error(6, "Too many requests per second", request, "newsfeed.search")
    page = posts[start : start + SEARCH_PAGE]
    payload = {"items": page, "count": len(page), "total_count": len(posts)}
    if start + SEARCH_PAGE < len(posts):
        last = posts[start + SEARCH_PAGE - 1]
        payload["next_from"] = f"{start + SEARCH_PAGE}/5_{last['owner_id']}_{last['id']}"
    return _envelope({"response": _extended(payload, {p["from_id"] for p in page})})


# Wall: post n (0 = newest) has id 9000 - n; comments under posts 0, 1, 50 and 110.
WALL_POSTS = 120
PINNED_ID = 42


def _comment(post_id: int, comment_id: int, from_id: int, date: int, text: str, **extra) -> dict:
    return {"id": comment_id, "from_id": from_id, "date": date, "text": text, "post_id": post_id,
            "owner_id": OWNER, "parents_stack": [], "likes": {"can_like": 1, "count": 0}, **extra}


def _reply(post_id, comment_id, from_id, date, text, parent, to=None):
    """A thread item; `to` = (comment id, its author) when it answers a particular comment."""
    reply = _comment(post_id, comment_id, from_id, date, text, parents_stack=[parent])
    if to:
        reply.update(reply_to_comment=to[0], reply_to_user=to[1])
    return reply


def _thread(items: list[dict]) -> dict:
    return {"count": len(items), "items": items, "can_post": True, "show_reply_button": True, "groups_can_post": True}


def comments(post_id: int, phase: int) -> list[dict]:
    """Top-level comments, newest first, each with its whole thread."""
    n = 9000 - post_id
    posted = WALL_NEWEST - n * DAY
    if n == 0:
        cycle = ["Капучино как всегда отличный ☕", "Почему закрыли летнюю веранду?", "Спасибо за акцию!"]
        return [
            _comment(post_id, 30000 + k, 101 + k % 5, posted + (130 - k) * MINUTE, f"{cycle[k % 3]} ({k})", thread=_thread([]))
            for k in range(130)
        ]
    if n == 1:
        a = _comment(post_id, 31001, 102, posted + 2 * 3600, "Заказ ждали 40 минут, официант нагрубил. Куда смотрит [club12345|Кофемания]?")
        b = _comment(post_id, 31002, 105, posted + 3 * 3600, "Сырники холодные &amp; чек пробили дважды 😡")
        a_thread = [
            _reply(post_id, 31010, OWNER, posted + 5 * 3600, "[id102|Дмитрий], простите нас! Разберёмся с управляющим.", 31001),
            _reply(post_id, 31011, 101, posted + 6 * 3600, "[id102|Дмитрий], у меня было так же", 31001, to=(31001, 102)),
        ]
        b_thread = []
        if phase >= 2:
            b_thread.append(
                _reply(post_id, 31020, OWNER, posted + 30 * 3600, "[id105|Ольга], вернули деньги за второй чек, извините!", 31002, to=(31002, 105))
            )
        deleted = {"id": 31003, "from_id": 0, "date": posted + 4 * 3600, "text": "", "deleted": True, "post_id": post_id, "owner_id": OWNER}
        a["thread"], b["thread"], deleted["thread"] = _thread(a_thread), _thread(b_thread), _thread([])
        return [deleted, b, a]
    if n == 50:
        return [
            _comment(post_id, 32002, 104, posted + 7200, "Great place, English menu available.", thread=_thread([])),
            _comment(post_id, 32001, 103, posted + 3600, "Kahvi oli hyvää, palvelu hidasta.", thread=_thread([])),
        ]
    if n == 110:
        return [_comment(post_id, 33001, -777, posted + 600, "Рекомендуем подписчикам!", thread=_thread([]))]
    return []


def wall_posts() -> list[dict]:
    pinned = _post(OWNER, OWNER, PINNED_ID, WALL_NEWEST - 400 * DAY, "Правила сообщества: будьте вежливы.")
    pinned["is_pinned"] = 1
    posts = [pinned]
    for n in range(WALL_POSTS):
        post_id = 9000 - n
        posts.append(_post(OWNER, OWNER, post_id, WALL_NEWEST - n * DAY, f"Новинка недели №{n} в Кофемании ☕",
                           comments=sum(1 + c["thread"]["count"] for c in comments(post_id, 2))))
    return posts


def _wall(request):
    if int(request.query.get("owner_id", 0)) != OWNER:
        return _error(100, "One of the parameters specified was missing or invalid: owner_id is undefined", request, "wall.get")
    offset, count = int(request.query.get("offset", 0)), min(int(request.query.get("count", 20)), 100)
    posts = wall_posts()
    page = posts[offset : offset + count]
    return _envelope({"response": _extended({"count": len(posts), "items": page}, {OWNER})})


def _comments(request):
    post_id = int(request.query.get("post_id", 0))
    top = comments(post_id, request.state.get("phase", 1))
    offset, count = int(request.query.get("offset", 0)), min(int(request.query.get("count", 10)), 100)
    threads = min(int(request.query.get("thread_items_count", 0)), 10)
    page = []
    for comment in top[offset : offset + count]:
        comment = dict(comment)
        if "thread" in comment:
            comment["thread"] = dict(comment["thread"], items=comment["thread"]["items"][:threads])
        page.append(comment)
    ids = {c["from_id"] for c in page} | {r["from_id"] for c in page for r in c.get("thread", {}).get("items", [])}
    total = sum(1 + c.get("thread", {}).get("count", 0) for c in top)
    payload = {"count": total, "current_level_count": len(top), "can_post": True, "show_reply_button": True,
               "groups_can_post": True, "items": page}
    return _envelope({"response": _extended(payload, ids)})


METHODS = {"newsfeed.search": _search, "wall.get": _wall, "wall.getComments": _comments}


def handle(request):
    method = request.path.removeprefix("/method/")
    if method not in METHODS:
        return _error(3, "Unknown method passed", request, method)
    mode = request.state.get("vk_mode")
    if mode == "auth" or request.query.get("access_token") != TOKEN:
        return _error(5, "User authorization failed: invalid access_token (4).", request, method)
    if mode == "captcha":
        return _error(14, "Captcha needed", request, method, captcha_sid="839201744512",
                      captcha_img="https://api.vk.com/captcha.php?sid=839201744512&s=1")
    if mode == "flood":
        return _error(9, "Flood control", request, method)
    if mode == "markup":
        return _envelope({"response": {"count": 0, "posts": []}})
    return METHODS[method](request)
