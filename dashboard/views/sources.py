"""Sources: each source's health, reviews per day, and (admins) a crawl started now."""

from __future__ import annotations

import streamlit as st

from dashboard import queries, session
from dashboard.crawls import Crawls
from dashboard.safe import md
from reputation.store import HEALTHY, utcnow

SPARK_DAYS = 30


@st.cache_resource(show_spinner=False)
def _crawls() -> Crawls:
    return Crawls()


def _when(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "never"


def page() -> None:
    ctx = session.app()
    user = session.current_user(ctx)
    zone = ctx.config.company.zone
    st.title("Sources / Источники")
    health = ctx.store.sources_health()
    per_day = queries.reviews_per_day(ctx.store.engine, utcnow(), SPARK_DAYS)
    st.dataframe(
        [
            {
                "source": row.id, "type": row.type, "channel": row.channel,
                "status": (row.status or "not crawled") + ("" if row.enabled else " (off)"),
                "detail": "" if row.status in HEALTHY else (row.status_detail or ""),
                "last run": _when(row.last_run_at, zone), "last success": _when(row.last_success_at, zone),
                "reviews": row.reviews, "per day": per_day.get(row.id, [0] * SPARK_DAYS),
            }
            for row in health
        ],
        column_config={"per day": st.column_config.LineChartColumn(f"reviews per day, {SPARK_DAYS} days", y_min=0)},
        hide_index=True,
        key="sources_table",
    )
    for row in health:
        if row.status and row.status not in HEALTHY:
            st.error(md(f"{row.id}: {row.status} — {row.status_detail or 'see the last crawl run'}"))
    if not user.may("admin"):
        return
    st.subheader("Crawl now / Обойти сейчас")
    crawls = _crawls()
    configured = [s.id for s in ctx.config.sources]
    if not configured:
        st.info("No source is configured.")
        return
    source_id = st.selectbox("Source", configured, key="crawl_source")
    if st.button("Crawl now", key="crawl_now"):
        if crawls.start(ctx.config, ctx.config_path, ctx.store, source_id, user.name):
            st.info(md(f"Crawl of {source_id} started in the background; refresh to follow it."))
        else:
            st.warning(md(f"A crawl of {source_id} started here is still running."))
    for started in crawls.by_source.values():
        state = "running…" if started.running else (started.result or "finished")
        st.text(f"{started.source_id} (by {started.by}): {state}")
        if started.lines:
            st.code("\n".join(started.lines[-5:]), language=None)


page()
