"""The demo's folder: its config, the sources' world, the database, the e-mails, the logs and the login."""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

import yaml

from reputation.demo import texts
from reputation.demo.pages import source_urls

DEMO_USER = "demo"
# Crawl intervals: social media within a minute, as the 60-minute reply deadline there asks.
EVERY = {"otzovik": "2m", "2gis": "90s", "vk": "45s", "telegram": "30s", "appstore": "3m", "feed": "3m"}
SOURCE_IDS = {"otzovik": "otzovik", "2gis": "2gis", "vk": "vk", "telegram": "telegram", "appstore": "appstore",
              "feed": "news"}
TEAM = "team@zernoteka.example"
HEADER = "# The config of `reputation demo`"


@dataclass(frozen=True)
class Ports:
    """The dashboard on the base port, the demo sources on the next, the SMTP sink on the one after."""

    dashboard: int
    sources: int
    smtp: int

    @classmethod
    def from_base(cls, base: int) -> Ports:
        return cls(base, base + 1, base + 2)

    @classmethod
    def free(cls, start: int = 20000) -> Ports:
        """Three consecutive ports nobody listens on (for tests, CI and benchmarks)."""
        for base in range(start, 65000, 3):
            ports = cls.from_base(base)
            if ports.taken() is None:
                return ports
        raise OSError(f"no three free consecutive ports from {start}")

    def taken(self) -> int | None:
        """The first of the ports that is in use on 127.0.0.1, if any."""
        for port in (self.dashboard, self.sources, self.smtp):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    return port
        return None


class DemoFolder:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.config = self.root / "reputation.yaml"
        self.world = self.root / "world.jsonl"
        self.mail = self.root / "mail"
        self.logs = self.root / "logs"
        self.login_file = self.root / "login.txt"
        self.history_marker = self.root / ".history-loaded"

    def foreign_config(self) -> bool:
        """Whether the folder holds a config the demo did not write (which it must not overwrite)."""
        if not self.config.exists():
            return False
        return not self.config.read_text(encoding="utf-8", errors="replace").startswith(HEADER)

    def prepare(self) -> None:
        for folder in (self.root, self.mail, self.logs):
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def history_loaded(self) -> bool:
        return self.history_marker.exists()

    def password(self) -> tuple[str, bool]:
        """The demo user's password, made on the first start and kept; True when it was just made."""
        if self.login_file.exists():
            return self.login_file.read_text(encoding="utf-8").split("\n")[1].removeprefix("password: "), False
        password = secrets.token_urlsafe(9)
        self.login_file.touch(mode=0o600)
        self.login_file.write_text(f"user: {DEMO_USER}\npassword: {password}\n", encoding="utf-8")
        return password, True

    def write_config(self, ports: Ports, *, model: str = "bundled", every: dict[str, str] | None = None) -> Path:
        """The demo config, rewritten at every start so that it names this start's ports."""
        every = {**EVERY, **(every or {})}
        base = f"http://127.0.0.1:{ports.sources}"
        sources = [
            {"id": SOURCE_IDS[kind], "type": kind, **where, "every": every[kind],
             "crawl_delay": 0.1}
            for kind, where in source_urls(base).items()
        ]
        config = {
            "company": {
                "name": texts.COMPANY,
                "timezone": "Europe/Moscow",
                "aliases": [texts.ALIAS],
                "contact": {"email": "care@zernoteka.example", "phone": "+7 495 000-00-00",
                            "messenger": "https://t.me/zernoteka_care"},
            },
            "database_url": "sqlite:///reputation.db",
            "sources": sources,
            "alerts": {
                "enabled": True,
                "to": [TEAM],
                "escalate_to": ["head-of-care@zernoteka.example"],
                "retry_after": "10s",
                "retry_max": "1m",
                "smtp": {"host": "127.0.0.1", "port": ports.smtp, "security": "none",
                         "sender": "reputation@zernoteka.example", "timeout": "10s"},
            },
            "reports": {"enabled": True, "to": ["marketing@zernoteka.example"]},
            "sentiment": {"model": model},
            "dashboard": {"host": "127.0.0.1", "port": ports.dashboard, "base_url": f"http://127.0.0.1:{ports.dashboard}"},
        }
        header = (
            f"{HEADER}, rewritten at each start of the demo (edit the demo's code, not this).\n"
            "# Every source reads the local demo server; alerts go to the local SMTP sink (files in mail/).\n"
        )
        self.config.write_text(header + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return self.config
