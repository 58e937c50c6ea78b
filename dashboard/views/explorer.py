"""Explorer: search and filter all reviews a page at a time, the complaint journal, and exports of the view."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from dashboard import queries, session
from dashboard.queries import JOURNAL_COLUMNS, Filters
from dashboard.safe import one_line
from reputation.exports import export_rows

PAGE_SIZE = 50
STATUSES = ("open", "answered", "resolved", "spam", "not_ours")
LABELS = ("negative", "neutral", "positive")
_MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _filters(ctx, zone) -> Filters:
    options = session.filter_choices(ctx)
    search = st.text_input("Search in texts and authors / Поиск", key="explorer_search")
    a, b, c, d = st.columns(4)
    sources = a.multiselect("Source", options["sources"], key="explorer_sources")
    channels = b.multiselect("Channel", options["channels"], key="explorer_channels")
    languages = c.multiselect("Language", options["languages"], key="explorer_languages")
    labels = d.multiselect("Sentiment", LABELS, key="explorer_labels")
    e, f, g = st.columns([2, 2, 1])
    statuses = e.multiselect("Status", STATUSES, key="explorer_statuses")
    period = f.date_input("Published between", value=(), key="explorer_period")
    flagged = g.checkbox("Flagged only", key="explorer_flagged")
    since = until = None
    if isinstance(period, tuple) and len(period) == 2:
        since = datetime.combine(period[0], time(0), zone)
        until = datetime.combine(period[1] + timedelta(days=1), time(0), zone)
    return Filters(search, tuple(sources), tuple(channels), tuple(languages), tuple(labels), tuple(statuses), flagged, since, until)


def _pager(total: int, key: str) -> int:
    pages = max(1, -(-total // PAGE_SIZE))
    # Fewer pages after a filter changed: back to the last one.
    st.session_state[key] = min(st.session_state.get(key, 1), pages)
    number = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, key=key)
    return (number - 1) * PAGE_SIZE


def page() -> None:
    ctx = session.app()
    engine, zone, store = ctx.store.engine, ctx.config.company.zone, ctx.store
    st.title("Explorer / Все отзывы")
    filters = _filters(ctx, zone)
    reviews_tab, journal_tab = st.tabs(["Reviews / Отзывы", "Complaint journal / Журнал жалоб"])
    with reviews_tab:
        total = queries.count(engine, filters)
        st.caption(f"{total} reviews match / найдено")
        rows = queries.page(engine, filters, limit=PAGE_SIZE, offset=_pager(total, "explorer_page"))
        st.dataframe(
            [
                {"#": r.id, "published": queries.local_time(r.published_at, zone), "source": r.source_id,
                 "author": one_line(r.author or ""), "rating": r.rating, "lang": r.language, "sentiment": r.sentiment,
                 "status": r.status, "text": r.text, "url": r.url or ""}
                for r in rows
            ],
            hide_index=True,
            key="explorer_table",
        )
        for fmt in ("csv", "xlsx"):
            st.download_button(
                f"Export this view as {fmt.upper()}", key=f"explorer_export_{fmt}", file_name=f"reviews.{fmt}", mime=_MIME[fmt],
                data=lambda fmt=fmt: queries.export_bytes(export_rows(store, where=filters.conditions()), fmt), on_click="ignore",
            )
    with journal_tab:
        total = queries.journal_count(engine, filters)
        st.caption("Negative reviews by registration date, with the date and channel of the answer. "
                   f"{total} entries / записей")
        offset = _pager(total, "journal_page")
        st.dataframe(list(queries.journal_rows(engine, filters, zone, limit=PAGE_SIZE, offset=offset)), hide_index=True, key="journal_table")
        for fmt in ("csv", "xlsx"):
            st.download_button(
                f"Export the journal as {fmt.upper()}", key=f"journal_export_{fmt}", file_name=f"complaint-journal.{fmt}",
                mime=_MIME[fmt], on_click="ignore",
                data=lambda fmt=fmt: queries.export_bytes(queries.journal_rows(engine, filters, zone), fmt, JOURNAL_COLUMNS),
            )


page()
