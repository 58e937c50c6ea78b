"""Look-alike of otzovik.com: a company's review list and one page per review.

List pages `/reviews/kofemaniya/` and `/reviews/kofemaniya/{N}/` (10 reviews a
page, newest first) hold `div.review-list-chunk div.item[itemprop=review]`
teasers with the review URL in `meta[itemprop=url]`, the date in
`div.review-postdate[content]` (ISO with the Moscow offset) and the pager
`a.pager-item.next`; `/review_{id}.html` has the pros, cons, body and the
comment threads, where the business answers as login `kofemania_official`.

State: `phase` 2 publishes a new review, edits review 3's text and review 8's
rating, and adds a business reply to review 5. `otzovik_mode`: "captcha" answers every
page with the 507 captcha page, "captcha_reviews" only the review pages,
"markup" serves a redesigned list page, "empty" a company without reviews,
"bad_date" breaks review 4's date.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

SLUG = "kofemaniya"
TOTAL = 25
PAGE_SIZE = 10
MSK = timezone(timedelta(hours=3))
NEWEST = datetime(2026, 3, 14, 18, 45, 5, tzinfo=MSK)
OFFICIAL = "Kofemania_official"

# (login, title, rating, pros, cons, body HTML) by review number modulo 6.
TEMPLATES = [
    ("olga_k", "Лучший раф в городе", 5, "вкусный кофе, уютно", "цены",
     "<p>Заходим сюда с подругами по субботам. Раф на кокосовом молоке — 10 из 10 ☕</p>"
     "<p>Бариста Алексей помнит наш заказ.</p>"),
    ("dmitry_777", "Долго и невкусно", 1, "нет", "обслуживание, ожидание",
     "Ждали заказ 40 минут, официант нагрубил.<br>Больше не придём."),
    ("anna.smirnova", "Цены &laquo;московские&raquo;", 3, "расположение", "дорого",
     "Нормально. Цены &laquo;московские&raquo;, но вкусно. Сырники &amp; капучино — 900&nbsp;₽."),
    ("user7781", "Странный чек", 2, "быстро", "приложение",
     "В приложении чек выглядел так: &lt;script&gt;alert(&quot;Кофемания&quot;)&lt;/script&gt; 😡"),
    ("igor_m", "Great coffee in Moscow", 4, "Coffee", "Noisy",
     "Great flat white and friendly staff. Kofemania is my favourite place near the office."),
    ("marina_f", "Рекомендую!", 5, "десерты", "нет",
     "Персонал вежливый, десерты свежие. Рекомендую!"),
]


@dataclass
class Comment:
    login: str
    text: str
    at: datetime
    replies: list["Comment"] = field(default_factory=list)


@dataclass
class Review:
    id: int
    login: str
    title: str
    rating: int
    pros: str
    cons: str
    body: str
    at: datetime
    comments: list[Comment] = field(default_factory=list)


def review_id(n: int) -> int:
    return 16_000_100 - n


def _review(n: int, phase: int) -> Review:
    login, title, rating, pros, cons, body = TEMPLATES[n % len(TEMPLATES)]
    at = NEWEST - timedelta(hours=7 * n)
    review = Review(review_id(n), login, title, rating, pros, cons, f"{body} (отзыв {n})", at)
    if n == 3 and phase >= 2:
        review.body = "Чек исправили, менеджер извинился. Приложение всё ещё глючит. (отзыв 3)"
    if n == 8 and phase >= 2:
        review.rating = 4
    if n == 2:
        review.comments.append(Comment("ivan_p", "Согласен, цены кусаются.", at + timedelta(hours=1)))
    if n == 5:
        question = Comment("sergey_v", "А какой десерт брали?", at + timedelta(minutes=30))
        if phase >= 2:
            thanks = "Марина, спасибо за тёплые слова! Ждём вас снова 🙂"
            question.replies.append(Comment(OFFICIAL, thanks, at + timedelta(hours=2, minutes=10)))
        review.comments.append(question)
    if n == 7:
        review.comments.append(
            Comment(
                OFFICIAL,
                "Дмитрий, приносим извинения за ожидание.<br>Напишите нам на hello@kofemania.example.",
                at + timedelta(days=1, hours=3),
                [Comment("dmitry_777", "Спасибо, посмотрим.", at + timedelta(days=1, hours=5))],
            )
        )
    return review


def reviews(phase: int) -> list[Review]:
    found = [_review(n, phase) for n in range(TOTAL)]
    if phase >= 2:
        found.insert(
            0,
            Review(review_id(-1), "new_guest", "Без пенки", 2, "рядом с метро", "капучино",
                   "Капучино без пенки, грустно.", NEWEST + timedelta(hours=2)),
        )
    return found


def teaser(review: Review) -> str:
    """The list page's teaser: the body's plain text cut short, escaped again."""
    plain = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", review.body)).split())
    return html.escape(plain if len(plain) <= 60 else plain[:60].rstrip() + "...", quote=False)


def _count(comments: list[Comment]) -> int:
    return sum(1 + _count(c.replies) for c in comments)


PAGE_HEAD = """<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<title>{title}</title>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"page": "{kind}"}});</script>
</head>
<body>
<div id="header"><a class="logo" href="{root}/">Отзовик</a></div>
<div id="content">
"""
PAGE_FOOT = """</div>
<div id="footer">&copy; 2026 Отзовик</div>
</body>
</html>
"""


def _list_item(review: Review, base: str, root: str, mode: str | None) -> str:
    url = f"{root}/review_{review.id}.html"
    published = review.at.isoformat()
    if mode == "bad_date" and review.id == review_id(4):
        published = "2026-02-30T25:61:00+03:00"
    return f"""
<div class="item status4 mshow0" itemprop="review" itemscope itemtype="http://schema.org/Review">
 <meta itemprop="url" content="{base}/review_{review.id}.html">
 <div class="item-left">
  <div class="user-info">
   <div class="login-line"><a class="user-login" href="{root}/profile/{review.login}" itemprop="author" itemscope itemtype="http://schema.org/Person"><span itemprop="name">{review.login}</span></a></div>
   <div class="karma-line"><span class="karma">12</span></div>
  </div>
 </div>
 <div class="item-right">
  <div class="rating-score tooltip-right" title="Общий рейтинг"><span>{review.rating}</span></div>
  <div class="review-postdate" content="{published}"><span>{review.at:%d.%m.%Y}</span></div>
  <h3><a class="review-title" href="{url}" itemprop="name">{review.title}</a></h3>
  <div class="review-plus">Достоинства: {review.pros}</div>
  <div class="review-minus">Недостатки: {review.cons}</div>
  <div class="review-teaser" itemprop="description">{teaser(review)}</div>
  <div class="review-bar">
   <a class="review-btn review-comments tooltip-top" href="{url}#comments" title="Комментарии">{_count(review.comments)}</a>
   <a class="review-btn review-read-link" href="{url}">Читать весь отзыв</a>
  </div>
 </div>
</div>"""


def _pager(page: int, pages: int, root: str) -> str:
    def href(n: int) -> str:
        return f"{root}/reviews/{SLUG}/" + (f"{n}/" if n > 1 else "") + "?order=date_desc"

    links = [f'<a class="pager-item{" active" if n == page else ""}" href="{href(n)}">{n}</a>' for n in range(1, pages + 1)]
    if page < pages:
        links.append(f'<a class="pager-item next tooltip-top" href="{href(page + 1)}" title="Следующая">&raquo;</a>')
        links.append(f'<a class="pager-item last tooltip-top" href="{href(pages)}" title="Последняя">{pages}</a>')
    return '<div class="pager">' + " ".join(links) + "</div>"


def list_page(request, page: int) -> tuple[int, bytes]:
    base, root = request.base, urlsplit(request.base).path
    mode = request.state.get("otzovik_mode")
    found = [] if mode == "empty" else reviews(request.state.get("phase", 1))
    pages = max(1, -(-len(found) // PAGE_SIZE))
    if page > pages:
        return 404, b"<html><body><h1>404</h1></body></html>"
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    head = f"""<div class="product-header">
 <h1><span itemprop="name">Кофемания - сеть кофеен</span></h1>
 <div class="product-rating"><abbr class="rating" title="4.1">4,1</abbr></div>
 <span class="reviews-counter">Отзывов: <span class="votes">{len(found)}</span></span>
</div>
"""
    if mode == "markup":
        items = "".join(f'<article class="review-card" data-id="{r.id}"><p>{teaser(r)}</p></article>' for r in shown)
        listing = f'<section class="reviews-feed">{items}</section>'
    elif not shown:
        listing = '<div class="review-list-chunk"></div><div class="no-reviews">Отзывов пока нет. Будьте первым!</div>'
    else:
        items = "".join(_list_item(r, base, root, mode) for r in shown)
        listing = f'<div class="review-list-chunk">{items}</div>{_pager(page, pages, root)}'
    body = PAGE_HEAD.format(title="Кофемания - отзывы", kind="list", root=root) + head + listing + PAGE_FOOT
    return 200, body.encode()


def _comment(comment: Comment, root: str) -> str:
    nested = "".join(_comment(reply, root) for reply in comment.replies)
    return f"""
<div class="comment-thread">
 <div class="comment">
  <div class="comment-left"><img class="avatar" src="{root}/avatars/{comment.login}.jpg" alt=""></div>
  <div class="comment-right">
   <div class="comment-head"><a class="user-login" href="{root}/profile/{comment.login}"><span>{comment.login}</span></a>
    <span class="comment-date" content="{comment.at.isoformat()}">{comment.at:%d.%m.%Y %H:%M}</span></div>
   <div class="comment-body">{comment.text}</div>
  </div>
 </div>{nested}
</div>"""


def review_page(request, review: Review) -> bytes:
    root = urlsplit(request.base).path
    comments = "".join(_comment(c, root) for c in review.comments)
    body = f"""<div class="review-contents" itemscope itemtype="http://schema.org/Review">
 <h1><span class="summary" itemprop="name">Отзыв: Кофемания - сеть кофеен - {review.title}</span></h1>
 <div class="review-postdate dtreviewed" content="{review.at.isoformat()}">{review.at:%d.%m.%Y}</div>
 <div class="rating-score tooltip-right"><span>{review.rating}</span></div>
 <div class="review-plus"><b>Достоинства:</b> {review.pros}</div>
 <div class="review-minus"><b>Недостатки:</b> {review.cons}</div>
 <div class="review-body description" itemprop="description">{review.body}</div>
 <table class="product-props">
  <tr><td>Время использования:</td><td>несколько лет</td></tr>
  <tr><td>Стоимость:</td><td>900 руб.</td></tr>
  <tr><td>Общее впечатление:</td><td>{review.title}</td></tr>
  <tr><td>Рекомендую друзьям:</td><td>{"ДА" if review.rating >= 4 else "НЕТ"}</td></tr>
 </table>
</div>
<div id="comments-container"><h2>Комментарии ({_count(review.comments)})</h2>{comments}</div>
"""
    return (PAGE_HEAD.format(title=f"Отзыв: {review.title}", kind="review", root=root) + body + PAGE_FOOT).encode()


CAPTCHA_PAGE = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Отзовик</title></head>
<body>
<div class="captcha-box">
 <p>Мы зафиксировали подозрительную активность с вашего IP-адреса. Подтвердите, что вы не робот.</p>
 <form method="post" action="{root}/">
  <input type="hidden" name="captcha_url" value="{path}">
  <img id="captcha-img" src="{root}/scripts/captcha/index.php?rand=8317" alt="">
  <input type="text" name="keystring3" placeholder="Введите код с картинки" autocomplete="off">
  <input type="hidden" name="action_capcha_ban" value="1">
  <input type="submit" value="Отправить">
 </form>
</div>
</body></html>
"""

_LIST = re.compile(rf"^/reviews/{SLUG}/(?:(\d+)/)?$")
_REVIEW = re.compile(r"^/review_(\d+)\.html$")


def handle(request):
    html_type = {"Content-Type": "text/html; charset=utf-8"}
    mode = request.state.get("otzovik_mode")
    listed, reviewed = _LIST.match(request.path), _REVIEW.match(request.path)
    if mode == "captcha" or (mode == "captcha_reviews" and reviewed):
        root = urlsplit(request.base).path
        return 507, html_type, CAPTCHA_PAGE.format(root=root, path=request.path).encode()
    if listed:
        status, body = list_page(request, int(listed.group(1) or 1))
        return status, html_type, body
    if reviewed:
        for review in reviews(request.state.get("phase", 1)):
            if review.id == int(reviewed.group(1)):
                return 200, html_type, review_page(request, review)
    return 404, html_type, b"<html><body><h1>404</h1></body></html>"
