"""Overview: the KPI tiles for a period against the one before, and the trend charts.

KPIs and series come from reputation.kpi (the weekly report's own definitions),
aggregated in the database and cached for a minute.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import streamlit as st

from dashboard import session
from dashboard.safe import md
from reputation import kpi

PERIODS = {"Last 7 days / 7 дней": 7, "Last 30 days / 30 дней": 30, "Last 90 days / 90 дней": 90, "Custom / Период": None}
CACHE_TTL = 60
_LABEL_COLORS = {"negative": "#d62728", "neutral": "#9e9e9e", "positive": "#2ca02c", "unscored": "#cfd8dc"}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _compute(_engine, url: str, start: datetime, end: datetime, filters: tuple) -> dict:
    sources, channels, languages = filters
    return kpi.compute(_engine, start, end, sources=sources, channels=channels, languages=languages)


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _daily(_engine, url: str, start: datetime, end: datetime, zone_name: str, filters: tuple) -> kpi.Daily:
    sources, channels, languages = filters
    return kpi.daily(_engine, start, end, ZoneInfo(zone_name), sources=sources, channels=channels, languages=languages)


def _period(zone) -> tuple[datetime, datetime] | None:
    """The chosen [start, end) as instants: whole local days up to and including today."""
    today = datetime.now(zone).date()
    choice = st.selectbox("Period / Период", list(PERIODS), key="overview_period")
    days = PERIODS[choice]
    if days is None:
        picked = st.date_input("From – to", value=(today - timedelta(days=13), today), key="overview_range")
        if not isinstance(picked, tuple) or len(picked) != 2:
            st.info("Pick the last day too. / Выберите конечную дату.")
            return None
        first, last = picked
    else:
        first, last = today - timedelta(days=days - 1), today
    return _midnight(first, zone), _midnight(last + timedelta(days=1), zone)


def _midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time(0), zone)


def _tiles(current: dict, previous: dict) -> None:
    for start in range(0, len(kpi.KPIS), 5):
        for column, item in zip(st.columns(5), kpi.KPIS[start : start + 5]):
            now, before = current[item.key], previous[item.key]
            better = kpi.improved(item, now, before)
            change = kpi.format_change(item, now, before)
            column.metric(
                item.title,
                kpi.format_value(item, now),
                # Streamlit reads the direction from an ASCII minus.
                delta=None if change == "–" else change.replace("−", "-"),
                delta_color="off" if better is None else ("normal" if better == (now > before) else "inverse"),
                help=md(item.formula),
                border=True,
            )


def _charts(series: kpi.Daily) -> None:
    days = series.days
    volume = go.Figure([go.Bar(name=label, x=days, y=counts, marker_color=_LABEL_COLORS[label]) for label, counts in series.volume.items()])
    volume.update_layout(barmode="stack", title="Reviews per day by sentiment", height=320, margin=dict(t=40, b=20))
    rating = go.Figure(go.Scatter(x=days, y=series.average_rating, mode="lines+markers", connectgaps=True, name="average"))
    rating.update_layout(title="Average rating", yaxis_range=[1, 5], height=320, margin=dict(t=40, b=20))
    share = go.Figure([go.Scatter(name=source, x=days, y=[None if v is None else 100 * v for v in values], mode="lines+markers", connectgaps=True)
                       for source, values in series.negative_share.items()])
    share.update_layout(title="Negative share per source, %", height=320, margin=dict(t=40, b=20))
    sla = go.Figure(
        [go.Bar(name=name, x=days, y=counts, marker_color=color) for (name, counts), color in
         zip(series.sla.items(), ("#2ca02c", "#d62728", "#ff9800"))]
        + [go.Scatter(name="first response, h", x=days, yaxis="y2", mode="lines+markers", connectgaps=True,
                      y=[None if s is None else s / 3600 for s in series.first_response])]
    )
    sla.update_layout(barmode="stack", title="Deadlines met and missed; first response time", height=320, margin=dict(t=40, b=20),
                      yaxis2=dict(overlaying="y", side="right", title="hours"))
    left, right = st.columns(2)
    left.plotly_chart(volume, key="chart_volume")
    right.plotly_chart(rating, key="chart_rating")
    left.plotly_chart(share, key="chart_share")
    right.plotly_chart(sla, key="chart_sla")


def page() -> None:
    ctx = session.app()
    engine, zone = ctx.store.engine, ctx.config.company.zone
    st.title("Overview / Обзор")
    options = session.filter_choices(ctx)
    period, source, channel, language = st.columns(4)
    with period:
        chosen = _period(zone)
    sources = source.multiselect("Source / Источник", options["sources"], key="overview_sources")
    channels = channel.multiselect("Channel / Канал", options["channels"], key="overview_channels")
    languages = language.multiselect("Language / Язык", options["languages"], key="overview_languages")
    if chosen is None:
        return
    start, end = chosen
    filters = (tuple(sources) or None, tuple(channels) or None, tuple(languages) or None)
    url = str(engine.url)
    current = _compute(engine, url, start, end, filters)
    previous = _compute(engine, url, start - (end - start), start, filters)
    st.caption(
        f"{start.astimezone(zone):%d.%m.%Y} – {(end - timedelta(seconds=1)).astimezone(zone):%d.%m.%Y}, "
        f"against the {round((end - start) / timedelta(days=1))} days before / в сравнении с предыдущим периодом"
    )
    _tiles(current, previous)
    _charts(_daily(engine, url, start, end, str(zone), filters))


page()
