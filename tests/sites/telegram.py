"""Look-alike of Telegram's public channel preview, t.me/s/{channel}.

Shaped as the real page: `div.tgme_channel_info` beside `section.tgme_channel_history`,
posts `div.tgme_widget_message[data-post="{channel}/{id}"]` oldest at the top,
text in `div.tgme_widget_message_text.js-message_text` (HTML with `<br/>`, links,
emoji in `<i class="emoji">`), a reply's quote in `a.tgme_widget_message_reply`,
the footer's `a.tgme_widget_message_date` with `time[datetime]` in UTC. A page
holds PAGE_SIZE posts; `a.tme_messages_more[data-before]` at the top leads to the
older ones (`?before={id}`), `[data-after]` at the bottom of an older page back
to the newer ones.

Channels: `kofemania` (the company's own), `moscow_eats` (a city channel that
mentions it now and then; its newest page mentions nothing), `kofemania_spb`
(no posts yet), `closed_club` (no public preview: /s/closed_club redirects to
/closed_club). State: `phase` 2 edits post 212 of `kofemania` and publishes post
215; `telegram_mode` "markup" serves a redesigned page without the known classes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

PAGE_SIZE = 5
START = datetime(2026, 3, 2, 7, 0, tzinfo=timezone.utc)

EMOJI_HEART = (
    "<i class=\"emoji\" style=\"background-image:url('//telegram.org/img/emoji/40/E29DA4.png')\"><b>❤️</b></i>"
)

# id -> (text HTML or None for a photo without caption, extras)
OWN_POSTS = {
    201: "Доброе утро! Кофемания открыта с 8:00 &#9749;",
    202: "Осеннее меню уже в кафе: тыквенный латте и пирог с грушей.",
    203: "Мы ищем бариста в команду на Кудринской.<br/>Пишите: <a href=\"mailto:job@kofemania.ru\">job@kofemania.ru</a>",
    204: "Завтраки до 16:00 по будням.",
    205: "Спасибо, что выбираете нас! " + EMOJI_HEART,
    206: "Новое кафе на Патриарших: открытие в субботу.",
    207: "Рецепт сырников от шефа &mdash; в карточках.",
    208: "Kofemania now accepts international cards.",
    209: "Живая музыка в пятницу вечером.",
    210: "Кофе с собой &minus;15% до конца недели.",
    211: "Дегустация новых зёрен из Эфиопии.",
    212: "Летняя веранда закрывается 1 октября.",
    213: "Кофемания на Никольской работает круглосуточно.",
    214: "Мы стали лучше: новое меню десертов &laquo;Павлова&raquo;.",
}
EDITED_212 = "Летняя веранда закрывается 15 октября: продлили из-за тёплой погоды!"
NEW_215 = "Открыли предзаказ тортов на Новый год 🎄"

MENTION_POSTS = {
    1001: "Где поесть пасту в центре: пять мест.",
    1002: "Kofemanian uusi kahvila avattiin Helsingissä — käytiin testaamassa.",
    1003: "Рынок на Даниловском обновил фуд-корт.",
    1004: "Зашли в Кофеманию на Пушкинской: сырники отличные, сервис медленный.",
    1005: "Топ-10 бургерных Москвы.",
    1006: "Новые веранды на Чистых прудах.",
    1007: (
        "Обзор: завтрак в &quot;Кофемании&quot; за 1&nbsp;500 ₽ — дорого, но вкусно "
        + EMOJI_HEART
        + "<br/>Меню: <a href=\"https://kofemania.ru/menu\" target=\"_blank\" rel=\"noopener\">kofemania.ru/menu</a>"
        + "<br/>P.S. кто-то написал в отзыве &lt;script&gt;alert(1)&lt;/script&gt; — смешно"
    ),
    1008: None,
    1009: "Kofemania at Patriarshiye: the flat white was burnt &amp; the staff ignored us. Not again.",
    1010: "Согласны, очередь там всегда длинная.",
    1011: "Ресторан недели: «Белуга».",
    1012: "Где выпить какао: подборка.",
    1013: "Открылся новый гастробар на Маросейке.",
    1014: "Фестиваль уличной еды в Парке Горького.",
    1015: "Лучшие пекарни спальных районов.",
}
SIGNATURES = {1007: "Анна Петрова", 1009: "Mark"}
REPLIES = {1010: 1007}  # post id -> the post it answers (quoted in the reply block)


def posted_at(post_id: int) -> datetime:
    """Posts every six hours, the first of each channel at START."""
    return START + timedelta(hours=6 * (post_id % 100 if post_id < 1000 else post_id - 1000))


def posts(channel: str, phase: int) -> dict[int, str | None]:
    if channel == "moscow_eats":
        return MENTION_POSTS
    found = dict(OWN_POSTS)
    if phase >= 2:
        found[212] = EDITED_212
        found[215] = NEW_215
    return found


CHANNELS = {"kofemania": "Кофемания", "moscow_eats": "Москва ест", "kofemania_spb": "Кофемания СПб"}


def _post(channel: str, title: str, post_id: int, text: str | None, phase: int) -> str:
    stamp = posted_at(post_id)
    quoted = REPLIES.get(post_id)
    reply = (
        f'<a class="tgme_widget_message_reply" href="https://t.me/{channel}/{quoted}">'
        f'<div class="tgme_widget_message_author accent_color"><span class="tgme_widget_message_author_name" dir="auto">{title}</span></div>'
        f'<div class="tgme_widget_message_text js-message_reply_text" dir="auto">{MENTION_POSTS[quoted][:60]}</div></a>'
        if quoted
        else ""
    )
    body = (
        f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>'
        if text is not None
        else f'<a class="tgme_widget_message_photo_wrap" href="https://t.me/{channel}/{post_id}" '
        "style=\"width:800px;background-image:url('https://cdn4.telesco.pe/file/photo.jpg')\"></a>"
    )
    signature = SIGNATURES.get(post_id)
    signed = f'<span class="tgme_widget_message_from_author" dir="auto">{signature}</span>&nbsp;' if signature else ""
    edited = "edited " if (phase >= 2 and post_id == 212) else ""
    return f"""
<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{channel}/{post_id}" data-view="eyJjIjotMTAwMTIzNDU2Nzg5LCJwIjoxfQ">
  <div class="tgme_widget_message_user"><a href="https://t.me/{channel}"><i class="tgme_widget_message_user_photo bgcolor3" data-content="К"><img src="https://cdn4.telesco.pe/file/avatar.jpg"></i></a></div>
  <div class="tgme_widget_message_bubble">
    <i class="tgme_widget_message_bubble_tail"><svg class="bubble_icon" width="9px" height="20px" viewBox="0 0 9 20"></svg></i>
    <div class="tgme_widget_message_author accent_color"><a class="tgme_widget_message_owner_name" href="https://t.me/{channel}"><span dir="auto">{title}</span></a></div>
    {reply}{body}
    <div class="tgme_widget_message_footer compact js-message_footer">
      <div class="tgme_widget_message_info short js-message_info">
        <span class="tgme_widget_message_views">{1 + post_id % 9}.{post_id % 10}K</span><span class="copyonly"> views</span><span class="tgme_widget_message_meta">{signed}{edited}<a class="tgme_widget_message_date" href="https://t.me/{channel}/{post_id}"><time datetime="{stamp.isoformat()}" class="time">{stamp:%H:%M}</time></a></span>
      </div>
    </div>
  </div>
</div></div>"""


def _page(channel: str, title: str, ids: list[int], found: dict, phase: int, older: bool, newer: bool) -> str:
    more = (
        f'<div class="tme_messages_more_wrap"><a href="/s/{channel}?before={ids[0]}" class="tme_messages_more js-messages_more" data-before="{ids[0]}"></a></div>'
        if older
        else ""
    )
    less = (
        f'<div class="tme_messages_more_wrap"><a href="/s/{channel}?after={ids[-1]}" class="tme_messages_more js-messages_more" data-after="{ids[-1]}"></a></div>'
        if newer
        else ""
    )
    history = "".join(_post(channel, title, i, found[i], phase) for i in ids)
    return f"""<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8">
    <title>{title} – Telegram</title>
    <meta property="og:title" content="{title}">
    <meta property="og:url" content="https://t.me/s/{channel}">
    <link href="//telegram.org/css/widget-frame.css?72" rel="stylesheet">
    <script>window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)');</script>
  </head>
  <body class="widget_frame_base tgme_webpage_body">
    <header class="tgme_header search_collapsed"><div class="tgme_header_search"><form class="tgme_header_search_form" action="/s/{channel}" method="get"><input class="tgme_header_search_form_input js-header_search" placeholder="Search" name="q" autocomplete="off"></form></div></header>
    <main class="tgme_main"><div class="tgme_container">
      <section class="tgme_right_column"><div class="tgme_channel_info">
        <div class="tgme_channel_info_header"><i class="tgme_page_photo_image bgcolor3" data-content="К"><img src="https://cdn4.telesco.pe/file/avatar.jpg"></i>
          <div class="tgme_channel_info_header_title"><span dir="auto">{title}</span></div>
          <div class="tgme_channel_info_header_username"><a href="https://t.me/{channel}">@{channel}</a></div></div>
        <div class="tgme_channel_info_description">Кофе, еда и новости &amp; события</div>
        <div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter"><span class="counter_value">12.4K</span> <span class="counter_type">subscribers</span></div>
          <div class="tgme_channel_info_counter"><span class="counter_value">{len(found)}</span> <span class="counter_type">links</span></div></div>
      </div></section>
      <section class="tgme_channel_history js-message_history">{more}{history}{less}</section>
    </div></main>
  </body>
</html>"""


NO_PREVIEW = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Telegram: Contact @closed_club</title>
<meta property="og:title" content="Closed Club"></head>
<body class="no_transition"><div class="tgme_page_wrap"><div class="tgme_body_wrap"><div class="tgme_page">
  <div class="tgme_page_photo"><a href="tg://resolve?domain=closed_club"><img class="tgme_page_photo_image" src="https://cdn4.telesco.pe/file/club.jpg"></a></div>
  <div class="tgme_page_title"><span dir="auto">Closed Club</span></div>
  <div class="tgme_page_extra">1 204 subscribers</div>
  <div class="tgme_page_description">Закрытый клуб любителей кофе</div>
  <div class="tgme_page_action"><a class="tgme_action_button_new shine" href="tg://resolve?domain=closed_club">View in Telegram</a></div>
</div></div></div></body></html>"""

REDESIGNED = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Кофемания – Telegram</title></head>
<body><main class="tg-channel"><aside class="tg-channel-card"><h1>Кофемания</h1></aside>
<section class="tg-feed"><article class="tg-post" data-id="kofemania/214"><p>Мы стали лучше: новое меню десертов.</p>
<time datetime="2026-03-05T13:00:00+00:00">13:00</time></article></section></main></body></html>"""


def _html(status: int, text: str, extra: dict | None = None):
    return status, {"Content-Type": "text/html; charset=utf-8", **(extra or {})}, text.encode()


def handle(request):
    phase = request.state.get("phase", 1)
    if request.path == "/s/closed_club":
        return _html(302, "", {"Location": f"{request.base}/closed_club"})
    if request.path == "/closed_club":
        return _html(200, NO_PREVIEW)
    channel = request.path.removeprefix("/s/")
    if not request.path.startswith("/s/") or channel not in CHANNELS:
        return _html(404, "<html><body>Not found</body></html>")
    if request.state.get("telegram_mode") == "markup":
        return _html(200, REDESIGNED)
    found = posts(channel, phase) if channel != "kofemania_spb" else {}
    ids = sorted(found)
    if "before" in request.query:
        ids = [i for i in ids if i < int(request.query["before"])]
    shown = ids[-PAGE_SIZE:]
    older = bool(shown) and shown[0] > min(found)
    newer = bool(shown) and shown[-1] < max(found)
    return _html(200, _page(channel, CHANNELS[channel], shown, found, phase, older, newer))
