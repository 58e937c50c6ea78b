"""The one YAML configuration file, validated at start.

A mistake in the file ends the program with one line that names the key, the bad
value and what is allowed (`ConfigError`), never with a traceback. Secrets are
never written in the file: a `*_env` key names the environment variable that
holds them.
"""

from __future__ import annotations

import os
import re
from datetime import time as TimeOfDay, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from reputation.channels import CHANNELS, DEFAULT_INTERVAL, SOURCE_TYPES

DEFAULT_CONFIG_FILE = "reputation.yaml"
CONFIG_ENV = "REPUTATION_CONFIG"
DATABASE_URL_ENV = "REPUTATION_DATABASE_URL"


class ConfigError(Exception):
    """A configuration mistake, worded as the one line the user sees."""


_DURATION = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> timedelta:
    """'90s', '5m', '24h', '2d' or a combination such as '1h30m'."""
    if isinstance(value, timedelta):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else None
    if not text or _DURATION.sub("", text) != "":
        raise ValueError("is not a duration; write a number and a unit, e.g. 90s, 5m, 24h, 2d")
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(text))
    if seconds <= 0:
        raise ValueError("must be longer than zero, e.g. 90s, 5m, 24h")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not an IANA time zone, e.g. Europe/Moscow, Europe/Helsinki, UTC") from None
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Section):
    """How a customer reaches the team privately; reply drafts offer it."""

    phone: str | None = None
    email: str | None = None
    # A direct-message link, e.g. https://t.me/kofemania_care or https://vk.me/kofemania.
    messenger: str | None = None


class Company(_Section):
    name: str = Field(min_length=1)
    timezone: str = "UTC"
    aliases: list[str] = []
    contact: Contact = Contact()

    _known_zone = field_validator("timezone")(lambda cls, value: _zone(value))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def names(self) -> list[str]:
        """Every name customers use for the company, the official one first."""
        return [self.name, *(a for a in self.aliases if a != self.name)]


class Source(_Section):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    type: str
    url: str | None = None
    query: str | None = None
    channel: str | None = None
    every: Duration | None = None
    languages: list[Literal["ru", "fi", "en"]] = []
    enabled: bool = True
    obey_robots: bool = True
    token_env: str | None = None
    # At most this many reviews per crawl: how far back a first crawl goes.
    backfill: int = Field(default=500, ge=1, le=100_000)
    # Zone of times the source prints without an offset; default: the company's.
    timezone: str | None = None
    # Logins that answer for the company where replies are ordinary comments (Otzovik).
    reply_authors: list[str] = []
    # Seconds between requests to the source's site (AutoThrottle may wait longer).
    crawl_delay: float = Field(default=1.0, ge=0, le=600)

    _known_zone = field_validator("timezone")(lambda cls, value: value if value is None else _zone(value))

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in SOURCE_TYPES:
            raise ValueError(f"is not a source type; allowed: {', '.join(SOURCE_TYPES)}")
        return value

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str | None) -> str | None:
        if value is not None and value not in CHANNELS:
            raise ValueError(f"is not a channel; allowed: {', '.join(CHANNELS)}")
        return value

    @model_validator(mode="after")
    def _where_to_read(self) -> Source:
        if not self.url and not self.query:
            raise ValueError("needs a url (the page, feed or API base it reads) or a query")
        return self

    @property
    def channel_kind(self) -> str:
        return self.channel or SOURCE_TYPES[self.type]

    @property
    def interval(self) -> timedelta:
        return self.every or DEFAULT_INTERVAL[self.channel_kind]


class Sla(_Section):
    """Reply deadline after publication, per channel."""

    social: Duration = timedelta(minutes=60)
    map: Duration = timedelta(hours=24)
    review_site: Duration = timedelta(hours=24)
    app_store: Duration = timedelta(hours=48)
    feed: Duration = timedelta(hours=24)

    def for_channel(self, channel: str) -> timedelta:
        return getattr(self, channel)


class Smtp(_Section):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password_env: str | None = None
    sender: str = "reputation@localhost"
    timeout: Duration = timedelta(seconds=30)

    @model_validator(mode="after")
    def _login(self) -> Smtp:
        if self.username and not self.password_env:
            raise ValueError("a username needs password_env: the environment variable that holds the password")
        return self


class Alerts(_Section):
    enabled: bool = False
    to: list[str] = []
    escalate_to: list[str] = []
    escalate_at: float = Field(default=0.75, gt=0, lt=1)
    digest_over: int = Field(default=10, ge=1)
    # A failed send is tried again after retry_after, then twice as long each time, at most retry_max.
    retry_after: Duration = timedelta(seconds=30)
    retry_max: Duration = timedelta(minutes=10)
    smtp: Smtp = Smtp()

    @model_validator(mode="after")
    def _recipients(self) -> Alerts:
        if self.enabled and not self.to:
            raise ValueError("alerts are enabled but 'to' lists no address")
        if self.retry_max < self.retry_after:
            raise ValueError("retry_max must not be shorter than retry_after")
        return self


class Reports(_Section):
    enabled: bool = False
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    time: TimeOfDay = TimeOfDay(9, 0)
    to: list[str] = []


class Sentiment(_Section):
    model: str = "bundled"
    models: dict[str, str] = {}
    # Measured on the evaluation split: 0.4 flags 2–5 points more of the negatives than 0.5.
    negative_threshold: float = Field(default=0.4, gt=0, lt=1)
    batch_size: int = Field(default=32, ge=1, le=4096)
    # On a CPU, linear layers in int8: about twice the speed for the same labels.
    quantize: bool = True


# Reply length limits of the platforms, by source type: Google Play answers
# 350 characters, App Store developer responses 5,970, Telegram messages 4,096.
REPLY_LENGTH_LIMITS = {"googleplay": 350, "appstore": 5970, "telegram": 4096}


class Replies(_Section):
    """The reply assistant: drafts and the reply checker (reputation/replies)."""

    # A sentence found in this many earlier replies is "already used".
    reuse_limit: int = Field(default=3, ge=1)
    # The tone rule flags a reply the sentiment model finds negative with at least this probability.
    # With the bundled model, 0.95 leaves 1 of 65 good replies flagged for tone (0.7: 23); bench/replies.py.
    hostile_threshold: float = Field(default=0.95, gt=0, lt=1)
    # Longest reply, by source id, source type or channel kind; merged over REPLY_LENGTH_LIMITS.
    max_length: dict[str, int] = {}
    # Language of drafts and checks when a review's language is unknown or has no rules.
    default_language: Literal["ru", "fi", "en"] = "en"
    # The team's own rules per language, added to the bundled files: same keys as
    # reputation/replies/rules/<language>.yaml; lists are added to the bundled ones, single texts replace them.
    rules: dict[Literal["ru", "fi", "en"], dict[str, Any]] = {}

    @field_validator("max_length")
    @classmethod
    def _positive_limits(cls, limits: dict[str, int]) -> dict[str, int]:
        for key, limit in limits.items():
            if limit < 1:
                raise ValueError(f"limit for {key!r} must be a positive number of characters")
        return limits

    @field_validator("rules")
    @classmethod
    def _valid_rules(cls, rules: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from reputation.replies.rules import RulesError, rule_book

        for language, extra in rules.items():
            try:
                rule_book(language, extra)
            except RulesError as exc:
                raise ValueError(f"[{language}] {exc}") from None
        return rules

    def length_limit(self, source_id: str, source_type: str, channel: str) -> int | None:
        limits = {**REPLY_LENGTH_LIMITS, **self.max_length}
        return next((limits[key] for key in (source_id, source_type, channel) if key in limits), None)


class Dashboard(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8501, ge=1, le=65535)
    base_url: str = "http://127.0.0.1:8501"
    session_ttl: Duration = timedelta(hours=12)


class Config(_Section):
    company: Company
    database_url: str = "sqlite:///reputation.db"
    sources: list[Source] = []
    sla: Sla = Sla()
    alerts: Alerts = Alerts()
    reports: Reports = Reports()
    sentiment: Sentiment = Sentiment()
    dashboard: Dashboard = Dashboard()
    replies: Replies = Replies()

    @field_validator("sources")
    @classmethod
    def _unique_ids(cls, sources: list[Source]) -> list[Source]:
        seen: set[str] = set()
        for index, source in enumerate(sources):
            if source.id in seen:
                raise ValueError(f"source id {source.id!r} is used twice (sources[{index}]); each id must be unique")
            seen.add(source.id)
        return sources

    def source(self, source_id: str) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)


def secret(env_key: str, env_name: str | None) -> str | None:
    """The value of a secret held in the environment variable `env_name`."""
    if env_name is None:
        return None
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(f"{env_key}: environment variable {env_name} is not set; export it before starting")
    return value


def _check_secrets(config: Config) -> None:
    if config.alerts.enabled:
        secret("alerts.smtp.password_env", config.alerts.smtp.password_env)
    for index, source in enumerate(config.sources):
        if source.enabled:
            secret(f"sources[{index}].token_env", source.token_env)


def _location(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed beside the unknown one at `loc`, found by walking the models."""
    model: Any = Config
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = getattr(annotation, "__args__", (annotation,))[0]
    return list(model.model_fields)


def _one_line(error: ValidationError) -> str:
    first = error.errors()[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    where = _location(loc) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{where}: unknown key; allowed here: {', '.join(_allowed_keys(loc))}"
    if first["type"] == "missing":
        return f"{where}: required key is missing"
    message = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    # A whole section as the "value" would not fit on one line: name the section only.
    if isinstance(value, (dict, list)) or value is None:
        return f"{where}: {message}"
    return f"{where}: {value!r} {message}"


def load_config(path: str | Path | None = None) -> tuple[Config, Path]:
    """Read and validate the config; returns it with the file's path.

    The file is `path`, else $REPUTATION_CONFIG, else ./reputation.yaml.
    """
    path = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; run 'reputation init' to write an example") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sections (company, sources, ...) at the top level")
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_one_line(exc)}") from None
    _check_secrets(config)
    return config, path


def database_url(config: Config, config_path: Path) -> str:
    """$REPUTATION_DATABASE_URL, else the config's; a relative SQLite path is taken from the config's folder."""
    url = os.environ.get(DATABASE_URL_ENV) or config.database_url
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:":
        file = Path(url.removeprefix(prefix))
        if not file.is_absolute():
            url = prefix + str((config_path.parent / file).resolve())
    return url
