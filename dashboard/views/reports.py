"""Reports: the weekly report for any week, shown in the page (it escapes its own content) and downloadable."""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st
import streamlit.components.v1 as components

from dashboard import session
from dashboard.safe import md
from reputation.report import ReportError, build_weekly

WEEKS_BACK = 26
CACHE_TTL = 300


@st.cache_data(ttl=CACHE_TTL, show_spinner="Building the report…")
def _report_html(url: str, week: str) -> str:
    ctx = session.app()
    return build_weekly(ctx.store, ctx.config, week).html


def page() -> None:
    ctx = session.app()
    st.title("Reports / Отчёты")
    today = datetime.now(ctx.config.company.zone).date()
    # ISO weeks, the last finished one first.
    weeks = [(today - timedelta(weeks=n)).strftime("%G-W%V") for n in range(1, WEEKS_BACK + 1)]
    week = st.selectbox("Week / Неделя", weeks, key="report_week")
    try:
        html = _report_html(str(ctx.store.engine.url), week)
    except ReportError as exc:
        st.error(md(f"The report for {week} could not be built: {exc}"))
        return
    st.download_button("Download the report (HTML)", html.encode(), file_name=f"reputation-{week}.html", mime="text/html",
                       key="report_download", on_click="ignore")
    components.html(html, height=1400, scrolling=True)


page()
