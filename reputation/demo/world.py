"""The demo company's world: every review and post published on its sources, past and live.

An item is fixed when it is published, its business reply too (with the time
the reply appears); the demo server shows what is published by now. Items are
appended to `world.jsonl` in the demo's folder, so a second start serves the
same reviews under the same ids, and new ones continue from there.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from reputation.demo import texts


@dataclass(frozen=True)
class Kind:
    """How one demo source behaves."""

    per_day: float  # in the week of history
    live_every_s: tuple[int, int]  # a new item after this many seconds, at random within the range
    languages: dict[str, float]
    first_id: int
    rated: bool = False
    # The business answers on the source itself (Otzovik comments, 2GIS official answers).
    answers: bool = False
    short: bool = False


KINDS = {
    "otzovik": Kind(3, (120, 240), {"ru": 1.0}, 17_000_000, rated=True, answers=True),
    "2gis": Kind(5, (90, 180), {"ru": 0.7, "fi": 0.15, "en": 0.15}, 15_000_000, rated=True, answers=True),
    "vk": Kind(6, (20, 40), {"ru": 0.8, "fi": 0.1, "en": 0.1}, 3_000, short=True),
    "telegram": Kind(6, (20, 40), texts.LANGUAGES, 100, short=True),
    "appstore": Kind(2, (180, 360), {"ru": 0.7, "fi": 0.15, "en": 0.15}, 12_000_000_000, rated=True),
    "feed": Kind(1.5, (240, 480), {"ru": 0.5, "fi": 0.25, "en": 0.25}, 1),
}
# Chance that the business answers on the source, by label.
ANSWER_SHARE = {"negative": 0.6, "neutral": 0.3, "positive": 0.3}
HISTORY = timedelta(days=7)


@dataclass(frozen=True)
class Item:
    source: str  # a key of KINDS
    id: int
    published: datetime
    author: str
    text: str
    language: str
    label: str  # what the author meant; the model decides what the product sees
    title: str | None = None
    rating: int | None = None
    reply_text: str | None = None
    reply_at: datetime | None = None

    def replied_by(self, now: datetime) -> bool:
        return self.reply_at is not None and self.reply_at <= now

    def to_json(self) -> str:
        row = asdict(self)
        row["published"] = self.published.isoformat()
        row["reply_at"] = self.reply_at.isoformat() if self.reply_at else None
        return json.dumps(row, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Item:
        row = json.loads(line)
        row["published"] = datetime.fromisoformat(row["published"])
        row["reply_at"] = datetime.fromisoformat(row["reply_at"]) if row["reply_at"] else None
        return cls(**row)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class World:
    """Every item of every source; appended to `path` (when given) as it is published."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self._items: dict[str, list[Item]] = {source: [] for source in KINDS}
        self._lock = threading.Lock()
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    item = Item.from_json(line)
                    self._items[item.source].append(item)

    def __len__(self) -> int:
        return sum(len(items) for items in self._items.values())

    def publish(self, source: str, build: Callable[[int], Item]) -> Item:
        """Add the item `build` makes for the next id of `source`."""
        with self._lock:
            known = self._items[source]
            item = build(max((i.id for i in known), default=KINDS[source].first_id - 1) + 1)
            known.append(item)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(item.to_json() + "\n")
        return item

    def visible(self, source: str, now: datetime | None = None) -> list[Item]:
        """The items of `source` published by `now`, newest first."""
        now = now or utcnow()
        with self._lock:
            shown = [item for item in self._items[source] if item.published <= now]
        return sorted(shown, key=lambda item: (item.published, item.id), reverse=True)

    def items(self, source: str) -> list[Item]:
        with self._lock:
            return list(self._items[source])


def make_item(source: str, item_id: int, published: datetime, rng: random.Random, *,
              label: str | None = None, reply_within: tuple[timedelta, timedelta] | None = None) -> Item:
    """A review or post of the demo mix for `source`; the business may answer it within `reply_within`."""
    kind = KINDS[source]
    language = rng.choices(list(kind.languages), weights=list(kind.languages.values()))[0]
    text = texts.pick(rng, label=label, language=language, short=kind.short)
    label = text.label
    title, body = None, text.text
    rating = texts.rated(text, rng) if kind.rated else None
    if source == "appstore":
        title, body = texts.app_review(rng, label, language)
        rating = texts.stars(label, rng)
    elif source in ("vk", "telegram"):
        body = texts.tagged(text)
    elif source == "feed":
        title = texts.FEED_TITLES[language][label].format(name=texts.ALIAS if language != "ru" else texts.COMPANY)
    elif source == "otzovik":
        title = " ".join(body.split()[:5]).rstrip(".,!?:;—-") or body[:40]
    reply_text = reply_at = None
    if kind.answers and reply_within and rng.random() < ANSWER_SHARE[label]:
        low, high = reply_within
        reply_at = published + low + (high - low) * rng.random()
        reply_text = texts.reply_for(rng, label, language)
    author = rng.choice(texts.LOGINS) if source == "otzovik" else texts.author(rng, language)
    return Item(source=source, id=item_id, published=published, author=author, text=body, language=language,
                label=label, title=title, rating=rating,
                reply_text=reply_text, reply_at=reply_at)


def fill_history(world: World, end: datetime, *, seed: int = 8) -> None:
    """A week of items before `end` on every source, some answered on the source (a few only after `end`)."""
    rng = random.Random(seed)
    for source, kind in KINDS.items():
        count = round(kind.per_day * HISTORY.days)
        moments = sorted(end - HISTORY * rng.random() for _ in range(count))
        for moment in moments:
            world.publish(source, lambda item_id: make_item(
                source, item_id, moment, rng, reply_within=(timedelta(minutes=20), timedelta(hours=30))))


class LiveFeed:
    """Publishes new items on every source as time passes, until stopped.

    The first item of each source after the start is negative (social ones within
    seconds), so a fresh demo shows an alert within its first minutes.
    """

    def __init__(self, world: World, *, on_publish: Callable[[Item], None] | None = None, seed: int | None = None):
        self.world = world
        self.on_publish = on_publish
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> LiveFeed:
        now = utcnow()
        self._due = {
            source: now + timedelta(seconds=self.rng.uniform(5, 15) if kind.short else self.rng.uniform(20, 45))
            for source, kind in KINDS.items()
        }
        self._opened: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="demo-live-feed", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            now = utcnow()
            for source, due in self._due.items():
                if due <= now:
                    self.publish(source, now)
                    low, high = KINDS[source].live_every_s
                    self._due[source] = now + timedelta(seconds=self.rng.uniform(low, high))

    def publish(self, source: str, now: datetime) -> Item:
        label = None if source in self._opened else "negative"
        self._opened.add(source)
        item = self.world.publish(source, lambda item_id: make_item(
            source, item_id, now, self.rng, label=label, reply_within=(timedelta(minutes=2), timedelta(minutes=10))))
        if self.on_publish:
            self.on_publish(item)
        return item
