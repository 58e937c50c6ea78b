"""One crawl of one source, run in a child process.

Scrapy's reactor cannot be restarted inside a process, so a long-lived
scheduler starts every crawl as `python -m scrapers.runner`: the child crawls,
writes the reviews and the run's outcome to the store, and prints its progress
on standard output for the parent to show.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from datetime import datetime, timezone

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from reputation.config import Config, load_config
from reputation.store import CrawlOutcome, Store, open_store
from scrapers import settings as default_settings
from scrapers.spiders import SPIDERS
from scrapers.spiders.base import CrawlHealth


def _count_failures(stats: dict) -> int:
    """Requests that finally failed: exceptions after the retries, and error responses given up on."""
    return sum(
        value
        for key, value in stats.items()
        if key.startswith(("spider_exceptions/", "retry/max_reached", "httperror/response_ignored_count"))
    )


def crawl_source(config: Config, store: Store, source_id: str, run_id: int) -> CrawlOutcome:
    source = config.source(source_id)
    health = CrawlHealth()
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("ROBOTSTXT_OBEY", source.obey_robots, priority="spider")
    settings.set("DOWNLOAD_DELAY", source.crawl_delay, priority="spider")
    settings.set("AUTOTHROTTLE_START_DELAY", max(source.crawl_delay, 0.1), priority="spider")
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(SPIDERS[source.type])
    process.crawl(
        crawler, source=source, company=config.company, store=store, health=health, now=datetime.now(timezone.utc)
    )
    process.start()
    stats = crawler.stats.get_stats()
    forbidden = stats.get("robotstxt/forbidden", 0)
    if forbidden:
        health.error(f"{forbidden} request(s) forbidden by the site's robots.txt (obey_robots: false overrides)", forbidden)
    failures = _count_failures(stats)
    if failures:
        health.error(f"{failures} request(s) failed after retries or broke the parser (see the crawl log)", failures)
    ingested = getattr(crawler.spider, "ingested", None)
    return CrawlOutcome(
        status=health.status,
        pages=health.pages,
        seen=health.seen,
        new=ingested.new if ingested else 0,
        updated=ingested.updated if ingested else 0,
        errors=health.errors,
        detail=health.detail,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Crawl one source into the store (run by `reputation crawl`).")
    parser.add_argument("--config", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    args = parser.parse_args(argv)
    config, path = load_config(args.config)
    store = open_store(config, path)
    try:
        outcome = crawl_source(config, store, args.source, args.run_id)
    except Exception as exc:  # the run must end recorded, whatever broke
        traceback.print_exc()
        outcome = CrawlOutcome(status="failing", errors=1, detail=f"crawl crashed: {exc!r}")
    store.finish_run(args.run_id, outcome)
    store.close()
    return 0 if outcome.status != "failing" else 1


if __name__ == "__main__":
    sys.exit(main())
