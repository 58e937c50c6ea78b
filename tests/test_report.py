"""The weekly report on the hand-seeded fortnight (tests/seeded_week.py): its figures, its escaping, its e-mail."""

import os
import shutil
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from reputation.cli import cli
from reputation.config import Config
from reputation import schema
from reputation.alerts.outbox import deliver_pending
from reputation.report import ReportError, Week, build_weekly, queue_weekly
from reputation.report.charts import NO_BROWSER
from reputation.report.themes import Text, key_phrases
from reputation.store import Store
from tests.seeded_week import IMG_TEXT, NOW, SCRIPT_TEXT, W47_END, W47_START, ZONE, config, seed

HELSINKI = Config.model_validate({"company": {"name": "x", "timezone": ZONE}}).company.zone
HAS_BROWSER = bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("google-chrome"))


@pytest.fixture
def no_browser(monkeypatch):
    """Charts cannot be drawn: the report must still be built (and the tests stay fast)."""
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")


class Markup(HTMLParser):
    """Every tag and attribute of a page, as a browser would parse them."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_only_our_markup(page: str) -> None:
    tags = Markup(page).tags
    assert {tag for tag, _ in tags} <= {"html", "head", "meta", "title", "style", "body", "div", "h1", "h2", "h3",
                                        "p", "section", "table", "tr", "th", "td", "span", "b", "br", "a", "img"}
    for tag, attributes in tags:
        assert not any(name.startswith("on") for name in attributes), (tag, attributes)
        if tag == "a":
            assert attributes["href"].startswith(("http://", "https://")), attributes
        if tag == "img":
            assert attributes["src"].startswith(("data:image/png;base64,", "cid:")), attributes


@pytest.mark.store
def test_report_shows_the_weeks_kpis_and_escapes_every_review_text(store, no_browser):
    seed(store)
    report = build_weekly(store, config(), "2026-W47", now=NOW)
    assert (report.week.start, report.week.end) == (W47_START, W47_END)
    assert report.subject == "Reputation report Кофемания: 2026-W47 (16–22 Nov 2026)"
    overall = {row["kpi"].key: (row["value"], row["previous"], row["change"]) for row in report.context["overall"]}
    # The hand-computed values of tests/test_kpi.py, as the report shows them.
    assert overall == {
        "new_reviews": ("9", "4", "+5"),
        "negative_share": ("62.5 %", "50.0 %", "+12.5 pp"),
        "average_rating": ("3.33 ★", "3.33 ★", "±0.00 ★"),
        "csi": ("50", "67", "−17"),
        "flagged": ("5", "2", "+3"),
        "within_sla": ("3", "1", "+2"),
        "breached": ("2", "0", "+2"),
        "afrt": ("13 h 15 min", "2 h 00 min", "+11 h 15 min"),
        "mttr": ("36 h 30 min", "–", "–"),
        "response_rate": ("60.0 %", "100.0 %", "−40.0 pp"),
    }
    assert report.context["by_channel"]["columns"] == ["Maps", "Review sites", "Social networks"]
    assert report.context["by_source"]["columns"] == ["2gis", "otzovik", "telegram", "vk"]
    breached = next(row for row in report.context["by_source"]["rows"] if row["kpi"].key == "breached")
    assert [cell["value"] for cell in breached["cells"]] == ["1", "1", "0", "0"]
    # Unanswered now: 8 (due Sunday 10:00 Helsinki) before 6 (due Monday 00:30).
    assert [item["id"] for item in report.context["unanswered"]] == [8, 6]
    assert report.context["unanswered"][0]["left"] == "overdue by 23 h"
    themes = {group["language"]: [item["theme"].phrase for item in group["themes"]] for group in report.context["themes"]}
    assert themes == {"Russian": ["холодный кофе"], "English": ["cold coffee", "rude", "waiter"]}

    for page in (report.html, report.email(["a@example.com"]).get_body(("html",)).get_content()):
        assert_only_our_markup(page)
        assert "<script>alert" not in page and "<img src=x" not in page and "javascript:" not in page
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Rude waiter" in page
        assert "&lt;b&gt;Bold&lt;/b&gt; Bcc: victim@example.com" in page  # CR LF flattened, markup escaped
        assert 'href="https://2gis.example/review/8?a=1&amp;b=2"' in page  # reputation.links refuses URLs with markup
        assert "The charts are not included: " + NO_BROWSER in page
    assert report.charts.missing == NO_BROWSER
    assert SCRIPT_TEXT in report.text and IMG_TEXT in report.text


@pytest.mark.skipif(not HAS_BROWSER, reason="no Chromium to draw charts (CI installs Debian's chromium)")
def test_sent_report_carries_its_charts_as_inline_images(sqlite_url, smtp_server):
    store = Store.open(sqlite_url)
    try:
        seed(store)
        settings = config(enabled=True).model_copy(update={"alerts": Config.model_validate(
            {"company": {"name": "x"}, "alerts": {"smtp": smtp_server.smtp_config(), "to": ["a@example.com"]}}
        ).alerts})
        assert queue_weekly(store, settings, now=NOW).label == "2026-W47"
        assert deliver_pending(store, settings, now=NOW) == 1
        with store.engine.connect() as db:
            row = db.execute(select(schema.alert_outbox)).one()
        report = build_weekly(store, settings, "2026-W47", now=NOW)
    finally:
        store.close()
    assert row.subject == report.subject
    assert report.charts.missing is None
    assert report.html.count('src="data:image/png;base64,iVBORw0KGgo') == 4
    [received] = smtp_server.wait_for(1)
    message = received.message
    assert received.rcpt_tos == ["marketing@example.com"]
    assert message["Subject"] == report.subject and message["Message-ID"] == row.message_id
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain" and "Negative share: 62.5 %" in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    html, *images = related.get_payload()
    assert [image.get_content_type() for image in images] == ["image/png"] * 4
    page = html.get_content()
    assert_only_our_markup(page)
    for image in images:
        assert image.get_content().startswith(b"\x89PNG")
        assert f'src="cid:{image["Content-ID"].strip("<>")}"' in page


@pytest.mark.store
def test_without_a_browser_the_mail_is_html_and_text_without_images(store, no_browser):
    seed(store)
    message = build_weekly(store, config(), "2026-W47", now=NOW).email(["a@example.com"])
    assert [part.get_content_type() for part in message.walk()] == ["multipart/alternative", "text/plain", "text/html"]


@pytest.mark.store
def test_a_week_without_reviews_reads_as_such(store):
    report = build_weekly(store, config(), "2026-W47", now=NOW)
    assert report.charts.items == [] and report.charts.missing is None  # no browser started for empty charts
    assert "No reviews in these weeks to chart." in report.html
    assert "Every flagged review has been answered." in report.html
    assert [row["value"] for row in report.context["overall"]][:3] == ["0", "–", "–"]


def test_iso_weeks_in_the_company_zone():
    week = Week.parse("2026-W47", HELSINKI)
    assert (week.start, week.end, week.dates) == (W47_START, W47_END, "16–22 Nov 2026")
    assert Week.last_complete(NOW, HELSINKI) == week
    # Sunday 23:30 in Helsinki is still in W47; Monday 00:30 is not.
    assert Week.last_complete(datetime(2026, 11, 29, 21, 30, tzinfo=timezone.utc), HELSINKI) == week
    assert Week.last_complete(datetime(2026, 11, 29, 22, 30, tzinfo=timezone.utc), HELSINKI).label == "2026-W48"
    assert week.back(47).label == "2025-W52" and Week.parse("2026-W01", HELSINKI).back().label == "2025-W52"
    # The week summer time ends is an hour longer.
    autumn = Week.parse("2026-W43", HELSINKI)
    assert autumn.end - autumn.start == timedelta(days=7, hours=1)
    assert Week.parse("2026-W44", HELSINKI).dates == "26 Oct – 1 Nov 2026"
    for bad in ("2026-47", "2026-W54", "W47", "2026-W4", ""):
        with pytest.raises(ReportError, match="is not an ISO week; write it as 2026-W47"):
            Week.parse(bad, HELSINKI)


def test_key_phrases_group_inflections_and_split_at_stop_words():
    texts = [
        Text(1, "Холодный кофе и грубый официант"),
        Text(2, "Принесли холодного кофе, официант грубый!"),
        Text(3, "В Кофемании опять холодный кофе"),
        Text(4, "Долго ждали"),
    ]
    themes = key_phrases(texts, "ru", ignore=["Кофемания"])
    assert [(t.phrase, t.reviews) for t in themes] == [("холодный кофе", 3), ("грубый", 2), ("официант", 2)]
    assert themes[0].example_id == 1  # the shortest review that says it
    finnish = key_phrases([Text(1, "Kylmä kahvi ja hidas palvelu"), Text(2, "Kahvi oli kylmää, palvelu hidasta")], "fi")
    assert [(t.phrase, t.reviews) for t in finnish] == [("kahvi", 2), ("kylmä", 2), ("palvelu", 2)]
    assert key_phrases([Text(1, "Cold coffee <b>bad</b>"), Text(2, "Rude staff <b>")], "en") == []


def test_cli_writes_the_report_and_sends_it(tmp_path, sqlite_url, smtp_server, no_browser):
    store = Store.open(sqlite_url)
    seed(store)
    store.close()
    settings = {
        "company": {"name": "Кофемания", "timezone": ZONE},
        "database_url": sqlite_url,
        "sources": [],
        "alerts": {"smtp": smtp_server.smtp_config()},
        "reports": {"to": ["marketing@example.com"]},
    }
    path = tmp_path / "reputation.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "week.html"

    def run(*args):
        return CliRunner().invoke(cli, ["--config", str(path), "report", "weekly", *args])

    result = run("--week", "2026-W47", "--out", str(out), "--send")
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}." in result.output and "Sent to marketing@example.com." in result.output
    assert "2026-W47: New reviews (NST) 9" in result.output
    assert "&lt;script&gt;" in out.read_text(encoding="utf-8")
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"].startswith("Reputation report Кофемания: 2026-W47")

    result = run("--week", "2026-47")
    assert result.exit_code == 1 and "week '2026-47' is not an ISO week" in result.output
    settings["reports"]["to"] = []
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    result = run("--week", "2026-W47", "--send")
    assert result.exit_code == 1 and "reports.to lists no address" in result.output
