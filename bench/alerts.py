"""From a negative post's publication to its alert in the inbox, through `reputation run`.

A local Telegram-shaped channel (tests/live_channel.py) gets negative posts
about the company at random times (gaps drawn uniformly between 0 and twice the
polling interval); `reputation run` polls it every `--interval` seconds, scores
what is new and sends each alert to a local SMTP server (aiosmtpd). Prints the
p50 and p95 (and max) of publication → alert arrival over `--posts` posts,
beside the polling interval. Waiting for the next poll alone accounts for half
the interval on average; the rest is the crawl, scoring and the e-mail.

    python bench/alerts.py [--interval 60] [--posts 30] [--model FOLDER] [--seed 1]

The default run takes about half an hour (30 posts, a minute apart on average);
`--interval 5` checks the set-up in a few minutes. Without `--model`, the
bundled model is used when installed, else a tiny one built on the spot.
"""

from __future__ import annotations

import argparse
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentiment.loading import BUNDLED, BUNDLED_DIR  # noqa: E402
from tests.live_channel import LiveChannel  # noqa: E402
from tests.smtp_server import SmtpServer  # noqa: E402

COMPLAINTS = [
    "Кофемания: ужасный сервис, больше не придём",
    "в Кофемании ужасно долго ждали, грубый официант",
    "Кофемания холодный кофе и грязно",
    "Kofemania terrible service, rude staff",
]
MARK = re.compile(r"\(#(\d+)\)")


def model_location(folder: Path, given: str | None) -> str:
    if given:
        return given
    if (BUNDLED_DIR / "config.json").exists():
        return BUNDLED
    from tests.tiny_model import build_tiny_model

    print("bundled model not installed: building a tiny one")
    return str(build_tiny_model(folder / "tiny-model"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=60, help="seconds between polls of the channel (default 60)")
    parser.add_argument("--posts", type=int, default=30, help="negative posts to publish (default 30)")
    parser.add_argument("--model", help="sentiment model folder or id (default: bundled, else a tiny one)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)

    folder = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    channel = LiveChannel().start()
    published: dict[int, float] = {}
    arrived: dict[int, float] = {}
    smtp = SmtpServer().start()

    def received(message) -> None:
        body = message.message.get_body(("plain",)).get_content()
        for number in MARK.findall(body):
            arrived.setdefault(int(number), time.time())

    smtp.on_message = received
    config = {
        "company": {"name": "Кофемания", "timezone": "Europe/Moscow", "aliases": ["Kofemania"]},
        "database_url": "sqlite:///reputation.db",
        "sources": [{"id": "city", "type": "telegram", "url": channel.url, "every": f"{args.interval}s", "crawl_delay": 0}],
        # One alert per post, however many one poll finds, so that each has its own arrival.
        "alerts": {"enabled": True, "to": ["team@example.com"], "digest_over": 100_000, "smtp": smtp.smtp_config()},
        "sentiment": {"model": model_location(folder, args.model)},
    }
    config_path = folder / "reputation.yaml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with open(folder / "service.log", "w", encoding="utf-8") as log:
        service = subprocess.Popen(
            [sys.executable, "-m", "reputation", "--config", str(config_path), "run"], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        # The service is up once it has read the (still empty) channel.
        while channel.requests == 0:
            if service.poll() is not None:
                sys.exit(f"reputation run ended ({service.returncode}); see {folder / 'service.log'}")
            time.sleep(0.5)
        print(f"polling every {args.interval}s; publishing {args.posts} negative posts at random times")
        for number in range(1, args.posts + 1):
            time.sleep(random.uniform(0, 2 * args.interval))
            channel.publish(f"{COMPLAINTS[number % len(COMPLAINTS)]} (#{number})")
            published[number] = time.time()
        deadline = time.time() + 3 * args.interval + 120
        while len(arrived) < args.posts and time.time() < deadline:
            time.sleep(0.5)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=300)
        smtp.close()
        channel.stop()

    latencies = sorted(arrived[n] - published[n] for n in published if n in arrived)
    if len(latencies) < 2:
        sys.exit(f"only {len(latencies)} of {args.posts} alerts arrived; see {folder / 'service.log'}")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    print(f"alerts arrived: {len(latencies)} of {args.posts}")
    print(f"polling interval: {args.interval}s")
    print(f"publication -> alert: p50 {cuts[49]:.1f}s, p95 {cuts[94]:.1f}s, max {latencies[-1]:.1f}s")
    print(f"p50 / interval: {cuts[49] / args.interval:.2f}, p95 / interval: {cuts[94] / args.interval:.2f}")


if __name__ == "__main__":
    main()
