"""Dashboard speed on a million reviews: Overview and Inbox rendered by the real app (Streamlit's AppTest),
beside a baseline that loads every review into pandas and computes the same figures there.

Seeds a SQLite store (bulk insert through the sqlite3 module) with N reviews over 90 days on
five sources, each scored, a fifth of them flagged, most flagged ones answered. Then, each in a
fresh child process so that its peak memory is its own:
  - app overview: in a running app (its code loaded), a logged-in user's first render of Overview
    (KPI tiles for 30 days against the 30 before, four charts), nothing cached yet;
  - app inbox: the same for the Inbox (its first page of 25, by deadline);
  - pandas overview: read all reviews with their score and channel into a DataFrame, compute the
    same KPIs for both periods and the per-day volume by sentiment;
  - pandas inbox: read all reviews, keep flagged open ones, sort by deadline, take 25.
Prints seconds and peak RSS for each and the ratio pandas ÷ app. The app's time includes running
the page script and building its elements; the baseline's is the data work only.

    python bench/dashboard.py                  # 1,000,000 reviews
    python bench/dashboard.py --reviews 100000 # a quicker run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCES = [("otzovik", "otzovik", "review_site"), ("2gis", "2gis", "map"), ("vk", "vk", "social"),
           ("telegram", "telegram", "social"), ("appstore", "appstore", "app_store")]
SLA = {"review_site": timedelta(hours=24), "map": timedelta(hours=24), "social": timedelta(hours=1), "app_store": timedelta(hours=48)}
WORDS = "кофе обслуживание доставка курьер опоздал вкусно ужасно спасибо palvelu hyvä huono delivery late great".split()
DAYS = 90
CHUNK = 50_000


def _sql_time(moment: datetime) -> str:
    """As SQLAlchemy's UtcDateTime stores it on SQLite: UTC, no zone."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def seed(path: Path, count: int, now: datetime) -> None:
    from reputation.store import Store
    from reputation.users import add_user

    store = Store.open(f"sqlite:///{path}")
    add_user(store, "bench", "bench password", "admin")
    store.close()
    rng = random.Random(11)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous = OFF")
    db.executemany(
        "INSERT INTO sources (id, type, channel, url, enabled, status, created_at) VALUES (?, ?, ?, ?, 1, 'ok', ?)",
        [(sid, kind, channel, f"https://example.com/{sid}", _sql_time(now)) for sid, kind, channel in SOURCES],
    )
    for start in range(0, count, CHUNK):
        reviews, scores = [], []
        for n in range(start, min(start + CHUNK, count)):
            sid, _, channel = SOURCES[n % len(SOURCES)]
            # Stored roughly in publication order, as crawls store them.
            published = now - timedelta(seconds=DAYS * 86400 * (count - n) / count + rng.randrange(3600))
            rating = rng.randint(1, 5) if channel != "social" else None
            label = "negative" if (rating or rng.randint(1, 5)) <= 2 else rng.choice(("neutral", "positive"))
            flagged = label == "negative"
            due = published + SLA[channel] if flagged else None
            replied = published + timedelta(minutes=rng.randrange(5, 3000)) if flagged and rng.random() < 0.97 else None
            replied = replied if replied is None or replied < now else None
            status = "answered" if replied else "open"
            resolved = replied + timedelta(hours=2) if replied and rng.random() < 0.5 else None
            status = "resolved" if resolved else status
            text = " ".join(rng.choices(WORDS, k=rng.randint(5, 40)))
            reviews.append((
                n + 1, sid, f"r{n}", f"https://example.com/{sid}/{n}", f"author {n}", text, rating, rng.choice(("ru", "fi", "en")),
                _sql_time(published), _sql_time(published), _sql_time(published), f"{n:040x}", n + 1, int(flagged),
                _sql_time(due) if due else None, _sql_time(replied) if replied else None,
                _sql_time(resolved) if resolved else None, status,
            ))
            scores.append((n + 1, n + 1, label, -0.8 if flagged else 0.5, "bench", "1", f"{n:040x}", _sql_time(published)))
        db.executemany(
            "INSERT INTO reviews (id, source_id, external_id, url, author, text, rating, language, published_at, first_seen_at,"
            " updated_at, content_hash, sentiment_id, flagged, due_at, replied_at, resolved_at, status, published_approx,"
            " needs_scoring) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)",
            reviews,
        )
        db.executemany(
            "INSERT INTO sentiment_scores (id, review_id, label, score, model_id, model_version, content_hash, scored_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            scores,
        )
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


# The phases, each run in a child process: python bench/dashboard.py --phase NAME --config FILE


def phase_app(page: str) -> float:
    """The first render of `page` by a logged-in user in a running app: its code loaded (the inbox and
    the users page drawn once before), its figures not yet cached."""
    from streamlit.testing.v1 import AppTest

    from dashboard.session import app as dashboard_app
    from reputation.users import open_session

    app = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600).run()
    ctx = dashboard_app()
    app.session_state["auth"] = {"name": "bench", "token": open_session(ctx.store, "bench", ctx.config.dashboard.session_ttl)}
    app.run()  # the inbox, the page that opens after login
    app.switch_page("views/users.py").run()
    app.switch_page(page)
    start = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - start
    if app.exception:
        raise SystemExit(f"the page failed: {app.exception}")
    return elapsed


def _all_rows(url: str):
    import pandas as pd
    from sqlalchemy import create_engine

    engine = create_engine(url)
    query = (
        "SELECT r.id, r.source_id, s.channel, r.rating, r.language, r.published_at, r.first_seen_at, r.flagged, r.due_at,"
        " r.replied_at, r.resolved_at, r.status, r.author, r.text, r.url, sc.label FROM reviews r"
        " JOIN sources s ON s.id = r.source_id LEFT JOIN sentiment_scores sc ON sc.id = r.sentiment_id"
    )
    frame = pd.read_sql(query, engine, parse_dates=["published_at", "first_seen_at", "due_at", "replied_at", "resolved_at"])
    engine.dispose()
    return frame


def _pandas_kpis(frame, start, end, now) -> dict:
    frame = frame[~frame.status.isin(["spam", "not_ours"])]
    at = frame.published_at.fillna(frame.first_seen_at)
    published = frame[(at >= start) & (at < end)]
    flagged = frame[frame.flagged.astype(bool)]
    due = flagged[(flagged.due_at >= start) & (flagged.due_at < end)]
    replied = flagged[(flagged.replied_at >= start) & (flagged.replied_at < end)]
    resolved = flagged[(flagged.resolved_at >= start) & (flagged.resolved_at < end)]
    rated = published.rating.dropna()
    return {
        "new_reviews": len(published),
        "negative_share": (published.label == "negative").sum() / max(1, published.label.notna().sum()),
        "average_rating": rated.mean(),
        "csi": 100 * (rated >= 4).mean(),
        "flagged": int(published.flagged.sum()),
        "within_sla": int((due.replied_at <= due.due_at).sum()),
        "breached": int(((due.replied_at > due.due_at) | (due.replied_at.isna() & (due.due_at < now))).sum()),
        "afrt": (replied.replied_at - replied.published_at.fillna(replied.first_seen_at)).dt.total_seconds().mean(),
        "mttr": (resolved.resolved_at - resolved.published_at.fillna(resolved.first_seen_at)).dt.total_seconds().mean(),
        "response_rate": published[published.flagged.astype(bool)].replied_at.notna().mean(),
    }


def phase_pandas(what: str, url: str) -> float:
    import pandas as pd

    start = time.perf_counter()
    frame = _all_rows(url)
    now = pd.Timestamp.now()
    if what == "overview":
        end = now.normalize() + pd.Timedelta(days=1)
        begin = end - pd.Timedelta(days=30)
        _pandas_kpis(frame, begin, end, now)
        _pandas_kpis(frame, begin - pd.Timedelta(days=30), begin, now)
        recent = frame[frame.published_at >= begin]
        recent.groupby([recent.published_at.dt.date, recent.label]).size().unstack(fill_value=0)
    else:
        waiting = frame[frame.flagged.astype(bool) & (frame.status == "open")]
        waiting.sort_values(["due_at", "id"]).head(25)
    return time.perf_counter() - start


def run_phase(name: str, config: Path) -> dict:
    """Run one phase in a fresh child process; its seconds and peak resident memory."""
    env = {**os.environ, "REPUTATION_CONFIG": str(config)}
    out = subprocess.run([sys.executable, __file__, "--phase", name, "--config", str(config)],
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"phase {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        from reputation.config import database_url, load_config

        config, path = load_config(args.config)
        url = database_url(config, path)
        app_pages = {"app overview": "views/overview.py", "app inbox": "views/inbox.py"}
        seconds = phase_app(app_pages[args.phase]) if args.phase in app_pages else phase_pandas(args.phase.split()[1], url)
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"seconds": seconds, "peak_mib": peak_mib}))
        return

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = folder / "reputation.yaml"
        config.write_text(f"company: {{name: Bench, timezone: Europe/Moscow}}\ndatabase_url: sqlite:///{folder / 'bench.db'}\n", encoding="utf-8")
        started = time.perf_counter()
        seed(folder / "bench.db", args.reviews, datetime.now(timezone.utc))
        seeded = time.perf_counter() - started
        print(f"seeded {args.reviews:,} reviews in {seeded:.1f} s ({args.reviews / seeded:,.0f} reviews/s)")
        results = {name: run_phase(name, config) for name in ("app overview", "pandas overview", "app inbox", "pandas inbox")}
    print(f"{'phase':<18} {'seconds':>9} {'peak MiB':>9}")
    for name, figures in results.items():
        print(f"{name:<18} {figures['seconds']:>9.2f} {figures['peak_mib']:>9.0f}")
    for page in ("overview", "inbox"):
        app, pandas = results[f"app {page}"], results[f"pandas {page}"]
        print(f"{page}: pandas ÷ app = {pandas['seconds'] / app['seconds']:.1f}× the time, "
              f"{pandas['peak_mib'] / app['peak_mib']:.1f}× the peak memory")


if __name__ == "__main__":
    main()
