"""Crawls started from the dashboard: each in a background thread (the crawl itself runs in a child
process), at most one per source at a time, so the page never waits for one."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from reputation.config import Config
from reputation.store import Store


@dataclass
class Started:
    source_id: str
    by: str
    lines: list[str] = field(default_factory=list)
    result: str | None = None
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class Crawls:
    """The crawls this dashboard process started, by source id."""

    def __init__(self):
        self._lock = threading.Lock()
        self.by_source: dict[str, Started] = {}

    def start(self, config: Config, config_path: Path, store: Store, source_id: str, by: str) -> bool:
        """Start a crawl of `source_id` unless one started here is still running; True when started."""
        with self._lock:
            current = self.by_source.get(source_id)
            if current and current.running:
                return False
            started = Started(source_id, by)
            started.thread = threading.Thread(target=self._run, args=(config, config_path, store, started), daemon=True)
            self.by_source[source_id] = started
            started.thread.start()
            return True

    @staticmethod
    def _run(config: Config, config_path: Path, store: Store, started: Started) -> None:
        from scrapers import crawl

        try:
            run = crawl(config, config_path, store, started.source_id, echo=started.lines.append)
            started.result = f"{run.status}: {run.items_new} new, {run.items_updated} updated, {run.errors} errors"
        except Exception as exc:  # shown on the page; the thread must not die silently
            started.result = f"failed: {exc}"
