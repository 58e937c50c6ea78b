from datetime import datetime, timezone

from reputation import schema
from tests.sites import feed


def configure(crawls, path, source_id="alerts"):
    crawls.configure({"id": source_id, "type": "feed", "url": f"{crawls.server.url}/feed{path}"})


def by_external_id(crawls):
    return {row.external_id: row for row in crawls.rows(schema.reviews)}


def test_google_alerts_entries_are_unwrapped_cleaned_and_updated(crawls):
    configure(crawls, feed.ALERTS_PATH)
    run = crawls.crawl("alerts")
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 1, 3, 3, 0)
    assert any("page 1: 4 found, 3 kept" in line for line in crawls.lines)

    entries = by_external_id(crawls)
    # "Кофе-мания" is not the company
    assert sorted(entries) == ["11651723452336271035", "3418843002197741529", "9082231156612904417"]
    opened = entries["11651723452336271035"]
    assert opened.text == (
        "Кофемания открыла кафе на Патриарших прудах\n"
        "Сеть Кофемания открыла 30-е кафе в Москве: завтраки весь день, веранда на 40 мест & десерты ..."
    )
    assert opened.url == feed.PATRIKI  # out of google.com/url, its own query intact
    assert opened.published_at == datetime(2026, 3, 12, 8, 15, tzinfo=timezone.utc)
    assert opened.published_approx is False
    assert (opened.author, opened.rating, opened.language) == (None, None, "ru")
    # <b> escaped twice ends as plain text too
    review = entries["3418843002197741529"]
    assert review.text == (
        "Kofemania Moscow review: great syrniki, slow service\n"
        "We waited 25 minutes at Kofemania on Nikolskaya, but the syrniki were worth it ..."
    )
    assert review.url == "https://travel-notes.example.com/moscow/kofemania"
    # the real <script> is gone, the one the snippet shows stays literal text;
    # a javascript: link is no link
    hostile = entries["9082231156612904417"]
    assert hostile.text == (
        "Отзывы о Кофемании: «пересолили суп»\n"
        "Гость пишет: суп в Кофемании пересолен, а в поле отзыва кто-то вставил <script>alert(1)</script> ..."
    )
    assert hostile.url is None

    run = crawls.crawl("alerts")
    assert (run.status, run.items_new, run.items_updated) == ("ok", 0, 0)

    crawls.server.state["phase"] = 2
    run = crawls.crawl("alerts")
    assert (run.status, run.items_new, run.items_updated) == ("ok", 1, 1)
    entries = by_external_id(crawls)
    finnish = entries["7788990011223344556"]
    assert finnish.text.startswith(
        "Moskovalainen Kofemania avaa kahvilan Helsinkiin\nVenäläinen kahvilaketju Kofemania"
    )
    assert finnish.language == "fi"
    updated = entries["11651723452336271035"]
    assert "веранда на 60 мест" in updated.text and updated.needs_scoring is True
    [old] = crawls.rows(schema.review_versions, review_id=updated.id)
    assert "веранда на 40 мест" in old.text


def test_rss_items_with_rfc822_dates(crawls):
    configure(crawls, feed.RSS_PATH, source_id="vm-food")
    run = crawls.crawl("vm-food")
    assert (run.status, run.items_seen, run.items_new, run.errors) == ("ok", 3, 3, 0)

    items = by_external_id(crawls)
    link_only = "https://vm-food.example.ru/news/2026/03/12/kofemania-vacancies"
    assert sorted(items) == [link_only, "vm-food-48213", "vm-food-48220"]  # the shawarma item is dropped
    prices = items["vm-food-48213"]
    assert prices.text == (
        "Кофемания подняла цены на капучино\n"
        "Сеть кафе «Кофемания» с 1 марта подняла цены на капучино на 10%.\n"
        "Подробности — в материале."
    )
    assert prices.author == "Ирина Соколова"
    assert prices.url == "https://vm-food.example.ru/news/2026/03/10/kofemania-ceny"
    assert prices.published_at == datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)  # "GMT"
    assert prices.published_approx is False
    complaints = items["vm-food-48220"]
    assert complaints.url is None  # javascript:void(0)
    assert complaints.published_at == datetime(2026, 3, 11, 6, 30, tzinfo=timezone.utc)  # 09:30 +0300
    # "-0000": UTC, not the company's Moscow time
    assert items[link_only].published_at == datetime(2026, 3, 12, 10, 0, tzinfo=timezone.utc)
    assert items[link_only].url == link_only and items[link_only].author is None


def test_an_html_page_is_markup_changed_a_403_blocked_and_an_empty_alert_ok(crawls):
    configure(crawls, feed.RSS_PATH, source_id="vm-food")
    crawls.server.state["feed_mode"] = "html"
    run = crawls.crawl("vm-food")
    assert run.status == "markup_changed"
    assert "not an RSS 2.0 or Atom feed (root element <html>)" in run.error_detail
    assert feed.RSS_PATH in run.error_detail

    crawls.server.state["feed_mode"] = "blocked"
    run = crawls.crawl("vm-food")
    assert run.status == "blocked" and "HTTP 403" in run.error_detail

    configure(crawls, feed.ALERTS_PATH)
    crawls.server.state["feed_mode"] = "empty"
    run = crawls.crawl("alerts")
    assert (run.status, run.pages, run.items_seen, run.error_detail) == ("ok", 1, 0, None)
    assert crawls.rows(schema.reviews) == []


def test_a_windows_1251_feed_is_read_in_its_own_encoding(crawls):
    configure(crawls, feed.LEGACY_PATH, source_id="tula")
    run = crawls.crawl("tula")
    assert (run.status, run.items_new) == ("ok", 1)
    [item] = crawls.rows(schema.reviews)
    assert item.text == (
        "В Туле открылась «Кофемания»\n"
        "Первое кафе сети — на Советской улице. Ёлки, щи и сырники — всё как в Москве."
    )
    assert item.published_at == datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc)
