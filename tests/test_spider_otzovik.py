from datetime import datetime, timedelta, timezone

from reputation import schema
from tests.sites import otzovik
from tests.sites.otzovik import review_id

UTC = timezone.utc


def configure(crawls, **extra):
    crawls.configure(
        {
            "id": "otzovik",
            "type": "otzovik",
            "url": f"{crawls.server.url}/otzovik/reviews/{otzovik.SLUG}/",
            "reply_authors": ["kofemania_official"],
            **extra,
        }
    )


def by_external_id(crawls):
    return {row.external_id: row for row in crawls.rows(schema.reviews)}


def review_hits(crawls):
    return sorted(int(path.split("_")[1].split(".")[0]) for path, _, _ in crawls.server.hits("/otzovik/review_"))


def list_hits(crawls):
    return [(path, query) for path, query, _ in crawls.server.hits("/otzovik/reviews/")]


def test_first_crawl_reads_every_list_page_review_page_and_business_reply(crawls):
    configure(crawls)
    run = crawls.crawl("otzovik")
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 3 + 25, 25, 25, 0)
    # newest first, and the pager's next link followed
    assert list_hits(crawls) == [
        ("/otzovik/reviews/kofemaniya/", "order=date_desc"),
        ("/otzovik/reviews/kofemaniya/2/", "order=date_desc"),
        ("/otzovik/reviews/kofemaniya/3/", "order=date_desc"),
    ]
    assert review_hits(crawls) == sorted(review_id(n) for n in range(25))

    reviews = by_external_id(crawls)
    assert len(reviews) == 25
    first = reviews[str(review_id(1))]
    assert first.text == (
        "Достоинства: нет\nНедостатки: обслуживание, ожидание\n"
        "Ждали заказ 40 минут, официант нагрубил.\nБольше не придём. (отзыв 1)"
    )
    assert (first.author, first.title, first.rating, first.language) == ("dmitry_777", "Долго и невкусно", 1.0, "ru")
    assert first.url == f"{crawls.server.url}/otzovik/review_{review_id(1)}.html"
    # 2026-03-14 11:45:05 +03:00 is 08:45:05 UTC
    assert first.published_at == datetime(2026, 3, 14, 8, 45, 5, tzinfo=UTC)
    assert first.published_approx is False
    assert (first.status, first.replied_at) == ("open", None)

    entities = reviews[str(review_id(2))]
    assert entities.title == "Цены «московские»"
    assert entities.text.endswith("Нормально. Цены «московские», но вкусно. Сырники & капучино — 900 ₽. (отзыв 2)")
    script = reviews[str(review_id(3))]
    assert script.text.endswith('В приложении чек выглядел так: <script>alert("Кофемания")</script> 😡 (отзыв 3)')
    paragraphs = reviews[str(review_id(6))].text
    assert paragraphs.endswith("Раф на кокосовом молоке — 10 из 10 ☕\nБариста Алексей помнит наш заказ.\n(отзыв 6)")
    assert reviews[str(review_id(4))].language == "en"

    # the business's comment (login matched case-insensitively) is the reply
    answered = reviews[str(review_id(7))]
    # 2026-03-14 15:45:05 UTC - 49 h + 1 day 3 h
    assert answered.replied_at == datetime(2026, 3, 13, 17, 45, 5, tzinfo=UTC)
    assert answered.status == "answered"
    [reply] = crawls.rows(schema.replies, review_id=answered.id)
    assert reply.channel == "source"
    assert reply.text == "Дмитрий, приносим извинения за ожидание.\nНапишите нам на hello@kofemania.example."
    # a customer's comment is not
    assert reviews[str(review_id(2))].replied_at is None
    assert len(crawls.rows(schema.replies)) == 1


def test_recrawls_stop_at_the_first_known_page_and_pick_up_news_edits_and_replies(crawls):
    configure(crawls)
    crawls.crawl("otzovik")
    lists, pages = len(list_hits(crawls)), len(crawls.server.hits("/otzovik/review_"))
    run = crawls.crawl("otzovik")
    assert (run.status, run.items_new, run.items_updated) == ("ok", 0, 0)
    assert list_hits(crawls)[lists:] == [("/otzovik/reviews/kofemaniya/", "order=date_desc")]
    # only the stored reviews with comments and no business reply yet are read again
    again = [path for path, _, _ in crawls.server.hits("/otzovik/review_")[pages:]]
    assert sorted(again) == sorted(f"/otzovik/review_{review_id(n)}.html" for n in (2, 5))
    assert any("list page 1: 10 found, 0 new or changed, 2 rechecked for a reply" in line for line in crawls.lines)
    assert len(crawls.rows(schema.reviews)) == 25

    crawls.server.state["phase"] = 2
    lists = len(list_hits(crawls))
    before = crawls.server.hits("/otzovik/review_")
    run = crawls.crawl("otzovik")
    assert (run.status, run.items_new, run.items_updated) == ("ok", 1, 2)
    # page 1 held news, page 2 (shifted by the new review) only known ones
    assert [path for path, _ in list_hits(crawls)[lists:]] == [
        "/otzovik/reviews/kofemaniya/",
        "/otzovik/reviews/kofemaniya/2/",
    ]
    fetched = sorted(path for path, _, _ in crawls.server.hits("/otzovik/review_")[len(before):])
    assert fetched == sorted(f"/otzovik/review_{review_id(n)}.html" for n in (-1, 2, 3, 5, 8))

    reviews = by_external_id(crawls)
    new = reviews[str(review_id(-1))]
    assert new.text == "Достоинства: рядом с метро\nНедостатки: капучино\nКапучино без пенки, грустно."
    assert new.published_at == datetime(2026, 3, 14, 17, 45, 5, tzinfo=UTC)
    # an edited text shows as a changed teaser, an edited rating as a changed score on the list page
    edited = reviews[str(review_id(3))]
    assert edited.text.endswith("Чек исправили, менеджер извинился. Приложение всё ещё глючит. (отзыв 3)")
    assert (edited.rating, edited.needs_scoring) == (2.0, True)
    [old] = crawls.rows(schema.review_versions, review_id=edited.id)
    assert old.text.endswith("<script>alert(\"Кофемания\")</script> 😡 (отзыв 3)")
    rerated = reviews[str(review_id(8))]
    assert rerated.rating == 4.0
    [old] = crawls.rows(schema.review_versions, review_id=rerated.id)
    assert (old.rating, old.text) == (3.0, rerated.text)

    answered = reviews[str(review_id(5))]
    assert answered.status == "answered"
    assert answered.replied_at == otzovik.NEWEST.astimezone(UTC) - timedelta(hours=35) + timedelta(hours=2, minutes=10)
    [reply] = crawls.rows(schema.replies, review_id=answered.id)
    assert reply.text == "Марина, спасибо за тёплые слова! Ждём вас снова 🙂"


def test_backfill_limit_bounds_review_pages_and_list_pages(crawls):
    configure(crawls, backfill=12, reply_authors=[])
    run = crawls.crawl("otzovik")
    assert (run.status, run.items_new, run.items_seen) == ("ok", 12, 12)
    assert [path for path, _ in list_hits(crawls)] == ["/otzovik/reviews/kofemaniya/", "/otzovik/reviews/kofemaniya/2/"]
    assert review_hits(crawls) == sorted(review_id(n) for n in range(12))
    # without reply_authors a known page needs no review page at all
    run = crawls.crawl("otzovik")
    assert (run.status, run.pages, run.items_new, run.items_seen) == ("ok", 1, 0, 0)
    assert len(review_hits(crawls)) == 12


def test_captcha_is_blocked_never_zero_reviews(crawls):
    configure(crawls)
    crawls.server.state["otzovik_mode"] = "captcha"
    run = crawls.crawl("otzovik")
    assert (run.status, run.items_new) == ("blocked", 0)
    first_page = f"{crawls.server.url}/otzovik/reviews/kofemaniya/?order=date_desc"
    assert run.error_detail == f"blocked at {first_page} (HTTP 507: captcha or ban page)"
    crawls.server.state["otzovik_mode"] = "captcha_reviews"
    run = crawls.crawl("otzovik")
    assert (run.status, run.items_new) == ("blocked", 0)
    assert "/otzovik/review_" in run.error_detail and "HTTP 507" in run.error_detail


def test_changed_list_markup_is_markup_changed_but_an_empty_company_is_ok(crawls):
    configure(crawls)
    crawls.server.state["otzovik_mode"] = "markup"
    run = crawls.crawl("otzovik")
    assert run.status == "markup_changed"
    assert run.error_detail == (
        f"markup changed at {crawls.server.url}/otzovik/reviews/kofemaniya/?order=date_desc: "
        "no review items (div.review-list-chunk div.item[itemprop=review])"
    )
    crawls.server.state["otzovik_mode"] = "empty"
    run = crawls.crawl("otzovik")
    assert (run.status, run.pages, run.items_new, run.error_detail) == ("ok", 1, 0, None)


def test_an_unreadable_review_is_counted_and_the_rest_are_stored(crawls):
    configure(crawls)
    crawls.server.state["otzovik_mode"] = "bad_date"
    run = crawls.crawl("otzovik")
    assert (run.status, run.items_new, run.errors) == ("failing", 24, 1)
    assert f"unreadable item 1 on {crawls.server.url}/otzovik/review_{review_id(4)}.html" in run.error_detail
    assert "2026-02-30T25:61:00+03:00" in run.error_detail
    assert str(review_id(4)) not in by_external_id(crawls)
