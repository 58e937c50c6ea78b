from datetime import datetime, timezone
from urllib.parse import parse_qs

from reputation import schema
from tests.sites import trustpilot

SOURCE = "trustpilot-main"


def configure(crawls, **extra):
    crawls.configure(
        {"id": SOURCE, "type": "trustpilot", "url": f"{crawls.server.url}/trustpilot/review/{trustpilot.DOMAIN}", **extra}
    )


def by_external_id(crawls):
    return {row.external_id: row for row in crawls.rows(schema.reviews)}


def pages_asked(crawls):
    return [parse_qs(query) for _, query, _ in crawls.server.hits("/trustpilot/review/")]


def test_first_crawl_reads_every_page_and_every_field(crawls):
    configure(crawls)
    run = crawls.crawl(SOURCE)
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 3, 45, 45, 0)

    reviews = by_external_id(crawls)
    assert len(reviews) == 45
    first = reviews[trustpilot.review_id(0)]
    assert first.text == "Кофемания на Кудринской — наш любимый завтрак ☕🥞\nБариста помнит заказ. (#0)"
    assert (first.title, first.author, first.rating, first.language) == ("Лучшие сырники в Москве", "Анна Смирнова", 5.0, "ru")
    assert first.url == f"{crawls.server.url}/trustpilot/reviews/{trustpilot.review_id(0)}"
    assert (first.published_at, first.published_approx) == (datetime(2026, 3, 14, 16, 20, 31, tzinfo=timezone.utc), False)
    # Next.js escapes <, > and & inside the JSON; the typed markup stays literal text
    joke = reviews[trustpilot.review_id(2)]
    assert joke.text == 'Пробовал вставить <script>alert("кофе")</script> в отзыв — шучу. Кофе & десерты отличные. (#2)'
    assert joke.title == "Шутка <b>в заголовке</b>"
    assert reviews[trustpilot.review_id(3)].language == "fi"
    assert reviews[trustpilot.review_id(44)].published_at == datetime(2026, 2, 26, 3, 36, 31, tzinfo=timezone.utc)
    assert crawls.rows(schema.replies) == []
    # newest first in every language, and no page past totalPages
    asked = pages_asked(crawls)
    assert [q["page"] for q in asked] == [["1"], ["2"], ["3"]]
    assert all(q["sort"] == ["recency"] and q["languages"] == ["all"] for q in asked)
    assert any("page 3: 5 found, 5 kept" in line for line in crawls.lines)


def test_second_crawl_adds_nothing_and_stops_at_the_first_known_page(crawls):
    configure(crawls)
    crawls.crawl(SOURCE)
    run = crawls.crawl(SOURCE)
    assert (run.status, run.items_new, run.items_updated, run.pages) == ("ok", 0, 0, 1)
    assert len(pages_asked(crawls)) == 4
    assert len(crawls.rows(schema.reviews)) == 45


def test_a_new_review_an_edit_and_a_later_company_reply(crawls):
    configure(crawls)
    crawls.crawl(SOURCE)
    crawls.server.state["phase"] = 2
    run = crawls.crawl(SOURCE)
    assert (run.status, run.items_new, run.items_updated, run.pages) == ("ok", 1, 1, 2)

    reviews = by_external_id(crawls)
    assert reviews[trustpilot.NEW_ID].text == "Новый отзыв: капучино без пенки, грустно."
    edited = reviews[trustpilot.review_id(4)]
    assert (edited.text, edited.rating) == (trustpilot.EDITED_TEXT + " (#4)", 4.0)
    assert edited.published_at == trustpilot.published(4)  # the edit keeps the first publication time
    [old] = crawls.rows(schema.review_versions, review_id=edited.id)
    assert (old.text, old.rating) == ("Сырники холодные, чек пробили дважды 😡 (#4)", 2.0)

    answered = reviews[trustpilot.review_id(1)]
    assert answered.status == "answered"
    # published 07:19:31 UTC, answered 3 h 5 min later
    assert answered.replied_at == datetime(2026, 3, 14, 10, 24, 31, tzinfo=timezone.utc)
    [reply] = crawls.rows(schema.replies, review_id=answered.id)
    assert (reply.channel, reply.text) == ("source", trustpilot.REPLY)


def test_backfill_limit_bounds_the_first_crawl(crawls):
    configure(crawls, backfill=30)
    run = crawls.crawl(SOURCE)
    assert (run.status, run.items_new, run.pages) == ("ok", 30, 2)
    assert len(pages_asked(crawls)) == 2


def test_without_total_pages_paging_stops_at_the_first_empty_page(crawls):
    configure(crawls)
    crawls.server.state["trustpilot_mode"] = "no_pagination"
    run = crawls.crawl(SOURCE)
    assert (run.status, run.items_new, run.pages) == ("ok", 45, 4)
    assert [q["page"] for q in pages_asked(crawls)] == [["1"], ["2"], ["3"], ["4"]]


def test_an_unreadable_review_is_counted_and_the_rest_are_kept(crawls):
    configure(crawls)
    crawls.server.state["trustpilot_mode"] = "bad_date"
    run = crawls.crawl(SOURCE)
    assert (run.status, run.items_new, run.errors, run.pages) == ("failing", 44, 1, 3)
    assert "unreadable item 8 on" in run.error_detail and "2026-13-45T25:00:00.000Z" in run.error_detail
    assert trustpilot.review_id(7) not in by_external_id(crawls)


def test_cloudflare_is_blocked_and_a_changed_page_is_markup_changed(crawls):
    configure(crawls)
    crawls.server.state["trustpilot_mode"] = "challenge"
    run = crawls.crawl(SOURCE)
    assert (run.status, run.pages) == ("blocked", 0)
    assert "HTTP 403: Cloudflare challenge" in run.error_detail and f"/review/{trustpilot.DOMAIN}?page=1" in run.error_detail

    crawls.server.state["trustpilot_mode"] = "app_router"
    run = crawls.crawl(SOURCE)
    assert run.status == "markup_changed" and "no script#__NEXT_DATA__::text on the page" in run.error_detail

    crawls.server.state["trustpilot_mode"] = "no_reviews"
    run = crawls.crawl(SOURCE)
    assert run.status == "markup_changed" and "no props.pageProps.reviews list" in run.error_detail
    assert crawls.rows(schema.reviews) == []
    [source] = crawls.rows(schema.sources)
    assert (source.status, source.last_success_at) == ("markup_changed", None)
