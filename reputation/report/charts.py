"""The weekly report's charts: plotly figures, drawn to PNG by kaleido in a headless Chromium.

kaleido 1.x drives an installed Chromium or Chrome (found on PATH, or the one
$BROWSER_PATH names); it is never downloaded. Without one, or when drawing fails,
the report is built without images and says why (`Charts.missing`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from reputation.kpi import Daily

log = logging.getLogger(__name__)

WIDTH, HEIGHT, SCALE = 760, 300, 2
COLOURS = {
    "negative": "#d64545", "neutral": "#9aa5b1", "positive": "#3f9142", "unscored": "#dfe3e8",
    "within": "#3f9142", "breached": "#d64545", "pending": "#f0b429",
    "this": "#2b6cb0", "previous": "#a3bffa",
}
NAMES = {
    "negative": "Negative", "neutral": "Neutral", "positive": "Positive", "unscored": "Not scored yet",
    "within": "Answered in time", "breached": "Deadline missed", "pending": "Not due yet",
}


@dataclass
class Chart:
    key: str
    title: str
    png: bytes | None = None


@dataclass
class Charts:
    items: list[Chart] = field(default_factory=list)
    # Why there are no images, when there are none.
    missing: str | None = None


def _counts_axis(*series: list[int]) -> dict:
    """A y axis of whole numbers: small counts would otherwise get ticks at 0.5."""
    highest = max((sum(values) for values in zip(*series)), default=0)
    return dict(rangemode="tozero", dtick=1 if highest <= 6 else None)


def _layout(figure, title: str, **axes) -> None:
    figure.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=16)),
        width=WIDTH, height=HEIGHT, margin=dict(l=50, r=20, t=50, b=40),
        template="plotly_white", font=dict(family="Arial, Helvetica, sans-serif", size=12, color="#1f2933"),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        **axes,
    )


def figures(series: Daily, negative_share: dict[str, tuple[float | None, float | None]]):
    """The report's figures that have data: four weeks of trends, and this week's negative share per source
    beside the last week's."""
    import plotly.graph_objects as go

    days: list[date] = series.days
    labels = [label for label in ("negative", "neutral", "positive", "unscored") if any(series.volume[label])]
    volume = go.Figure(
        [go.Bar(x=days, y=series.volume[label], name=NAMES[label], marker_color=COLOURS[label]) for label in labels]
    )
    _layout(volume, "Reviews per day by sentiment", barmode="stack",
            yaxis=_counts_axis(*(series.volume[label] for label in labels)))
    rating = go.Figure(
        go.Scatter(x=days, y=series.average_rating, mode="lines+markers", connectgaps=True,
                   line=dict(color="#2b6cb0", width=3), name="Average rating")
    )
    _layout(rating, "Average rating per day (rated reviews)", yaxis=dict(range=[0.8, 5.2], dtick=1))
    sources = sorted(s for s, shares in negative_share.items() if any(v is not None for v in shares))
    share = go.Figure(
        [go.Bar(x=sources, y=[100 * (negative_share[s][index] or 0) for s in sources], name=name,
                marker_color=COLOURS[colour])
         for index, name, colour in ((1, "Previous week", "previous"), (0, "This week", "this"))]
    )
    _layout(share, "Negative share by source, %", barmode="group", yaxis=dict(rangemode="tozero"))
    outcomes = [outcome for outcome in ("within", "breached", "pending") if any(series.sla[outcome])]
    sla = go.Figure(
        [go.Bar(x=days, y=series.sla[outcome], name=NAMES[outcome], marker_color=COLOURS[outcome])
         for outcome in outcomes]
    )
    _layout(sla, "Reply deadlines per day: met and missed", barmode="stack",
            yaxis=_counts_axis(*(series.sla[outcome] for outcome in outcomes)))
    made = [
        ("volume", "Reviews per day by sentiment", volume, labels),
        ("rating", "Average rating per day", rating, [r for r in series.average_rating if r is not None]),
        ("negative_share", "Negative share by source", share, sources),
        ("sla", "Reply deadlines met and missed", sla, outcomes),
    ]
    # A chart with nothing on it says nothing.
    return [(key, title, figure) for key, title, figure, data in made if data]


@contextmanager
def _quiet_browser_chatter():
    """choreographer logs Chromium's stray output on the DevTools pipe as errors with tracebacks;
    a failure that matters raises, and the report says why."""
    logger = logging.getLogger("choreographer")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


async def _draw(figs) -> list[bytes]:
    import kaleido

    # mathjax=False: kaleido would otherwise fetch MathJax from a CDN.
    async with kaleido.Kaleido(mathjax=False, timeout=60) as renderer:
        return [
            await renderer.calc_fig(fig, opts=dict(format="png", width=WIDTH, height=HEIGHT, scale=SCALE))
            for fig in figs
        ]


def _run(coroutine):
    """Run a coroutine to its end, also when the caller's thread already runs an event loop (the dashboard)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result: dict = {}

    def work():
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


NO_BROWSER = "no Chromium or Chrome was found to draw them (install the chromium package, or set BROWSER_PATH to one)"


def draw(series: Daily, negative_share: dict[str, tuple[float | None, float | None]]) -> Charts:
    from choreographer.errors import ChromeNotFoundError

    made = figures(series, negative_share)
    if not made:
        return Charts()
    try:
        with _quiet_browser_chatter():
            images = _run(_draw([fig for _, _, fig in made]))
    except Exception as exc:  # noqa: BLE001  a chart must never stop the report
        reason = NO_BROWSER if isinstance(exc, ChromeNotFoundError) else " ".join(str(exc).split()) or type(exc).__name__
        log.warning("weekly report without charts: %s", reason)
        return Charts([Chart(key, title) for key, title, _ in made], missing=reason)
    return Charts([Chart(key, title, png) for (key, title, _), png in zip(made, images)])
