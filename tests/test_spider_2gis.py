from datetime import datetime, timedelta, timezone

from reputation import schema
from tests.sites import twogis


def configure(crawls, **extra):
    crawls.configure(
        {"id": "2gis-main", "type": "2gis", "url": f"{crawls.server.url}/twogis/2.0/branches/{twogis.BRANCH}/reviews", **extra}
    )


def by_external_id(crawls):
    return {row.external_id: row for row in crawls.rows(schema.reviews)}


def test_first_crawl_reads_every_page_and_every_field(crawls):
    configure(crawls)
    run = crawls.crawl("2gis-main")
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 3, 120, 120, 0)

    reviews = by_external_id(crawls)
    assert len(reviews) == 120
    first = reviews["14000001"]
    assert first.text == "Ждали заказ 40 минут, официант нагрубил. Больше не придём. (отзыв 1)"
    assert first.author == "Дмитрий"
    assert first.rating == 1.0
    assert first.language == "ru"
    assert first.url == f"https://2gis.ru/firm/{twogis.BRANCH}/tab/reviews"
    # 2026-03-14 13:45:05.106444 +07:00 is 06:45:05.106444 UTC
    assert first.published_at == datetime(2026, 3, 14, 6, 45, 5, 106444, tzinfo=timezone.utc)
    assert first.published_approx is False
    assert reviews["14000002"].text == "Нормально. Цены «московские», но вкусно. (отзыв 2)"
    # plain text from JSON: what the author typed stays, markup-like or not
    assert reviews["14000004"].text == "Уютно, хороший Wi-Fi, работала тут весь день. <script>alert(1)</script> <b>не жирный</b> (отзыв 4)"
    # the newest first, and the pages asked for by the absolute next_link
    offsets = [q for path, q, _ in crawls.server.hits("/twogis/2.0/branches")]
    assert ["offset=50" in q for q in offsets] == [False, True, False]
    assert "offset=100" in offsets[2]
    assert any("page 3: 20 found, 20 kept" in line for line in crawls.lines)


def test_second_crawl_adds_nothing_and_stops_at_the_first_known_page(crawls):
    configure(crawls)
    crawls.crawl("2gis-main")
    before = len(crawls.server.hits("/twogis/"))
    run = crawls.crawl("2gis-main")
    assert (run.status, run.items_new, run.items_updated, run.pages) == ("ok", 0, 0, 1)
    assert len(crawls.server.hits("/twogis/")) == before + 1
    assert len(crawls.rows(schema.reviews)) == 120


def test_edits_new_reviews_and_a_later_business_reply(crawls):
    configure(crawls)
    crawls.crawl("2gis-main")
    crawls.server.state["phase"] = 2
    run = crawls.crawl("2gis-main")
    assert (run.status, run.items_new, run.items_updated) == ("ok", 1, 1)

    reviews = by_external_id(crawls)
    assert reviews["14999999"].text == "Новый отзыв: капучино без пенки, грустно."
    edited = reviews["14000003"]
    assert edited.text.startswith("Сырники холодные, но менеджер всё исправил") and edited.rating == 4.0
    assert edited.needs_scoring is True
    [old] = crawls.rows(schema.review_versions, review_id=edited.id)
    assert old.text == "Сырники холодные, чек пробили дважды 😡 (отзыв 3)" and old.rating == 2.0

    answered = reviews["14000005"]
    expected_reply = twogis.NEWEST.astimezone(timezone.utc) - timedelta(hours=25) + timedelta(minutes=50)
    assert answered.replied_at == expected_reply
    assert answered.status == "answered"
    [reply] = crawls.rows(schema.replies, review_id=answered.id)
    assert (reply.channel, reply.text) == ("source", "Спасибо, что написали! Передали бариста.")


def test_backfill_limit_bounds_the_first_crawl(crawls):
    configure(crawls, backfill=60)
    run = crawls.crawl("2gis-main")
    assert (run.items_new, run.pages) == (60, 2)


def test_a_ban_is_blocked_and_changed_json_is_markup_changed_never_zero_reviews(crawls):
    configure(crawls)
    crawls.server.state["twogis_mode"] = "blocked"
    run = crawls.crawl("2gis-main")
    assert run.status == "blocked" and "HTTP 403" in run.error_detail
    crawls.server.state["twogis_mode"] = "markup"
    run = crawls.crawl("2gis-main")
    assert run.status == "markup_changed" and "no `reviews` list" in run.error_detail
    [source] = crawls.rows(schema.sources)
    assert (source.status, source.last_success_at) == ("markup_changed", None)
