"""The dashboard's pages and actions through Streamlit's AppTest (the real app script, a real SQLite store)."""

import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from reputation import inbox, schema
from reputation.store import Store, utcnow
from reputation.users import set_disabled, set_role
from tests.dashboard_data import HOSTILE_TEXT, PASSWORD, seed_inbox, seed_users
from tests.tiny_model import REPLY_EXAMPLES, build_tiny_model

APP = str(Path(__file__).parents[1] / "dashboard" / "app.py")


class Dashboard:
    def __init__(self, folder: Path, template: Path):
        shutil.copy(template, folder / "reputation.db")
        self.store = Store.open(f"sqlite:///{folder / 'reputation.db'}")
        self.ids = seed_inbox(self.store, now=utcnow())

    def open(self) -> AppTest:
        return AppTest.from_file(APP, default_timeout=60).run()

    def login(self, name: str) -> AppTest:
        app = self.open()
        app.text_input(key="login_name").input(name)
        app.text_input(key="login_password").input(PASSWORD)
        app.button[0].click().run()
        assert not app.exception, app.exception
        return app


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated database with the users, copied for each test (hashing passwords takes a while)."""
    path = tmp_path_factory.mktemp("template") / "reputation.db"
    store = Store.open(f"sqlite:///{path}")
    seed_users(store)
    store.close()
    return path


@pytest.fixture
def dashboard(tmp_path, monkeypatch, template):
    config = tmp_path / "reputation.yaml"
    config.write_text(
        "company: {name: Кофемания, timezone: Europe/Moscow}\n"
        f"database_url: sqlite:///{tmp_path / 'reputation.db'}\n"
        "dashboard: {session_ttl: 1h}\n"
        "sources:\n"
        "  - {id: otzovik, type: otzovik, url: 'http://127.0.0.1:9/otzovik', crawl_delay: 0}\n"
        "  - {id: vk, type: vk, query: Кофемания}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("REPUTATION_CONFIG", str(config))
    board = Dashboard(tmp_path, template)
    yield board
    board.store.close()


def texts(app) -> list[str]:
    return [e.value for e in app.text]


def everything_shown(app) -> str:
    parts = [e.value for kind in ("title", "text", "markdown", "caption", "error", "info", "success", "warning") for e in getattr(app, kind)]
    return "\n".join(str(p) for p in parts)


def test_an_anonymous_visitor_sees_only_the_login(dashboard):
    app = dashboard.open()
    assert [t.value for t in app.title] == ["Reputation monitor"]
    assert [w.label for w in app.text_input] == ["Name / Имя", "Password / Пароль"]
    shown = everything_shown(app)
    assert "Холодный кофе" not in shown and "Inbox" not in shown and "otzovik" not in shown
    app.text_input(key="login_name").input("resp")
    app.text_input(key="login_password").input("not the password")
    app.button[0].click().run()
    assert "Wrong name or password" in app.error[0].value
    assert [t.value for t in app.title] == ["Reputation monitor"]


def test_the_inbox_lists_flagged_reviews_by_deadline_with_coloured_countdowns(dashboard):
    app = dashboard.login("resp")
    assert app.title[0].value == "Inbox / Входящие · 3"
    order = [c.value.split(" ")[0] for c in app.caption if c.value.startswith("\\#")]
    ids = dashboard.ids
    assert order == [f"\\#{ids['overdue']}", f"\\#{ids['hostile']}", f"\\#{ids['later']}"]
    countdowns = [m.value for m in app.markdown if ":material/timer:" in m.value]
    assert countdowns[0].startswith(":red-background[:material/timer: overdue by 1 h")
    assert countdowns[1].startswith(":orange-background[:material/timer: 4 min left") or countdowns[1].startswith(":orange-background[:material/timer: 5 min left")
    assert countdowns[2].startswith(":green-background[:material/timer: 21 h") or countdowns[2].startswith(":green-background[:material/timer: 22 h")
    assert "Прекрасный сырник" not in texts(app)


def test_hostile_review_data_is_shown_as_plain_text_and_only_http_links_open(dashboard):
    app = dashboard.login("resp")
    assert HOSTILE_TEXT in texts(app)
    assert "Author / Автор: =HYPERLINK(\"http://x\")" in texts(app)
    # CR/LF in a name cannot fake a new line; a javascript: URL stays text.
    assert "Author / Автор: Пётр Injected: header" in texts(app)
    assert "Link (not a web address, not opened): javascript:alert(1)" in texts(app)
    links = [b.proto.url for b in app.get("link_button")]
    assert links == ["https://otzovik.com/review_2.html", "https://otzovik.com/review_1.html"]
    for element in (*app.markdown, *app.caption):
        assert "<img" not in element.value and "<script" not in element.value and "](javascript" not in element.value


def test_a_responder_records_a_reply_and_the_review_leaves_the_inbox(dashboard):
    app = dashboard.login("resp")
    review_id = dashboard.ids["overdue"]
    app.text_area(key=f"reply_text_{review_id}").input("Пётр, простите! Напишите нам в личные сообщения.")
    app.selectbox(key=f"reply_where_{review_id}").select("private")
    app.button(key=f"do_reply_{review_id}").click().run()
    assert "Reply recorded" in app.success[0].value
    assert app.title[0].value == "Inbox / Входящие · 2"
    row = inbox.review(dashboard.store.engine, review_id)
    replies, log = inbox.history(dashboard.store.engine, review_id)
    assert row.status == "answered"
    assert [(r.channel, r.recorded_by, r.text) for r in replies] == [("private", "resp", "Пётр, простите! Напишите нам в личные сообщения.")]
    assert [(e.user_name, e.action) for e in log] == [("resp", "reply")]
    # An empty reply is refused with the reason, and nothing is recorded.
    other = dashboard.ids["later"]
    app.button(key=f"do_reply_{other}").click().run()
    assert "reply text is empty" in app.error[0].value
    assert inbox.history(dashboard.store.engine, other) == ([], [])


def test_assign_label_resolve_spam_and_not_ours_from_the_page(dashboard):
    app = dashboard.login("admin")
    ids = dashboard.ids
    app.selectbox(key=f"assignee_{ids['later']}").select("resp")
    app.button(key=f"do_assign_{ids['later']}").click().run()
    assert "Assigned" in app.success[0].value
    assert inbox.review(dashboard.store.engine, ids["later"]).assigned_to == "resp"
    assert any(c.value.replace("\\", "").endswith("admin: assign resp") for c in app.caption)
    app.selectbox(key=f"label_{ids['later']}").select("neutral")
    app.button(key=f"do_label_{ids['later']}").click().run()
    assert "Label corrected" in app.success[0].value
    app.text_input(key=f"reason_{ids['hostile']}").input("a bot posting scripts")
    app.button(key=f"do_spam_{ids['hostile']}").click().run()
    app.button(key=f"do_not_ours_{ids['overdue']}").click().run()
    assert "give a reason" in app.error[0].value
    app.text_input(key=f"reason_{ids['overdue']}").input("the café next door")
    app.button(key=f"do_resolve_{ids['overdue']}").click().run()
    assert app.title[0].value == "Inbox / Входящие · 0"
    statuses = {name: inbox.review(dashboard.store.engine, review_id).status for name, review_id in ids.items()}
    assert statuses == {"later": "open", "overdue": "resolved", "hostile": "spam", "happy": "open"}
    with dashboard.store.engine.connect() as db:
        actions = db.execute(select(schema.audit_log.c.user_name, schema.audit_log.c.action, schema.audit_log.c.detail)
                             .where(schema.audit_log.c.review_id.is_not(None)).order_by(schema.audit_log.c.id)).all()
    assert [tuple(a) for a in actions] == [
        ("admin", "assign", "resp"), ("admin", "label", "negative -> neutral"),
        ("admin", "spam", "a bot posting scripts"), ("admin", "resolved", "the café next door"),
    ]


def test_a_viewer_is_refused_every_change(dashboard):
    app = dashboard.login("viewer")
    review_id = dashboard.ids["overdue"]
    actions = [b for b in app.button if b.key and b.key.endswith(f"_{review_id}")]
    assert len(actions) == 8 and all(b.disabled for b in actions)
    # A responder made a viewer while the page is open: the click is refused by the action itself.
    app = dashboard.login("resp")
    set_role(dashboard.store, "resp", "viewer")
    app.text_input(key=f"reason_{review_id}").input("done")
    app.button(key=f"do_resolve_{review_id}").click().run()
    assert "may not do this" in app.error[0].value
    assert app.button(key=f"do_resolve_{review_id}").disabled
    assert inbox.review(dashboard.store.engine, review_id).status == "open"
    assert inbox.history(dashboard.store.engine, review_id) == ([], [])


def test_the_reply_assistant_drafts_and_checks_a_reply(dashboard):
    app = dashboard.login("resp")
    review_id = dashboard.ids["overdue"]
    app.button(key=f"draft_{review_id}").click().run()
    assert not app.exception, app.exception
    assert "Ждали заказ час" in app.text_area(key=f"reply_text_{review_id}").value
    assert "Draft for" in app.info[0].value
    app.text_area(key=f"reply_text_{review_id}").input("Вы сами виноваты!!! Позвоните 8 900 123 45 67")
    app.button(key=f"check_{review_id}").click().run()
    assert not app.exception, app.exception
    assert len(app.warning) >= 2
    assert "HYPERLINK" not in " ".join(w.value for w in app.warning)


def test_the_inboxs_check_scores_the_replys_tone_with_the_configured_model(dashboard, tmp_path):
    model = build_tiny_model(tmp_path / "reply-model", examples=REPLY_EXAMPLES)
    with open(tmp_path / "reputation.yaml", "a", encoding="utf-8") as config:
        config.write(f"sentiment: {{model: '{model}'}}\n")
    app = dashboard.login("resp")
    review_id = dashboard.ids["overdue"]
    reply = app.text_area(key=f"reply_text_{review_id}")
    reply.input("Анна, здравствуйте. Нам такие клиенты не нужны, не приходите больше.")
    app.button(key=f"check_{review_id}").click().run()
    assert not app.exception, app.exception
    assert "tone" in [w.value.split(":")[0] for w in app.warning]
    app.text_area(key=f"reply_text_{review_id}").input("Анна, здравствуйте! Спасибо, что написали. Сегодня вернём деньги.")
    app.button(key=f"check_{review_id}").click().run()
    assert "nothing to fix" in app.success[0].value


def test_sessions_expire_and_a_disabled_user_is_logged_out(dashboard):
    app = dashboard.login("resp")
    sessions = schema.dashboard_sessions
    with dashboard.store.engine.begin() as db:
        db.execute(sessions.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    app.run()
    assert [t.value for t in app.title] == ["Reputation monitor"]
    assert "session has ended" in app.info[0].value
    app = dashboard.login("resp")
    set_disabled(dashboard.store, "resp", True)
    app.run()
    assert [t.value for t in app.title] == ["Reputation monitor"]


def test_overview_shows_every_kpi_against_the_previous_period_and_four_charts(dashboard):
    from reputation.kpi import KPIS

    app = dashboard.login("viewer")
    app.switch_page("views/overview.py").run()
    assert not app.exception, app.exception
    assert [m.label for m in app.metric] == [k.title for k in KPIS]
    tiles = {m.label: m.value for m in app.metric}
    assert tiles["New reviews (NST)"] == "4"
    assert len(app.get("plotly_chart")) == 4
    app.multiselect(key="overview_sources").select("vk").run()
    assert {m.label: m.value for m in app.metric}["New reviews (NST)"] == "1"


def test_explorer_searches_pages_and_exports_the_view_formula_safe(dashboard):
    app = dashboard.login("viewer")
    app.switch_page("views/explorer.py").run()
    assert not app.exception, app.exception
    assert "4 reviews match" in app.caption[0].value
    app.text_input(key="explorer_search").input("HYPERLINK").run()
    assert "1 reviews match" in app.caption[0].value
    table = app.dataframe[0].value
    assert list(table["#"]) == [dashboard.ids["hostile"]] and list(table["text"]) == [HOSTILE_TEXT]
    csv = app.get("download_button")[0]
    assert csv.proto.label == "Export this view as CSV"


def test_explorer_export_and_the_complaint_journal_use_the_filters(dashboard):
    from zoneinfo import ZoneInfo

    from dashboard.queries import JOURNAL_COLUMNS, Filters, export_bytes, journal, journal_rows
    from reputation.exports import export_rows

    rows = list(export_rows(dashboard.store, where=Filters(search="hyperlink").conditions()))
    assert [r["external_id"] for r in rows] == ["o2"]
    assert [r["external_id"] for r in export_rows(dashboard.store, where=Filters(sources=("vk",)).conditions())] == ["v1"]
    assert [r["external_id"] for r in export_rows(dashboard.store, where=Filters(labels=("positive",)).conditions())] == ["o3"]
    # 100% literally: LIKE's wildcards in the search are not wildcards.
    assert list(export_rows(dashboard.store, where=Filters(search="%").conditions())) == []
    csv = export_bytes(journal_rows(dashboard.store.engine, Filters(sources=("otzovik",)), ZoneInfo("Europe/Moscow")), "csv", JOURNAL_COLUMNS)
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(JOURNAL_COLUMNS) and len(lines) == 3
    assert any(",\"'=HYPERLINK(\"\"http://x\"\")\"," in line for line in lines)
    entries = list(journal(dashboard.store.engine, Filters()))
    assert sorted(e.number for e in entries) == sorted(dashboard.ids[k] for k in ("later", "overdue", "hostile"))
    inbox.record_reply(dashboard.store, dashboard.ids["later"], "Ответили", "phone", utcnow(), by="resp")
    answered = next(e for e in journal(dashboard.store.engine, Filters()) if e.number == dashboard.ids["later"])
    assert answered.answer_channel == "phone" and answered.summary == "Холодный кофе и грубый официант"
    app = dashboard.login("viewer")
    app.switch_page("views/explorer.py").run()
    journal_table = app.dataframe[1].value
    assert list(journal_table["answer_channel"]).count("phone") == 1


def test_sources_show_health_and_only_admins_may_crawl(dashboard):
    app = dashboard.login("resp")
    app.switch_page("views/sources.py").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert list(table["source"]) == ["otzovik", "vk"] and list(table["reviews"]) == [3, 1]
    assert not [b for b in app.button if b.key == "crawl_now"]
    admin = dashboard.login("admin")
    admin.switch_page("views/sources.py").run()
    admin.selectbox(key="crawl_source").select("otzovik")
    admin.button(key="crawl_now").click().run()
    assert "started in the background" in admin.info[0].value
    # The crawl runs on without the page: nothing listens on port 9, so it ends failing.
    runs = schema.crawl_runs
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with dashboard.store.engine.connect() as db:
            status = db.scalar(select(runs.c.status).where(runs.c.source_id == "otzovik"))
        if status not in (None, "running"):
            break
        time.sleep(0.5)
    assert status == "failing"
    while time.monotonic() < deadline and not any(t.startswith("otzovik (by admin): failing") for t in texts(admin.run())):
        time.sleep(0.5)
    assert any(t.startswith("otzovik (by admin): failing") for t in texts(admin))
    assert list(admin.dataframe[0].value["status"]) == ["failing", "not crawled"]


def test_reports_page_renders_the_weekly_report_and_offers_it_for_download(dashboard):
    app = dashboard.login("viewer")
    app.switch_page("views/reports.py").run()
    assert not app.exception, app.exception
    assert app.get("download_button")[0].proto.label == "Download the report (HTML)"
    [frame] = app.get("iframe")
    assert "Кофемания" in frame.proto.srcdoc and app.selectbox(key="report_week").value in frame.proto.srcdoc


def test_admins_manage_users_and_others_do_not_see_the_page(dashboard):
    app = dashboard.login("resp")
    with pytest.raises(ValueError):
        app.switch_page("views/users.py")
    admin = dashboard.login("admin")
    admin.switch_page("views/users.py").run()
    assert not admin.exception, admin.exception
    admin.text_input(key="new_user_name").input("olga")
    admin.text_input(key="new_user_password").input("another long password")
    admin.selectbox(key="new_user_role").select("responder")
    next(b for b in admin.button if b.label == "Add").click().run()
    assert "olga" in list(admin.dataframe[0].value["name"])
    admin.selectbox(key="change_user").select("olga")
    admin.button(key="do_disable").click().run()
    from reputation.users import get_user

    assert get_user(dashboard.store, "olga").disabled


def test_a_config_mistake_is_one_line_on_the_page(tmp_path, monkeypatch):
    config = tmp_path / "reputation.yaml"
    config.write_text("company: {name: Кофемания, timezone: Mars/Olympus}\n", encoding="utf-8")
    monkeypatch.setenv("REPUTATION_CONFIG", str(config))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    shown = app.error[0].value.replace("\\", "")
    assert "company.timezone: 'Mars/Olympus' is not an IANA time zone" in shown
    assert not app.text_input


def test_only_absolute_http_addresses_become_links_and_markdown_is_escaped():
    from dashboard.safe import md
    from reputation.links import web_url as link_target

    assert link_target("https://otzovik.com/review_1.html") == "https://otzovik.com/review_1.html"
    assert link_target(" HTTP://example.com/a?b=1 ") == "HTTP://example.com/a?b=1"
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<script>", "//evil.example/x", "/relative",
                "https://x.example/\"onmouseover=alert(1)", "https://x.example/\r\nSet-Cookie: a", "", None, "http:///nohost"):
        assert link_target(url) is None, url
    assert md("[click](javascript:alert(1)) ![i](x.png) **b** <b>") == (
        "\\[click\\]\\(javascript\\:alert\\(1\\)\\) \\!\\[i\\]\\(x\\.png\\) \\*\\*b\\*\\* \\<b\\>"
    )
    assert md("line\r\nInjected") == "line Injected"
