from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest

from reputation import schema
from tests.sites import vk

SEARCH_ID, WALL_ID = "vk-mentions", "vk-community"


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("VK_TOKEN", vk.TOKEN)


def configure(crawls, query, source_id=SEARCH_ID, **extra):
    crawls.configure(
        {"id": source_id, "type": "vk", "url": f"{crawls.server.url}/vk/method", "query": query, "token_env": "VK_TOKEN", **extra}
    )


def by_external_id(crawls):
    return {row.external_id: row for row in crawls.rows(schema.reviews)}


def calls(crawls, method):
    path = f"/vk/method/{method}"
    return [parse_qs(query) for hit, query, _ in crawls.server.hits(path) if hit == path]


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_search_mentions_paging_retry_second_crawl_and_edit(crawls):
    configure(crawls, "Кофемания")
    run = crawls.crawl(SEARCH_ID)
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 3, 7, 7, 0)

    reviews = by_external_id(crawls)
    # "Кофеманию", "[club…|Кофемании]", "Kofemania", "Кофемания кафе", "Kofemaniassa"; not "Кофемана", not unrelated posts
    assert sorted(reviews) == ["-777_1002", "-777_1006", "101_1000", "103_1009", "104_1003", "105_1004", "105_1007"]
    first = reviews["101_1000"]
    assert first.text == "Вчера зашли в Кофеманию на Никитской — сырники 🔥"
    assert (first.author, first.rating, first.language) == ("Анна Смирнова", None, "ru")
    assert first.url == "https://vk.com/wall101_1000"
    assert (first.published_at, first.published_approx) == (utc(2026, 3, 14, 15, 30), False)
    community_post = reviews["-777_1002"]
    assert community_post.text == 'В Кофемании опять очередь на полчаса 😡 "Быстрое обслуживание", ага.'
    assert community_post.author == '"Москва — еда и кофе"'
    assert community_post.published_at == utc(2026, 3, 14, 14, 50)
    assert reviews["-777_1006"].author == "Анна Смирнова"  # a person posting in a community
    assert reviews["105_1004"].text == "Пишу код прямо в Кофемании: <script>alert('кофе')</script> — шутка 😄"
    assert reviews["105_1007"].text == "Кофемания — дорого, но вкусно.\nДесерты свежие."
    assert reviews["103_1009"].language == "fi"

    searches = calls(crawls, "newsfeed.search")
    assert [s.get("start_from") for s in searches] == [None, ["4/5_104_1003"], ["4/5_104_1003"], ["8/5_105_1007"]]
    assert all(s["q"] == ["Кофемания"] and s["count"] == ["200"] and s["v"] == ["5.199"] for s in searches)
    assert "start_time" not in searches[0]
    assert any("VK error 6 (Too many requests per second) on newsfeed.search: retrying in 1s" in line for line in crawls.lines)
    assert not any(vk.TOKEN in line for line in crawls.lines)

    # a second crawl asks only from the newest stored post (15:30 UTC) less the one-hour overlap, and adds nothing
    run = crawls.crawl(SEARCH_ID)
    assert (run.status, run.pages, run.items_new, run.items_updated) == ("ok", 1, 0, 0)
    assert [s["start_time"] for s in calls(crawls, "newsfeed.search")[4:]] == [[str(int(utc(2026, 3, 14, 14, 30).timestamp()))]]

    # a new mention and an edited post
    crawls.server.state["phase"] = 2
    run = crawls.crawl(SEARCH_ID)
    assert (run.status, run.pages, run.items_new, run.items_updated) == ("ok", 2, 1, 1)
    reviews = by_external_id(crawls)
    new = reviews["104_2000"]
    assert (new.text, new.author, new.language) == ("Tried Kofemania again, the cheesecakes are back.", "John Smith", "en")
    assert new.published_at == utc(2026, 3, 14, 16, 0)
    edited = reviews["-777_1002"]
    assert edited.text == "В Кофемании сегодня быстро, очередь разобрали за 5 минут 👍"
    [old] = crawls.rows(schema.review_versions, review_id=edited.id)
    assert old.text == 'В Кофемании опять очередь на полчаса 😡 "Быстрое обслуживание", ага.'


def test_wall_comments_replies_second_crawl_and_a_later_reply(crawls):
    configure(crawls, f"wall:{vk.OWNER}", WALL_ID)
    run = crawls.crawl(WALL_ID)
    assert (run.status, run.pages, run.items_seen, run.items_new, run.errors) == ("ok", 5, 136, 136, 0)

    walls = calls(crawls, "wall.get")
    assert [(w["owner_id"], w["offset"], w["count"]) for w in walls] == [(["-12345"], ["0"], ["100"]), (["-12345"], ["100"], ["100"])]
    asked = [(c["post_id"][0], c["offset"][0], c["sort"][0], c["thread_items_count"][0]) for c in calls(crawls, "wall.getComments")]
    assert sorted(asked) == [("8890", "0", "desc", "10"), ("8950", "0", "desc", "10"), ("8999", "0", "desc", "10"),
                             ("9000", "0", "desc", "10"), ("9000", "100", "desc", "10")]

    reviews = by_external_id(crawls)
    assert len([key for key in reviews if key.startswith("-12345_9000_")]) == 130
    # neither the community's own reply nor the deleted comment is a review
    assert "-12345_8999_31010" not in reviews and "-12345_8999_31003" not in reviews
    complaint = reviews["-12345_8999_31001"]
    assert complaint.text == "Заказ ждали 40 минут, официант нагрубил. Куда смотрит Кофемания?"
    assert complaint.author == "Дмитрий Ковалёв"
    assert complaint.url == "https://vk.com/wall-12345_8999?reply=31001"
    assert (complaint.published_at, complaint.published_approx) == (utc(2026, 3, 9, 11, 0), False)
    assert (complaint.status, complaint.replied_at) == ("answered", utc(2026, 3, 9, 14, 0))
    [reply] = crawls.rows(schema.replies, review_id=complaint.id)
    assert (reply.channel, reply.text) == ("source", "Дмитрий, простите нас! Разберёмся с управляющим.")
    in_thread = reviews["-12345_8999_31011"]
    assert (in_thread.text, in_thread.author, in_thread.replied_at) == ("Дмитрий, у меня было так же", "Анна Смирнова", None)
    assert reviews["-12345_8999_31002"].text == "Сырники холодные & чек пробили дважды 😡"
    assert reviews["-12345_8890_33001"].author == '"Москва — еда и кофе"'

    # a second crawl rereads only posts of the last 30 days before the newest comment, and adds nothing
    walls, comments = len(calls(crawls, "wall.get")), len(calls(crawls, "wall.getComments"))
    run = crawls.crawl(WALL_ID)
    assert (run.status, run.pages, run.items_new, run.items_updated) == ("ok", 2, 0, 0)
    assert len(calls(crawls, "wall.get")) == walls + 1
    assert sorted(c["post_id"][0] for c in calls(crawls, "wall.getComments")[comments:]) == ["8999", "9000"]
    assert by_external_id(crawls)["-12345_8999_31002"].status != "answered"

    # the community answers comment B
    crawls.server.state["phase"] = 2
    run = crawls.crawl(WALL_ID)
    assert (run.status, run.items_new, run.items_updated) == ("ok", 0, 0)
    answered = by_external_id(crawls)["-12345_8999_31002"]
    assert (answered.status, answered.replied_at) == ("answered", utc(2026, 3, 10, 15, 0))
    [reply] = crawls.rows(schema.replies, review_id=answered.id)
    assert reply.text == "Ольга, вернули деньги за второй чек, извините!"


def test_captcha_is_blocked_and_the_token_never_shows(crawls):
    configure(crawls, "Кофемания")
    crawls.server.state["vk_mode"] = "captcha"
    run = crawls.crawl(SEARCH_ID)
    assert run.status == "blocked" and "VK error 14: Captcha needed" in run.error_detail
    assert "newsfeed.search?q=" in run.error_detail and "access_token" not in run.error_detail
    [source] = crawls.rows(schema.sources)
    assert (source.status, source.last_success_at) == ("blocked", None)


def test_failed_authorization_is_failing_with_a_clear_detail(crawls):
    configure(crawls, f"wall:{vk.OWNER}", WALL_ID)
    crawls.server.state["vk_mode"] = "auth"
    run = crawls.crawl(WALL_ID)
    assert run.status == "failing" and run.errors == 1
    assert run.error_detail == (
        "VK error 5: authorization failed (User authorization failed: invalid access_token (4).); check the token in $VK_TOKEN"
    )


def test_flood_control_that_persists_is_counted_after_three_attempts(crawls):
    configure(crawls, "Кофемания")
    crawls.server.state["vk_mode"] = "flood"
    run = crawls.crawl(SEARCH_ID)
    assert (run.status, run.errors) == ("failing", 1)
    assert run.error_detail == "VK error 9 (Flood control) on newsfeed.search persisted after 3 attempts"
    assert len(calls(crawls, "newsfeed.search")) == 3


def test_changed_json_is_markup_changed_and_a_bad_wall_query_is_named(crawls):
    configure(crawls, "Кофемания")
    crawls.server.state["vk_mode"] = "markup"
    run = crawls.crawl(SEARCH_ID)
    assert run.status == "markup_changed" and "no `response.items` list" in run.error_detail
    assert run.items_seen == 0

    configure(crawls, "wall:12345", WALL_ID)
    run = crawls.crawl(WALL_ID)
    assert run.status == "failing"
    assert run.error_detail == "query 'wall:12345': write the community wall as wall:-<community id>, e.g. wall:-12345"
