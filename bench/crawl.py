"""Crawl speed and memory: the Scrapy crawl against requests + BeautifulSoup in one thread.

A local server imitates a Telegram channel preview (t.me/s/<channel>) of 20,000
posts, 20 to a page, 1,000 pages linked by `?before=<id>`. Both crawls read
every page newest first, normalize each post the same way (scrapers.normalize:
clean text, dates, language) and store it in a fresh SQLite store. Prints
posts/second and peak memory (RSS) of each, and the ratio.

    python bench/crawl.py [--posts 20000] [--per-page 20]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

CHANNEL = "kofemania"
START = datetime(2025, 1, 1, tzinfo=timezone.utc)
PHRASES = [
    "Кофемания открыла новое кафе на Арбате ☕",
    "Сырники дня &mdash; с черникой.<br/>Ждём вас!",
    "Kofemania now takes international cards.",
    "Kofemanian uusi kahvila avattiin Helsingissä.",
    "Завтраки до 16:00 по будням, &laquo;Павлова&raquo; снова в меню.",
]


def _post(post_id: int) -> str:
    when = (START + timedelta(minutes=post_id)).isoformat()
    text = f"{PHRASES[post_id % len(PHRASES)]} #{post_id}"
    return (
        f'<div class="tgme_widget_message_wrap js-widget_message_wrap">'
        f'<div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="{CHANNEL}/{post_id}">'
        f'<div class="tgme_widget_message_bubble"><div class="tgme_widget_message_author accent_color">'
        f'<a class="tgme_widget_message_owner_name" href="https://t.me/{CHANNEL}"><span dir="auto">Кофемания</span></a></div>'
        f'<div class="tgme_widget_message_text js-message_text" dir="auto">{text}</div>'
        f'<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">'
        f'<span class="tgme_widget_message_views">1.2K</span><span class="tgme_widget_message_meta">'
        f'<a class="tgme_widget_message_date" href="https://t.me/{CHANNEL}/{post_id}"><time datetime="{when}" class="time">12:00</time></a>'
        f"</span></div></div></div></div></div>"
    )


def page(newest: int, per_page: int) -> bytes:
    """Posts newest-per_page+1 .. newest, oldest at the top as on the real page."""
    oldest = max(1, newest - per_page + 1)
    more = (
        f'<a class="tme_messages_more js-messages_more" data-before="{oldest}" href="/s/{CHANNEL}?before={oldest}"></a>'
        if oldest > 1
        else ""
    )
    posts = "".join(_post(i) for i in range(oldest, newest + 1))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Кофемания – Telegram</title></head><body>'
        '<div class="tgme_channel_info"><div class="tgme_channel_info_header_title"><span dir="auto">Кофемания</span></div></div>'
        f'<section class="tgme_channel_history js-message_history">{more}{posts}</section></body></html>'
    ).encode()


def serve(total: int, per_page: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path != f"/s/{CHANNEL}":
                self.send_response(404 if parts.path != "/robots.txt" else 200)
                self.end_headers()
                return
            before = parse_qs(parts.query).get("before")
            body = page(int(before[0]) - 1 if before else total, per_page)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def baseline(url: str, database: str, total: int) -> None:
    """requests + BeautifulSoup, one thread: the same pages, normalization and store. Prints its peak RSS."""
    import requests
    from bs4 import BeautifulSoup

    from reputation.config import Source
    from reputation.store import Store
    from scrapers.items import ScrapedReview
    from scrapers.normalize import to_review
    from zoneinfo import ZoneInfo

    store = Store.open(database)
    store.sync_sources([Source(id="baseline", type="telegram", url=url, query="own")])
    zone, now, session, next_url = ZoneInfo("Europe/Moscow"), datetime.now(timezone.utc), requests.Session(), url
    while next_url:
        soup = BeautifulSoup(session.get(next_url, timeout=30).text, "html.parser")
        reviews = []
        for post in reversed(soup.select("div.tgme_widget_message[data-post]")):
            date = post.select_one("a.tgme_widget_message_date")
            item = ScrapedReview(
                external_id=post["data-post"],
                text=str(post.select_one("div.tgme_widget_message_text.js-message_text").decode_contents()),
                url=date["href"],
                author=post.select_one(".tgme_widget_message_owner_name").get_text(),
                published=date.time["datetime"],
            )
            reviews.append(to_review(item, source_id="baseline", now=now, zone=zone))
        store.ingest(reviews, now=now)
        more = soup.select_one("a.tme_messages_more[data-before]")
        next_url = f"{url}?before={more['data-before']}" if more else None
    store.close()
    print(json.dumps({"peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def scrapy_crawl(folder: Path, url: str, total: int) -> tuple[float, int, int]:
    from reputation.config import load_config
    from reputation.store import open_store
    from scrapers import crawl

    config_path = folder / "reputation.yaml"
    config_path.write_text(
        yaml.safe_dump(
            {
                "company": {"name": "Кофемания", "timezone": "Europe/Moscow"},
                "database_url": "sqlite:///scrapy.db",
                "sources": [
                    {"id": "scrapy", "type": "telegram", "url": url, "query": "own", "crawl_delay": 0, "backfill": total}
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    config, path = load_config(config_path)
    store = open_store(config, path)
    started = time.perf_counter()
    run = crawl(config, path, store, "scrapy", echo=lambda line: None)
    elapsed = time.perf_counter() - started
    store.close()
    # The crawl ran in the only child process so far: its peak is the children's peak.
    return elapsed, run.items_new, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--per-page", type=int, default=20)
    parser.add_argument("--baseline-child", nargs=3, metavar=("URL", "DATABASE", "TOTAL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        url, database, total = args.baseline_child
        baseline(url, database, int(total))
        return

    server = serve(args.posts, args.per_page)
    url = f"http://127.0.0.1:{server.server_port}/s/{CHANNEL}"
    with tempfile.TemporaryDirectory() as folder:
        scrapy_s, stored, scrapy_rss = scrapy_crawl(Path(folder), url, args.posts)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--baseline-child", url, f"sqlite:///{folder}/baseline.db", str(args.posts)],
            capture_output=True, text=True, check=True,
        )
        baseline_s = time.perf_counter() - started
        baseline_rss = json.loads(done.stdout.splitlines()[-1])["peak_rss_kb"]
    server.shutdown()

    pages = -(-args.posts // args.per_page)
    print(f"{args.posts:,} posts on {pages:,} pages; stored by the Scrapy crawl: {stored:,}")
    print(f"{'crawl':<34}{'posts/s':>10}{'seconds':>10}{'peak RSS MB':>13}")
    print(f"{'Scrapy (child process)':<34}{args.posts / scrapy_s:>10,.0f}{scrapy_s:>10.1f}{scrapy_rss / 1024:>13.0f}")
    print(f"{'requests + BeautifulSoup, 1 thread':<34}{args.posts / baseline_s:>10,.0f}{baseline_s:>10.1f}{baseline_rss / 1024:>13.0f}")
    print(f"speed ratio (Scrapy / baseline): {baseline_s / scrapy_s:.2f}x; memory ratio: {scrapy_rss / baseline_rss:.2f}x")


if __name__ == "__main__":
    main()
