"""Scrapy spiders per source type, and `crawl`, which runs one in a child process."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable

from reputation.config import Config
from reputation.store import CrawlOutcome, Store

# A crawl that runs longer than this is stopped and recorded as failing.
CRAWL_TIMEOUT_S = 3600


def crawl(
    config: Config,
    config_path: Path,
    store: Store,
    source_id: str,
    *,
    echo: Callable[[str], None] = print,
    timeout_s: float = CRAWL_TIMEOUT_S,
):
    """Crawl one source into the store in a child process; returns the recorded crawl run."""
    source = config.source(source_id)
    if source is None:
        known = ", ".join(s.id for s in config.sources) or "none configured"
        raise ValueError(f"no source {source_id!r} in the config (sources: {known})")
    run_id = store.start_run(source_id)
    command = [
        sys.executable, "-m", "scrapers.runner",
        "--config", str(config_path), "--source", source_id, "--run-id", str(run_id),
    ]
    with tempfile.TemporaryFile(mode="w+") as log:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1)
        deadline = threading.Timer(timeout_s, child.kill)
        deadline.start()
        for line in child.stdout:
            echo(line.rstrip("\n"))
        child.wait()
        deadline.cancel()
        log.seek(0)
        tail = log.read()[-2000:]
    run = store.run(run_id)
    if run.status == "running":  # the child died before it could record the outcome
        store.finish_run(
            run_id, CrawlOutcome(status="failing", errors=1, detail=f"crawl process ended ({child.returncode}): {tail}")
        )
        run = store.run(run_id)
    return run
