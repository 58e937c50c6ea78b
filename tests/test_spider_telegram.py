from datetime import datetime, timezone

from reputation import schema
from tests.sites import telegram


def configure(crawls, channel, **extra):
    url = f"{crawls.server.url}/telegram/s/{channel}"
    crawls.configure({"id": f"tg-{channel}", "type": "telegram", "url": url, **extra})


def by_external_id(crawls):
    return {row.external_id: row for row in crawls.rows(schema.reviews)}


def pages_asked(crawls, channel):
    return [query for path, query, _ in crawls.server.hits(f"/telegram/s/{channel}")]


def test_a_mention_channel_keeps_only_mentions_and_a_second_crawl_stops_at_once(crawls):
    configure(crawls, "moscow_eats")
    run = crawls.crawl("tg-moscow_eats")
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 3, 4, 4, 0)
    # newest page first, then older ones by data-before; the page without a mention did not stop the paging
    assert pages_asked(crawls, "moscow_eats") == ["", "before=1011", "before=1006"]

    posts = by_external_id(crawls)
    # 1010 only quotes a mention in its reply block; 1008 is a photo without caption
    assert sorted(posts) == ["moscow_eats/1002", "moscow_eats/1004", "moscow_eats/1007", "moscow_eats/1009"]
    review = posts["moscow_eats/1007"]
    assert review.text == (
        'Обзор: завтрак в "Кофемании" за 1 500 ₽ — дорого, но вкусно ❤️\n'
        "Меню: kofemania.ru/menu\n"
        "P.S. кто-то написал в отзыве <script>alert(1)</script> — смешно"
    )
    assert review.author == "Анна Петрова"
    assert review.url == "https://t.me/moscow_eats/1007"
    assert review.language == "ru"
    # START + 7 × 6 h, printed as 2026-03-04T01:00:00+00:00
    assert review.published_at == datetime(2026, 3, 4, 1, 0, tzinfo=timezone.utc)
    assert review.published_approx is False
    assert review.rating is None and review.status == "open"
    assert posts["moscow_eats/1002"].author == "Москва ест"  # no signature: the channel's name
    assert posts["moscow_eats/1002"].language == "fi"
    assert posts["moscow_eats/1009"].text.endswith("burnt & the staff ignored us. Not again.")
    assert any("page 2: 4 found, 2 kept" in line for line in crawls.lines)

    # A second crawl: the newest page mentions nothing and its posts predate the first crawl.
    run = crawls.crawl("tg-moscow_eats")
    assert (run.status, run.pages, run.items_new, run.items_updated) == ("ok", 1, 0, 0)
    assert pages_asked(crawls, "moscow_eats") == ["", "before=1011", "before=1006", ""]
    assert len(crawls.rows(schema.reviews)) == 4


def test_the_own_channel_keeps_every_post_and_records_edits(crawls):
    configure(crawls, "kofemania", query="own")
    run = crawls.crawl("tg-kofemania")
    assert (run.status, run.pages, run.items_new) == ("ok", 3, 14)
    posts = by_external_id(crawls)
    assert posts["kofemania/203"].text == (
        "Мы ищем бариста в команду на Кудринской.\nПишите: job@kofemania.ru"
    )
    assert posts["kofemania/205"].text == "Спасибо, что выбираете нас! ❤️"
    assert posts["kofemania/214"].author == "Кофемания"

    run = crawls.crawl("tg-kofemania")
    assert (run.status, run.pages, run.items_new, run.items_updated) == ("ok", 1, 0, 0)

    crawls.server.state["phase"] = 2
    run = crawls.crawl("tg-kofemania")
    # page 1 holds the new and the edited post, page 2 only known ones
    assert (run.status, run.pages, run.items_new, run.items_updated) == ("ok", 2, 1, 1)
    posts = by_external_id(crawls)
    assert posts["kofemania/215"].text == telegram.NEW_215
    edited = posts["kofemania/212"]
    assert edited.text == telegram.EDITED_212 and edited.needs_scoring is True
    [old] = crawls.rows(schema.review_versions, review_id=edited.id)
    assert old.text == "Летняя веранда закрывается 1 октября."


def test_backfill_limit_keeps_the_newest_posts(crawls):
    configure(crawls, "kofemania", query="own", backfill=7)
    run = crawls.crawl("tg-kofemania")
    assert (run.status, run.pages, run.items_new) == ("ok", 2, 7)
    assert sorted(by_external_id(crawls)) == [f"kofemania/{n}" for n in range(208, 215)]


def test_no_preview_is_failing_an_empty_channel_is_ok_and_new_markup_is_markup_changed(crawls):
    configure(crawls, "closed_club")
    run = crawls.crawl("tg-closed_club")
    assert run.status == "failing" and run.errors == 1
    assert "channel has no public preview" in run.error_detail and "/telegram/closed_club" in run.error_detail

    configure(crawls, "kofemania_spb")
    run = crawls.crawl("tg-kofemania_spb")
    assert (run.status, run.pages, run.items_seen, run.error_detail) == ("ok", 1, 0, None)

    configure(crawls, "kofemania", query="own")
    crawls.server.state["telegram_mode"] = "markup"
    run = crawls.crawl("tg-kofemania")
    assert run.status == "markup_changed"
    assert "/telegram/s/kofemania" in run.error_detail and "no posts" in run.error_detail
    [source] = crawls.rows(schema.sources, id="tg-kofemania")
    assert (source.status, source.last_success_at) == ("markup_changed", None)
