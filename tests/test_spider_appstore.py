from datetime import datetime, timezone

from reputation import schema
from tests.sites import appstore

SOURCE = "appstore-ru"
APP_LINK = f"https://itunes.apple.com/ru/review?id={appstore.APP_ID}&type=Purple%20Software"


def configure(crawls, app=appstore.APP_ID, country="ru", **extra):
    url = f"{crawls.server.url}/appstore/{country}/rss/customerreviews/id={app}/sortBy=mostRecent/json"
    crawls.configure({"id": SOURCE, "type": "appstore", "url": url, **extra})


def by_external_id(crawls):
    return {row.external_id: row for row in crawls.rows(schema.reviews)}


def feed_paths(crawls):
    return [path for path, _, _ in crawls.server.hits("/appstore/")]


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_first_crawl_reads_every_page_and_every_field(crawls):
    configure(crawls)
    run = crawls.crawl(SOURCE)
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 3, 101, 101, 0)

    reviews = by_external_id(crawls)
    assert len(reviews) == 101
    first = reviews[appstore.review_id(0)]
    assert first.text == "Заказываю капучино заранее через приложение Кофемании — забираю без очереди ☕ (#0)"
    assert (first.title, first.author, first.rating, first.language) == ("Удобно заказывать", "Анна С.", 5.0, "ru")
    assert first.url == APP_LINK
    # 09:41:12 -07:00 (Pacific daylight time)
    assert (first.published_at, first.published_approx) == (utc(2026, 3, 14, 16, 41, 12), False)
    markup = reviews[appstore.review_id(2)]
    assert markup.text == 'В истории заказов вместо десерта: <script>alert("Кофемания")</script> & цены «прыгают». (#2)'
    assert (markup.title, markup.author) == ("Странный <i>чек</i>", "Ольга <3")
    assert reviews[appstore.review_id(3)].language == "fi"
    # page 3 holds one review, served as an object; 00:41:12 -08:00 (Pacific standard time)
    alone = reviews[appstore.review_id(100)]
    assert alone.text == "Бонусы начисляются через раз.\nПоддержка отвечает неделю. (#100)"
    assert (alone.published_at, alone.rating) == (utc(2026, 2, 13, 8, 41, 12), 2.0)
    assert any("page 3: 1 found, 1 kept" in line for line in crawls.lines)
    # JSON pages built from the configured URL, numbered by rel=next, never Apple's XML hrefs
    assert feed_paths(crawls) == [
        f"/appstore/ru/rss/customerreviews/page={n}/id={appstore.APP_ID}/sortby=mostrecent/json" for n in (1, 2, 3)
    ]
    assert crawls.rows(schema.replies) == []


def test_second_crawl_adds_nothing_and_stops_at_the_first_known_page(crawls):
    configure(crawls)
    crawls.crawl(SOURCE)
    run = crawls.crawl(SOURCE)
    assert (run.status, run.items_new, run.items_updated, run.pages) == ("ok", 0, 0, 1)
    assert len(feed_paths(crawls)) == 4
    assert len(crawls.rows(schema.reviews)) == 101


def test_an_edited_review_moves_to_the_top_and_is_updated(crawls):
    configure(crawls)
    crawls.crawl(SOURCE)
    crawls.server.state["phase"] = 2
    run = crawls.crawl(SOURCE)
    assert (run.status, run.items_new, run.items_updated, run.pages) == ("ok", 1, 1, 2)

    reviews = by_external_id(crawls)
    assert len(reviews) == 102
    assert reviews[appstore.NEW_ID].text == "Не могу привязать карту, приложение Кофемании пишет «ошибка 500»."
    edited = reviews[appstore.review_id(4)]
    assert (edited.text, edited.rating) == ("Бонусы теперь начисляются правильно, спасибо за исправление! (#4)", 4.0)
    assert edited.needs_scoring is True
    [old] = crawls.rows(schema.review_versions, review_id=edited.id)
    assert (old.text, old.rating) == ("Бонусы начисляются через раз.\nПоддержка отвечает неделю. (#4)", 2.0)
    # the App Store feed shows no developer responses
    assert edited.status == "open" and crawls.rows(schema.replies) == []


def test_ten_full_pages_reach_apples_cap(crawls):
    configure(crawls, app=appstore.BIG_APP)
    run = crawls.crawl(SOURCE)
    assert (run.status, run.pages, run.items_new, run.errors) == ("capped", 10, 500, 0)
    assert "serves only 10 pages (500 reviews) per country" in run.error_detail
    assert [path.split("/")[5] for path in feed_paths(crawls)] == [f"page={n}" for n in range(1, 11)]


def test_backfill_limit_stops_before_the_cap(crawls):
    configure(crawls, app=appstore.BIG_APP, backfill=120)
    run = crawls.crawl(SOURCE)
    assert (run.status, run.pages, run.items_new, run.error_detail) == ("ok", 3, 120, None)


def test_a_country_without_reviews_is_ok_and_a_wrong_url_is_named(crawls):
    configure(crawls, app=appstore.EMPTY_APP, country="fi")
    run = crawls.crawl(SOURCE)
    assert (run.status, run.pages, run.items_new) == ("ok", 1, 0)
    assert feed_paths(crawls) == [f"/appstore/fi/rss/customerreviews/page=1/id={appstore.EMPTY_APP}/sortby=mostrecent/json"]

    crawls.configure({"id": SOURCE, "type": "appstore", "url": f"{crawls.server.url}/appstore/ru/app/kofemania/id{appstore.APP_ID}"})
    run = crawls.crawl(SOURCE)
    assert (run.status, run.pages) == ("failing", 0)
    assert "is not an App Store reviews feed" in run.error_detail
    assert len(feed_paths(crawls)) == 1


def test_a_403_is_blocked_and_json_without_a_feed_is_markup_changed(crawls):
    configure(crawls)
    crawls.server.state["appstore_mode"] = "forbidden"
    run = crawls.crawl(SOURCE)
    assert run.status == "blocked" and "HTTP 403" in run.error_detail and "page=1/" in run.error_detail

    crawls.server.state["appstore_mode"] = "markup"
    run = crawls.crawl(SOURCE)
    assert run.status == "markup_changed" and "no `feed` object in the JSON" in run.error_detail
    assert crawls.rows(schema.reviews) == []
    [source] = crawls.rows(schema.sources)
    assert (source.status, source.last_success_at) == ("markup_changed", None)
