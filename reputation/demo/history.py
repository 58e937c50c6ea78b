"""A week of history in the store before the demo goes live, so trends and reports have data at once.

The week's reviews are read from the demo server by the real crawls (the same
spiders and ingest as later), then scored with alerts off: a week-old backlog
is history, not news for the team's mailbox. Business replies on Otzovik and
2GIS come in with the crawl; of the flagged reviews still open after that, the
team answered most through the inbox (some late) and left a few unanswered.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from reputation import inbox
from reputation.config import Alerts, Config
from reputation.store import HEALTHY, Store, utcnow

# The share of the week's flagged reviews the team answered in the inbox, and of those answered late.
ANSWERED, LATE = 0.8, 0.15
REPLY = {
    "ru": "Здравствуйте! Спасибо, что написали, нам очень жаль. Написали вам в личные сообщения.",
    "fi": "Kiitos viestistä ja pahoittelut! Laitoimme sinulle yksityisviestin.",
    "en": "Thank you for telling us, and sorry! We've sent you a private message.",
}


class HistoryError(RuntimeError):
    """The week of history could not be loaded; the message says which step failed."""


def crawl_all(config: Config, config_path: Path, store: Store, echo: Callable[[str], None]) -> None:
    """Crawl every source once (a few at a time); fails unless each ends healthy."""
    from scrapers import crawl

    def one(source_id: str):
        return crawl(config, config_path, store, source_id, echo=lambda line: None, timeout_s=300)

    ids = [source.id for source in config.sources]
    with ThreadPoolExecutor(3) as pool:
        runs = dict(zip(ids, pool.map(one, ids)))
    for source_id, run in runs.items():
        echo(f"  {source_id}: {run.items_new} reviews ({run.status})")
    failed = {s: r for s, r in runs.items() if r.status not in HEALTHY}
    if failed:
        detail = "; ".join(f"{s}: {r.status} ({r.error_detail})" for s, r in failed.items())
        raise HistoryError(f"the demo sources could not be crawled: {detail}")


def score_quietly(config: Config, store: Store, models) -> int:
    """Score what the crawls stored, with alerts off (nothing of the week is announced later either)."""
    from sentiment.scoring import score_reviews

    return score_reviews(store, config.model_copy(update={"alerts": Alerts()}), models)


def answer_some(store: Store, user: str, *, seed: int = 8) -> int:
    """The team's replies to the week's flagged reviews not answered on the source, recorded in the inbox."""
    rng = random.Random(seed)
    now = utcnow()
    answered = 0
    for row in inbox.unanswered(store.engine, limit=10_000):
        if rng.random() >= ANSWERED:
            continue
        start = row.published_at or row.first_seen_at
        late = rng.random() < LATE
        when = start + (row.due_at - start) * (rng.uniform(1.1, 2) if late else rng.uniform(0.1, 0.8))
        if when > now:
            continue
        inbox.record_reply(store, row.id, REPLY.get(row.language, REPLY["en"]), "public", when, by=user, now=now)
        answered += 1
    return answered
