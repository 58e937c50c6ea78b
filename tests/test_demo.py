"""`reputation demo`: its sources parse with our real spiders, its history loads once, its SMTP sink keeps mail.

The whole demo as a user starts it (children, dashboard, Ctrl-C) is tried by
.ci/demo-smoke, which needs more time than a unit test should take.
"""

import email
import email.policy
import smtplib
import socket
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from reputation import schema
from reputation.config import Smtp, load_config
from reputation.demo import pages
from reputation.demo.folder import DEMO_USER, DemoFolder, Ports
from reputation.demo.mailsink import MailSink
from reputation.demo.runner import DemoError, prepare_store, run_demo
from reputation.demo.server import DemoServer
from reputation.demo.world import HISTORY, KINDS, Item, World, fill_history
from reputation.mailer import send_message
from reputation.store import Store, open_store
from reputation.users import authenticate

HOSTILE = 'Ужас! <script>alert(1)</script> <img src=x onerror="alert(2)"> [клик](javascript:alert(3)) =HYPERLINK("x")'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def demo(tmp_path, database_url, monkeypatch):
    """A demo folder whose sources are served (at a clock the test moves), its config and world."""
    from tests.tiny_model import build_tiny_model

    monkeypatch.setenv("REPUTATION_DATABASE_URL", database_url)
    folder = DemoFolder(tmp_path / "demo")
    folder.prepare()
    world = World(folder.world)
    clock = Clock()
    fill_history(world, clock.now)
    server = DemoServer(world, clock=clock).start()
    folder.write_config(Ports(_free_port(), server.port, _free_port()), model=str(build_tiny_model(tmp_path / "model")))
    yield folder, world, clock
    server.stop()


def _crawl(folder: DemoFolder, *source_ids: str) -> dict:
    from scrapers import crawl

    config, path = load_config(folder.config)
    store = open_store(config, path)
    try:
        return {s: crawl(config, path, store, s, echo=lambda line: None, timeout_s=300) for s in source_ids}
    finally:
        store.close()


def _store(folder: DemoFolder) -> Store:
    config, path = load_config(folder.config)
    return open_store(config, path)


@pytest.mark.store
def test_history_is_crawled_scored_and_loaded_once(demo):
    folder, world, clock = demo
    lines = []
    prepare_store(folder, lines.append)
    store = _store(folder)
    reviews, replies, runs = schema.reviews, schema.replies, schema.crawl_runs
    try:
        with store.engine.connect() as db:
            by_source = dict(db.execute(select(reviews.c.source_id, func.count()).group_by(reviews.c.source_id)).all())
            oldest, newest = db.execute(select(func.min(reviews.c.published_at), func.max(reviews.c.published_at))).one()
            unscored = db.scalar(select(func.count()).where(reviews.c.needs_scoring.is_(True)))
            on_source = db.scalar(select(func.count()).select_from(replies).where(replies.c.channel == "source"))
            by_team = db.scalar(select(func.count()).select_from(replies).where(replies.c.channel == "public"))
            breached = db.scalar(select(func.count()).where(
                reviews.c.flagged.is_(True), reviews.c.status == "open", reviews.c.due_at < clock.now))
            queued = db.scalar(select(func.count()).select_from(schema.alert_outbox))
            crawled = db.scalar(select(func.count()).select_from(runs))
            sample = db.execute(select(reviews.c.text, reviews.c.rating).where(
                reviews.c.source_id == "2gis", reviews.c.external_id == str(world.items("2gis")[0].id))).one()
        # Every item the world published is stored: mention sources kept every tagged post.
        assert by_source == {"otzovik": len(world.items("otzovik")), "2gis": len(world.items("2gis")),
                             "vk": len(world.items("vk")), "telegram": len(world.items("telegram")),
                             "appstore": len(world.items("appstore")), "news": len(world.items("feed"))}
        assert clock.now - HISTORY - timedelta(minutes=1) <= oldest and newest <= clock.now
        assert newest - oldest > timedelta(days=6)
        assert sample.text == world.items("2gis")[0].text and sample.rating == world.items("2gis")[0].rating
        assert unscored == 0
        answered_on_source = [i for k in ("otzovik", "2gis") for i in world.items(k) if i.replied_by(clock.now)]
        assert on_source == len(answered_on_source) > 0
        assert by_team > 0 and breached > 0
        assert queued == 0, "a week of history is not announced by e-mail"
        assert crawled == len(KINDS)
        user = authenticate(store, DEMO_USER, folder.password()[0])
        assert user.role == "admin"
    finally:
        store.close()
    assert folder.history_loaded

    # A second start loads nothing again and keeps the same user and password.
    prepare_store(folder, lines.append)
    store = _store(folder)
    try:
        with store.engine.connect() as db:
            assert db.scalar(select(func.count()).select_from(runs)) == crawled
            assert db.scalar(select(func.count()).select_from(schema.users)) == 1
        assert authenticate(store, DEMO_USER, folder.password()[0]).name == DEMO_USER
    finally:
        store.close()

    # Live items: a new review, then the business's reply to it appearing later on the source.
    new = world.publish("otzovik", lambda item_id: Item(
        "otzovik", item_id, clock.now - timedelta(minutes=1), "guest", HOSTILE, "ru", "negative", title="Ужас",
        rating=1, reply_text="Разберёмся, простите!", reply_at=clock.now + timedelta(minutes=5)))
    post = world.publish("telegram", lambda item_id: Item(
        "telegram", item_id, clock.now - timedelta(seconds=5), "Гость", "Холодный кофе #зернотека", "ru", "negative"))
    first = _crawl(folder, "otzovik", "telegram")
    assert {s: (r.status, r.items_new, r.items_updated) for s, r in first.items()} == {
        "otzovik": ("ok", 1, 0), "telegram": ("ok", 1, 0)}
    clock.now += timedelta(minutes=10)
    again = _crawl(folder, "otzovik")["otzovik"]
    assert (again.status, again.items_new, again.items_updated) == ("ok", 0, 0)
    store = _store(folder)
    try:
        with store.engine.connect() as db:
            stored = db.execute(select(reviews).where(reviews.c.source_id == "otzovik",
                                                      reviews.c.external_id == str(new.id))).one()
            answer = db.execute(select(replies).where(replies.c.review_id == stored.id)).one()
            tagged = db.scalar(select(reviews.c.text).where(reviews.c.external_id == f"{pages.TELEGRAM_CHANNEL}/{post.id}"))
    finally:
        store.close()
    assert stored.text == HOSTILE  # typed markup is kept as text, to be escaped wherever it is shown
    assert stored.status == "answered" and answer.text == "Разберёмся, простите!"
    assert tagged == "Холодный кофе #зернотека"


def test_pages_escape_what_reviewers_type(tmp_path):
    world = World()
    now = datetime.now(timezone.utc)
    for source in ("otzovik", "telegram", "feed"):
        world.publish(source, lambda item_id: Item(source, item_id, now, '<b onmouseover="x">Eve</b>', HOSTILE, "ru",
                                                   "negative", title="<i>t</i>", rating=1))
    base = "http://127.0.0.1:1"
    for path in (f"/reviews/{pages.OTZOVIK_SLUG}/", f"/review_{KINDS['otzovik'].first_id}.html",
                 f"/s/{pages.TELEGRAM_CHANNEL}"):
        status, _, body = pages.route(world, path, {}, base, now)
        assert status == 200
        assert b"<script>" not in body and b"<img" not in body and b"<b onmouseover" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;".encode() in body
    status, _, feed = pages.route(world, "/news/rss.xml", {}, base, now)
    assert b"<script>" not in feed
    assert pages.route(world, "/nowhere", {}, base, now)[0] == 404


def test_world_is_kept_in_the_folder_and_continues(tmp_path):
    path = tmp_path / "world.jsonl"
    world = World(path)
    fill_history(world, datetime(2026, 11, 23, 12, tzinfo=timezone.utc))
    count, last = len(world), world.items("telegram")[-1]
    again = World(path)
    assert len(again) == count and again.items("telegram")[-1] == last
    item = again.publish("telegram", lambda item_id: Item("telegram", item_id, last.published, "a", "b", "en", "neutral"))
    assert item.id == last.id + 1
    assert World(path).items("telegram")[-1] == item
    # Every source has the demo's mix: all three languages and labels over the sources.
    items = [i for source in KINDS for i in World(path).items(source)]
    assert {i.language for i in items} == {"ru", "fi", "en"}
    assert {i.label for i in items} == {"negative", "neutral", "positive"}


def test_mail_sink_keeps_each_message_as_an_eml_file(tmp_path):
    arrived = []
    sink = MailSink(tmp_path / "mail", port=_free_port(), on_message=lambda path, message: arrived.append(path)).start()
    try:
        message = EmailMessage()
        message["From"], message["To"] = "reputation@zernoteka.example", "team@zernoteka.example"
        message["Subject"] = "Negative review · vk · Холодный кофе"
        message.set_content("Холодный кофе <script>")
        send_message(Smtp(host=sink.host, port=sink.port), message)
        with smtplib.SMTP(sink.host, sink.port) as client:
            client.send_message(message, to_addrs=["other@zernoteka.example"])
    finally:
        sink.stop()
    files = sorted((tmp_path / "mail").iterdir())
    assert [p.suffix for p in files] == [".eml", ".eml"] and files == sorted(arrived)
    kept = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert kept["Subject"] == "Negative review · vk · Холодный кофе"
    assert kept.get_content().strip() == "Холодный кофе <script>"


def test_demo_refuses_a_port_in_use(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        base = taken.getsockname()[1]
        with pytest.raises(DemoError, match=rf"port {base} .* in use.*--port-base"):
            run_demo(tmp_path / "demo", base)
    assert not (tmp_path / "demo").exists(), "nothing is written before the demo can start"


def test_demo_leaves_a_folder_with_another_config_alone(tmp_path):
    config = tmp_path / "reputation.yaml"
    config.write_text("company: {name: Кофемания}\n", encoding="utf-8")
    with pytest.raises(DemoError, match="did not write.*--folder"):
        run_demo(tmp_path, _free_port())
    assert config.read_text(encoding="utf-8") == "company: {name: Кофемания}\n"
