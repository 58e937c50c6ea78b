import subprocess
import sys
from datetime import timedelta
from importlib.resources import files
from pathlib import Path

import pytest
import yaml

from reputation.config import ConfigError, database_url, load_config, parse_duration

EXAMPLE = files("reputation").joinpath("example.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "reputation.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def minimal(**sections):
    return {"company": {"name": "Кофемания", "timezone": "Europe/Moscow"}, **sections}


def error_of(tmp_path, data) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, data))
    return str(raised.value)


def test_the_example_config_loads_with_its_defaults(tmp_path):
    config, _ = load_config(write(tmp_path, EXAMPLE))
    assert config.company.name == "Кофемания"
    assert config.company.names[:2] == ["Кофемания", "Kofemania"]
    assert config.sla.social == timedelta(minutes=60)
    assert config.sla.for_channel("app_store") == timedelta(hours=48)
    vk = config.source("vk-mentions")
    assert (vk.channel_kind, vk.interval, vk.token_env) == ("social", timedelta(minutes=5), "VK_TOKEN")
    assert config.source("2gis-main").channel_kind == "map"
    assert config.source("2gis-main").interval == timedelta(hours=1)
    assert config.reports.time.hour == 9


@pytest.mark.parametrize(
    "text, expected",
    [("90s", 90), ("5m", 300), ("24h", 86400), ("2d", 172800), ("1h30m", 5400), (" 15M ", 900)],
)
def test_durations(text, expected):
    assert parse_duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("text", ["5 minutes", "5", "m5", "", "0s", "-5m", "1.5h"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="duration|longer than zero"):
        parse_duration(text)


def test_unknown_key_names_the_key_and_the_allowed_ones(tmp_path):
    message = error_of(tmp_path, minimal(sla={"social": "60m", "sociall": "5m"}))
    assert message == (
        f"{tmp_path / 'reputation.yaml'}: sla.sociall: unknown key; "
        "allowed here: social, map, review_site, app_store, feed"
    )


def test_unknown_key_inside_a_source(tmp_path):
    message = error_of(tmp_path, minimal(sources=[{"id": "a", "type": "feed", "url": "http://x", "intervl": "5m"}]))
    assert "sources[0].intervl: unknown key; allowed here: id, type, url, query, channel, every" in message


def test_bad_duration_names_the_key_the_value_and_the_form(tmp_path):
    message = error_of(tmp_path, minimal(sources=[{"id": "a", "type": "feed", "url": "http://x", "every": "5 minutes"}]))
    assert message.endswith("sources[0].every: '5 minutes' is not a duration; write a number and a unit, e.g. 90s, 5m, 24h, 2d")


def test_unknown_source_type_lists_the_types(tmp_path):
    message = error_of(tmp_path, minimal(sources=[{"id": "a", "type": "instagram", "url": "http://x"}]))
    assert message.endswith(
        "sources[0].type: 'instagram' is not a source type; allowed: otzovik, trustpilot, 2gis, vk, telegram, appstore, feed, manual"
    )


def test_duplicate_source_id(tmp_path):
    source = {"id": "otzovik", "type": "otzovik", "url": "http://x"}
    message = error_of(tmp_path, minimal(sources=[source, source]))
    assert "source id 'otzovik' is used twice (sources[1]); each id must be unique" in message


def test_missing_environment_variable_for_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SMTP_TEST_PASSWORD", raising=False)
    data = minimal(alerts={"enabled": True, "to": ["a@example.com"], "smtp": {"password_env": "SMTP_TEST_PASSWORD"}})
    message = error_of(tmp_path, data)
    assert message == "alerts.smtp.password_env: environment variable SMTP_TEST_PASSWORD is not set; export it before starting"

    monkeypatch.setenv("SMTP_TEST_PASSWORD", "s3cret")
    config, _ = load_config(write(tmp_path, data))
    assert config.alerts.smtp.password_env == "SMTP_TEST_PASSWORD"


def test_a_source_token_is_needed_only_while_the_source_is_enabled(tmp_path, monkeypatch):
    monkeypatch.delenv("VK_TEST_TOKEN", raising=False)
    vk = {"id": "vk", "type": "vk", "query": "Кофемания", "token_env": "VK_TEST_TOKEN"}
    assert "sources[0].token_env: environment variable VK_TEST_TOKEN" in error_of(tmp_path, minimal(sources=[vk]))
    load_config(write(tmp_path, minimal(sources=[{**vk, "enabled": False}])))


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"company": {"name": "X", "timezone": "Mars/Olympus"}}, "company.timezone: 'Mars/Olympus' is not an IANA time zone"),
        ({}, "company: required key is missing"),
        (minimal(sources=[{"id": "a", "type": "feed"}]), "sources[0]: needs a url"),
        (minimal(sources=[{"id": "a", "type": "feed", "url": "u", "channel": "tv"}]), "sources[0].channel: 'tv' is not a channel"),
        (minimal(alerts={"enabled": True}), "alerts: alerts are enabled but 'to' lists no address"),
        (minimal(sources=[{"id": "a", "type": "feed", "url": "u", "timezone": "Moscow"}]), "sources[0].timezone: 'Moscow' is not an IANA time zone"),
        (minimal(sources=[{"id": "a", "type": "feed", "url": "u", "backfill": 0}]), "sources[0].backfill: 0 Input should be greater than or equal to 1"),
        ("company: [unclosed", "line 1 is not valid YAML"),
        ("- just\n- a list\n", "expected a mapping of sections"),
    ],
)
def test_other_mistakes_get_one_line_naming_the_key(tmp_path, data, expected):
    message = error_of(tmp_path, data)
    assert expected in message
    assert "\n" not in message


def test_missing_file_says_how_to_make_one(tmp_path):
    with pytest.raises(ConfigError, match="no such config file; run 'reputation init'"):
        load_config(tmp_path / "absent.yaml")


def test_relative_sqlite_path_is_beside_the_config(tmp_path, monkeypatch):
    monkeypatch.delenv("REPUTATION_DATABASE_URL", raising=False)
    path = write(tmp_path, minimal(database_url="sqlite:///data/rep.db"))
    config, _ = load_config(path)
    assert database_url(config, path) == f"sqlite:///{tmp_path / 'data' / 'rep.db'}"
    monkeypatch.setenv("REPUTATION_DATABASE_URL", "postgresql+psycopg://db/rep")
    assert database_url(config, path) == "postgresql+psycopg://db/rep"


def test_the_command_prints_one_line_and_no_traceback(tmp_path):
    write(tmp_path, minimal(sla={"social": "soon"}))
    done = subprocess.run(
        [sys.executable, "-m", "reputation", "db", "upgrade"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "error: reputation.yaml: sla.social: 'soon' is not a duration; write a number and a unit, e.g. 90s, 5m, 24h, 2d\n"
