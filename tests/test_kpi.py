"""The KPIs on a hand-seeded fortnight (tests/seeded_week.py): every expected number is worked out by hand."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from reputation import kpi
from tests.seeded_week import NOW, W46_START, W47_END, W47_START, ZONE, Row, at, seed

H = 3600

# W47 — published: reviews 1–9 (10 is spam, 11–14 are W46).
#   scored 1–8, negative 1 3 4 6 8; rated 1 5 2 4 3 5 (1 2 3 7 8 9) = 20 over 6, 4–5★: 2 7 9;
#   flagged 1 3 4 6 8, replied 1 3 4.
# Due in W47: 1 (in time), 3 (late), 4 (in time), 8 (unanswered, past), 12 (in time); 6 is due in W48.
# First replied in W47: 1 after 4 h, 3 after 48 h, 4 after 30 min, 12 after 30 min.
# Resolved in W47: 1 after 24 h, 3 after 49 h.
W47 = {
    "new_reviews": 9,
    "negative_share": 5 / 8,
    "average_rating": 20 / 6,
    "csi": 100 * 3 / 6,
    "flagged": 5,
    "within_sla": 3,
    "breached": 2,
    "afrt": (4 * H + 48 * H + 0.5 * H + 0.5 * H) / 4,
    "mttr": (24 * H + 49 * H) / 2,
    "response_rate": 3 / 5,
}
# W46 — published 11 12 13 14: negative 12 13; rated 4 1 5; flagged 12 13, both replied (12 in W47);
#   due in W46: 13 (in time); first replied in W46: 13 after 2 h; nothing resolved.
W46 = {
    "new_reviews": 4,
    "negative_share": 2 / 4,
    "average_rating": 10 / 3,
    "csi": 100 * 2 / 3,
    "flagged": 2,
    "within_sla": 1,
    "breached": 0,
    "afrt": 2 * H,
    "mttr": None,
    "response_rate": 2 / 2,
}
W47_BY_CHANNEL = {
    # otzovik: 1 2 3 9
    "review_site": {
        "new_reviews": 4, "negative_share": 2 / 3, "average_rating": 13 / 4, "csi": 50.0, "flagged": 2,
        "within_sla": 1, "breached": 1, "afrt": (4 * H + 48 * H) / 2, "mttr": (24 * H + 49 * H) / 2,
        "response_rate": 1.0,
    },
    # vk 4 6 (and 12 due and replied), telegram 5
    "social": {
        "new_reviews": 3, "negative_share": 2 / 3, "average_rating": None, "csi": None, "flagged": 2,
        "within_sla": 2, "breached": 0, "afrt": 0.5 * H, "mttr": None, "response_rate": 1 / 2,
    },
    # 2gis 7 8
    "map": {
        "new_reviews": 2, "negative_share": 1 / 2, "average_rating": 7 / 2, "csi": 50.0, "flagged": 1,
        "within_sla": 0, "breached": 1, "afrt": None, "mttr": None, "response_rate": 0.0,
    },
}
W47_BY_SOURCE = {
    "2gis": W47_BY_CHANNEL["map"],
    "otzovik": W47_BY_CHANNEL["review_site"],
    "telegram": {
        "new_reviews": 1, "negative_share": 0.0, "average_rating": None, "csi": None, "flagged": 0,
        "within_sla": 0, "breached": 0, "afrt": None, "mttr": None, "response_rate": None,
    },
    "vk": {
        "new_reviews": 2, "negative_share": 1.0, "average_rating": None, "csi": None, "flagged": 2,
        "within_sla": 2, "breached": 0, "afrt": 0.5 * H, "mttr": None, "response_rate": 1 / 2,
    },
}
W46_BY_CHANNEL = {
    "review_site": {
        "new_reviews": 2, "negative_share": 1 / 2, "average_rating": 5 / 2, "csi": 50.0, "flagged": 1,
        "within_sla": 1, "breached": 0, "afrt": 2 * H, "mttr": None, "response_rate": 1.0,
    },
    "social": {
        "new_reviews": 1, "negative_share": 1.0, "average_rating": None, "csi": None, "flagged": 1,
        "within_sla": 0, "breached": 0, "afrt": None, "mttr": None, "response_rate": 1.0,
    },
    "map": {
        "new_reviews": 1, "negative_share": 0.0, "average_rating": 5.0, "csi": 100.0, "flagged": 0,
        "within_sla": 0, "breached": 0, "afrt": None, "mttr": None, "response_rate": None,
    },
}


def assert_kpis(actual: dict, expected: dict) -> None:
    assert set(actual) == {k.key for k in kpi.KPIS}
    for key, value in expected.items():
        assert actual[key] == (None if value is None else pytest.approx(value)), key


@pytest.fixture
def seeded(store):
    seed(store)
    return store


@pytest.mark.store
def test_weekly_kpis_match_hand_computed_values(seeded):
    assert_kpis(kpi.compute(seeded.engine, W47_START, W47_END, now=NOW), W47)
    assert_kpis(kpi.compute(seeded.engine, W46_START, W47_START, now=NOW), W46)


@pytest.mark.store
def test_kpis_per_channel_and_per_source(seeded):
    by_channel = kpi.compute_by(seeded.engine, W47_START, W47_END, "channel", now=NOW)
    assert set(by_channel) == set(W47_BY_CHANNEL)
    for channel, expected in W47_BY_CHANNEL.items():
        assert_kpis(by_channel[channel], expected)
    by_source = kpi.compute_by(seeded.engine, W47_START, W47_END, "source", now=NOW)
    assert set(by_source) == set(W47_BY_SOURCE)
    for source, expected in W47_BY_SOURCE.items():
        assert_kpis(by_source[source], expected)
    previous = kpi.compute_by(seeded.engine, W46_START, W47_START, "channel", now=NOW)
    for channel, expected in W46_BY_CHANNEL.items():
        assert_kpis(previous[channel], expected)


@pytest.mark.store
def test_filters_narrow_every_kpi(seeded):
    # Only the English reviews: 6 (vk) and 8 (2gis).
    english = kpi.compute(seeded.engine, W47_START, W47_END, languages=["en"], now=NOW)
    assert (english["new_reviews"], english["flagged"], english["breached"]) == (2, 2, 1)
    assert english["average_rating"] == pytest.approx(3.0)
    only_vk = kpi.compute(seeded.engine, W47_START, W47_END, sources=["vk"], now=NOW)
    assert_kpis(only_vk, W47_BY_SOURCE["vk"])
    maps = kpi.compute(seeded.engine, W47_START, W47_END, channels=["map"], now=NOW)
    assert_kpis(maps, W47_BY_CHANNEL["map"])
    with pytest.raises(ValueError, match="'channel' or 'source'"):
        kpi.compute_by(seeded.engine, W47_START, W47_END, "language")


@pytest.mark.store
def test_an_unanswered_review_is_breached_only_once_its_deadline_passes(seeded):
    # At 07:00Z on Sunday review 8 (due 08:00Z) is still pending, not breached.
    before = kpi.compute(seeded.engine, W47_START, W47_END, now=at(22, 7))
    assert (before["within_sla"], before["breached"]) == (3, 1)


@pytest.mark.store
def test_an_empty_period_has_counts_of_zero_and_no_averages(store):
    values = kpi.compute(store.engine, W47_START, W47_END, now=NOW)
    assert values["new_reviews"] == 0 and values["breached"] == 0
    assert values["negative_share"] is None and values["afrt"] is None and values["csi"] is None


@pytest.mark.store
def test_daily_series_by_local_day(seeded):
    series = kpi.daily(seeded.engine, W47_START, W47_END, ZoneInfo(ZONE), now=NOW)
    assert series.days == [date(2026, 11, d) for d in range(16, 23)]
    # Review 6, published Sunday 21:30Z, is Sunday 23:30 in Helsinki.
    assert series.volume["negative"] == [1, 0, 0, 1, 1, 1, 1]
    assert series.volume["positive"] == [0, 1, 1, 0, 0, 0, 0]
    assert series.volume["neutral"] == [0, 0, 0, 0, 0, 1, 0]
    assert series.volume["unscored"] == [0, 0, 0, 1, 0, 0, 0]
    assert series.average_rating == [1.0, 4.0, 5.0, 3.5, None, 3.0, None]
    assert series.negative_share["vk"] == [None, None, None, None, 1.0, None, 1.0]
    assert series.negative_share["otzovik"] == [1.0, None, 0.0, 1.0, None, None, None]
    # Deadlines: 12 (Mon 00:50 local), 1 (Tue), 3 and 4 (Fri), 8 (Sun).
    assert series.sla["within"] == [1, 1, 0, 0, 1, 0, 0]
    assert series.sla["breached"] == [0, 0, 0, 0, 1, 0, 1]
    # First replies: 12 and 1 on Monday, 4 on Friday, 3 on Saturday.
    assert [day for day, value in enumerate(series.first_response) if value is not None] == [0, 4, 5]
    assert series.first_response[0] == pytest.approx((0.5 * H + 4 * H) / 2)
    assert series.first_response[4] == pytest.approx(0.5 * H)
    assert series.first_response[5] == pytest.approx(48 * H)


@pytest.mark.store
def test_daily_days_follow_the_zone_across_a_clock_change(store):
    # Helsinki leaves summer time on 25 October 2026 at 01:00Z (04:00 → 03:00).
    zone = ZoneInfo(ZONE)
    seed(store, [
        Row(1, "otzovik", "a", datetime(2026, 10, 24, 21, 30, tzinfo=timezone.utc), 5, "positive"),  # 25th 00:30 +3
        Row(2, "otzovik", "b", datetime(2026, 10, 25, 21, 30, tzinfo=timezone.utc), 5, "positive"),  # 25th 23:30 +2
        Row(3, "otzovik", "c", datetime(2026, 10, 25, 22, 30, tzinfo=timezone.utc), 5, "positive"),  # 26th 00:30 +2
    ])
    start = datetime(2026, 10, 23, 21, tzinfo=timezone.utc)  # 24th 00:00 +3
    series = kpi.daily(store.engine, start, start + timedelta(days=3, hours=1), zone, now=NOW)
    assert series.days == [date(2026, 10, 24), date(2026, 10, 25), date(2026, 10, 26)]
    assert series.volume["positive"] == [0, 2, 1]


@pytest.mark.parametrize(
    ("key", "current", "previous", "shown", "change", "better"),
    [
        ("new_reviews", 1234, 1200, "1\u202f234", "+34", None),
        ("negative_share", 0.25, 0.2, "25.0 %", "+5.0 pp", False),
        ("average_rating", 4.1, 4.3, "4.10 ★", "−0.20 ★", False),
        ("csi", 80, 80, "80", "±0", None),
        ("afrt", 45 * 60, 3 * H + 5 * 60, "45 min", "−2 h 20 min", True),
        ("mttr", 3 * 86400 + 2 * H, None, "3 d 2 h", "–", None),
        ("response_rate", None, 0.5, "–", "–", None),
    ],
)
def test_values_and_changes_are_shown_in_their_unit(key, current, previous, shown, change, better):
    definition = kpi.BY_KEY[key]
    assert kpi.format_value(definition, current) == shown
    assert kpi.format_change(definition, current, previous) == change
    assert kpi.improved(definition, current, previous) is better


def test_every_kpi_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for definition in kpi.KPIS:
        assert definition.title in readme and definition.formula in readme, definition.key
