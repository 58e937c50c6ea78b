"""The time left before a reply is due, as the inbox shows it."""

from __future__ import annotations

from datetime import datetime, timedelta

import streamlit as st

from reputation.store import utcnow

# Red when overdue, amber under a quarter of the reply window left.
AMBER_SHARE = 0.25
_COLOR = {"overdue": "red", "soon": "orange", "ok": "green"}


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def remaining(due_at: datetime, window_start: datetime, now: datetime) -> tuple[str, str]:
    """The countdown's text and tone (overdue, soon, ok)."""
    left = due_at - now
    if left <= timedelta(0):
        return f"overdue by {_span(-left)} / просрочено", "overdue"
    window = due_at - window_start
    tone = "soon" if window > timedelta(0) and left < window * AMBER_SHARE else "ok"
    return f"{_span(left)} left / осталось", tone


@st.fragment(run_every=timedelta(seconds=20))
def live(due_at: datetime, window_start: datetime) -> None:
    """Re-drawn every 20 s on its own, without re-running the page."""
    text, tone = remaining(due_at, window_start, utcnow())
    st.markdown(f":{_COLOR[tone]}-background[:material/timer: {text}]")
