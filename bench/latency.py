"""From a negative post's publication to (a) the inbox and (b) the team's alert e-mail, on the demo set-up.

Runs what `reputation demo` runs, in a temporary folder: the demo sources with
their week of history, the SMTP sink and `reputation run` (as a child process,
as in production), with the social source polled every --interval. It then
publishes --posts negative posts on the demo's Telegram channel, one every
--gap seconds (so publications fall at every phase of the polling interval),
and measures for each:

  (a) inbox: until the review is in the store flagged and unanswered (polled every 0.2 s);
  (b) alert: until its alert e-mail reached the SMTP sink.

It prints p50 and p95 of both beside the polling interval, and p95 as a share
of the 60-minute social reply deadline. The expected floor is about half the
interval (a post waits for the next crawl) plus one crawl and scoring.

    .venv/bin/python bench/latency.py [--posts 30] [--interval 30s] [--gap 13] [--model bundled]
"""

from __future__ import annotations

import argparse
import math
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reputation import schema  # noqa: E402
from reputation.config import load_config, parse_duration  # noqa: E402
from reputation.demo import texts  # noqa: E402
from reputation.demo.folder import DemoFolder, Ports  # noqa: E402
from reputation.demo.mailsink import MailSink  # noqa: E402
from reputation.demo.pages import TELEGRAM_CHANNEL  # noqa: E402
from reputation.demo.runner import prepare_store  # noqa: E402
from reputation.demo.server import DemoServer  # noqa: E402
from reputation.demo.world import Item, World, fill_history  # noqa: E402
from reputation.store import open_store  # noqa: E402

SOCIAL_SLA_S = 3600
_REVIEW_LINK = re.compile(r"[?&]review=(\d+)")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=30)
    parser.add_argument("--interval", default="30s", help="crawl interval of the social source (a duration: 30s, 1m)")
    parser.add_argument("--gap", type=float, default=13.0, help="seconds between two published posts")
    parser.add_argument("--model", default="bundled", help="sentiment model: bundled, a folder or a hub id")
    parser.add_argument("--folder", type=Path, help="demo folder to use (default: a temporary one)")
    args = parser.parse_args()
    interval = parse_duration(args.interval)

    with tempfile.TemporaryDirectory(prefix="latency-") as scratch:
        folder = DemoFolder(args.folder or Path(scratch) / "demo")
        folder.prepare()
        world = World(folder.world)
        if not len(world):
            fill_history(world, datetime.now(timezone.utc))
        mailed: dict[int, datetime] = {}

        def received(path, message) -> None:
            moment = datetime.now(timezone.utc)
            body = message.get_body(("plain",))
            for review_id in _REVIEW_LINK.findall(body.get_content() if body else ""):
                mailed.setdefault(int(review_id), moment)

        ports = Ports.free()
        server = DemoServer(world, port=ports.sources).start()
        sink = MailSink(folder.mail, port=ports.smtp, on_message=received).start()
        child = None
        try:
            folder.write_config(ports, model=args.model, every={"telegram": args.interval})
            print(f"setting up the demo in {folder.root} (a week of history)…", flush=True)
            prepare_store(folder, print)
            log = open(folder.logs / "run.log", "ab")
            child = subprocess.Popen([sys.executable, "-m", "reputation", "--config", str(folder.config), "run"],
                                     stdout=log, stderr=subprocess.STDOUT, cwd=folder.root)
            log.close()
            results = measure(folder, world, args, interval, mailed)
        finally:
            if child is not None:
                child.send_signal(2)
                child.wait(120)
            sink.stop()
            server.stop()
    report(results, args, interval)


def measure(folder: DemoFolder, world: World, args, interval: timedelta, mailed: dict) -> dict:
    config, path = load_config(folder.config)
    store = open_store(config, path)
    rng = random.Random(13)
    published: dict[str, datetime] = {}  # external id -> publication time
    inboxed: dict[str, datetime] = {}
    review_ids: dict[str, int] = {}
    stop = threading.Event()
    reviews = schema.reviews

    def watch() -> None:
        while not stop.wait(0.2):
            waiting = [key for key in published if key not in inboxed]
            if not waiting:
                continue
            with store.engine.connect() as db:
                rows = db.execute(select(reviews.c.id, reviews.c.external_id).where(
                    reviews.c.source_id == "telegram", reviews.c.external_id.in_(waiting),
                    reviews.c.flagged.is_(True), reviews.c.status == "open")).all()
            moment = datetime.now(timezone.utc)
            for row in rows:
                inboxed[row.external_id] = moment
                review_ids[row.external_id] = row.id

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    # Let the service start and its first crawls pass before the first post.
    time.sleep(interval.total_seconds())
    try:
        for number in range(args.posts):
            text = texts.pick(rng, label="negative", short=True)
            now = datetime.now(timezone.utc)
            item = world.publish("telegram", lambda item_id: Item(
                "telegram", item_id, now, texts.author(rng, text.language), texts.tagged(text), text.language, "negative"))
            published[f"{TELEGRAM_CHANNEL}/{item.id}"] = item.published
            print(f"post {number + 1}/{args.posts} published", flush=True)
            time.sleep(args.gap)
        deadline = time.monotonic() + 3 * interval.total_seconds() + 120
        while time.monotonic() < deadline:
            done = [k for k in published if k in inboxed and review_ids[k] in mailed]
            if len(done) == len(published):
                break
            time.sleep(1)
    finally:
        stop.set()
        watcher.join()
        store.close()
    to_inbox = [(inboxed[k] - published[k]).total_seconds() for k in published if k in inboxed]
    to_mail = [(mailed[review_ids[k]] - published[k]).total_seconds()
               for k in published if k in review_ids and review_ids[k] in mailed]
    after_inbox = [(mailed[review_ids[k]] - inboxed[k]).total_seconds()
                   for k in published if k in review_ids and review_ids[k] in mailed]
    return {"published": len(published), "inbox": to_inbox, "alert": to_mail, "after_inbox": after_inbox}


def report(results: dict, args, interval: timedelta) -> None:
    print(f"\nposts published: {results['published']} negative posts on the demo's Telegram channel, "
          f"one every {args.gap:g} s; model: {args.model}")
    print(f"polling interval (social source): {interval.total_seconds():g} s")
    for key, title in (("inbox", "(a) publication -> inbox"), ("alert", "(b) publication -> alert e-mail")):
        values = results[key]
        if not values:
            print(f"{title}: none arrived (the model flagged none of the posts, or the service did not run: see logs)")
            continue
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{title}: p50 {p50:.1f} s, p95 {p95:.1f} s over {len(values)} posts "
              f"(p50 = {p50 / interval.total_seconds():.2f} x interval; p95 = {100 * p95 / SOCIAL_SLA_S:.1f}% "
              "of the 60-minute social reply deadline)")
    if results["after_inbox"]:
        print(f"alert e-mail after the inbox: p50 {percentile(results['after_inbox'], 0.5):.2f} s "
              "(the inbox is polled every 0.2 s; the alert is queued in the transaction that flags the review "
              "and sent right after the crawl's scoring)")


if __name__ == "__main__":
    main()
