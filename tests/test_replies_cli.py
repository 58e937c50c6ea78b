"""The tone rule with a real (tiny, trained) sentiment model, and `reputation reply draft|check`."""

import pytest
import yaml
from click.testing import CliRunner

from reputation.cli import cli
from reputation.config import Config
from reputation.records import Review
from reputation.replies import check_reply
from reputation.store import Store
from sentiment.model import SentimentModel
from tests.tiny_model import REPLY_EXAMPLES, build_tiny_model

CONFIG = Config.model_validate({"company": {"name": "Кофемания"}})


@pytest.fixture(scope="module")
def reply_model(tmp_path_factory):
    return SentimentModel(str(build_tiny_model(tmp_path_factory.mktemp("reply-model"), examples=REPLY_EXAMPLES)))


@pytest.mark.parametrize(
    "language, hostile, polite",
    [
        ("ru", "Анна, здравствуйте. Нам такие клиенты не нужны, не приходите больше.", "Анна, здравствуйте! Спасибо, что написали. Сегодня вернём деньги."),
        ("en", "Hello Sarah. Stop whining, we do not need customers like you.", "Hello Sarah, thank you for writing. We will refund you today."),
        ("fi", "Hei Matti. Emme tarvitse tällaisia asiakkaita, älä tule enää.", "Hei Matti, kiitos viestistäsi. Palautamme maksun tänään."),
    ],
    ids=["ru", "en", "fi"],
)
def test_the_sentiment_model_finds_a_hostile_reply_and_passes_a_polite_one(reply_model, language, hostile, polite):
    tone = [f for f in check_reply(hostile, language, config=CONFIG, model=reply_model) if f.rule == "tone"]
    assert [(f.start, f.end) for f in tone] == [(0, len(hostile))]
    assert [f.rule for f in check_reply(polite, language, config=CONFIG, model=reply_model)] == []


def test_the_customers_quoted_words_are_not_the_replys_tone(reply_model):
    text = "Анна, здравствуйте. Курьер сказал вам: «нам такие клиенты не нужны, не приходите больше, сами виноваты». Сегодня вернём деньги."
    assert reply_model.score([text])[0].label == "negative"
    assert check_reply(text, "ru", config=CONFIG, model=reply_model) == []


def test_the_hostile_threshold_is_configurable(reply_model):
    hostile = "Hello Sarah. Stop whining, we do not need customers like you."
    lenient = Config.model_validate({"company": {"name": "Кофемания"}, "replies": {"hostile_threshold": 0.999}})
    assert "tone" not in [f.rule for f in check_reply(hostile, "en", config=lenient, model=reply_model)]


# The command


@pytest.fixture
def workdir(tmp_path, sqlite_url):
    config = {
        "company": {"name": "Кофемания", "contact": {"phone": "+7 495 123-45-67"}},
        "database_url": sqlite_url,
        "sources": [{"id": "otzovik", "type": "otzovik", "url": "https://otzovik.com/reviews/kofemaniya/"}],
        "sentiment": {"model": str(tmp_path / "no-such-model")},
    }
    path = tmp_path / "reputation.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    store = Store.open(sqlite_url)
    store.sync_sources(Config.model_validate(config).sources)
    store.ingest([Review("otzovik", "1", "Официант нахамил, когда я попросила счёт.", author="Ольга Н.", rating=1, language="ru")])
    store.close()
    return path


def _run(path, *args, input=None):
    return CliRunner().invoke(cli, ["--config", str(path), "reply", *args], input=input)


def test_reply_draft_prints_the_draft_and_its_situation(workdir):
    done = _run(workdir, "draft", "1")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("Ольга, здравствуйте!")
    assert "«Официант нахамил»" in done.stdout and "+7 495 123-45-67" in done.stdout
    assert "situation: rude_staff; language: ru" in done.stderr
    again = _run(workdir, "draft", "1")
    assert again.stdout != done.stdout
    missing = _run(workdir, "draft", "42")
    assert missing.exit_code == 1 and "there is no review 42" in missing.stderr


def test_reply_check_lists_findings_and_exits_1_or_says_none(workdir):
    bad = _run(workdir, "check", "--review", "1", "--no-tone", "Здравствуйте! Приносим извинения за доставленные неудобства.")
    assert bad.exit_code == 1
    lines = bad.stdout.splitlines()
    assert [line.split("\t")[:3] for line in lines] == [
        ["name", "0-12", "'Здравствуйте'"],
        ["next_step", "0-60", "'Здравствуйте! Приносим извинения за доставленные неудобства.'"],
        ["apology_first", "14-32", "'Приносим извинения'"],
        ["stock_phrase", "14-59", "'Приносим извинения за доставленные неудобства'"],
    ]
    good = "Ольга, здравствуйте. Спасибо за отзыв. Сегодня поговорим с официантом и завтра до 18:00 напишем вам, что изменили."
    passed = _run(workdir, "check", "--review", "1", "--no-tone", good)
    assert (passed.exit_code, passed.stdout) == (0, "No findings.\n")
    piped = _run(workdir, "check", "--lang", "en", "--no-tone", "-", input="Sorry for the inconvenience!!")
    assert piped.exit_code == 1 and "stock_phrase" in piped.stdout and "exclamations" in piped.stdout


def test_reply_check_says_when_the_tone_is_not_checked_and_checks_the_rest(workdir):
    done = _run(workdir, "check", "--lang", "en", "Hello, we will refund you today.")
    assert done.exit_code == 0
    assert "warning: tone not checked: sentiment model" in done.stderr
    assert done.stdout == "No findings.\n"
    unknown = _run(workdir, "check", "--no-tone", "12345")
    assert unknown.exit_code == 2 and "pass --lang" in unknown.stderr
