from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from scrapers.dates import DateParseError, ParsedDate, parse_date

MOSCOW = "Europe/Moscow"  # UTC+3 all year
HELSINKI = "Europe/Helsinki"  # UTC+2, UTC+3 from 29 March to 25 October 2026
# Crawl time: 2026-03-15 12:00 in Moscow = 09:00 UTC = 11:00 in Helsinki.
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo(MOSCOW))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def check(raw, expected: datetime, approximate: bool, *, now=NOW, tz=MOSCOW) -> None:
    parsed = parse_date(raw, now=now, tz=tz)
    assert parsed == ParsedDate(expected, approximate)
    assert parsed.value.tzinfo is timezone.utc


@pytest.mark.parametrize(
    "raw, expected, approximate",
    [
        ("2024-03-12T10:15:00Z", utc(2024, 3, 12, 10, 15), False),
        ("2024-03-12T10:15:00z", utc(2024, 3, 12, 10, 15), False),
        ("2024-03-12T10:15Z", utc(2024, 3, 12, 10, 15), False),
        ("2024-03-12T10:15:00+03:00", utc(2024, 3, 12, 7, 15), False),
        ("2024-03-12T10:15:00-05:00", utc(2024, 3, 12, 15, 15), False),
        ("2024-03-12T10:15:00+0530", utc(2024, 3, 12, 4, 45), False),
        ("2024-03-12T10:15:00.123Z", utc(2024, 3, 12, 10, 15, 0, 123000), False),
        ("2024-03-12T10:15:00.123456789+02:00", utc(2024, 3, 12, 8, 15, 0, 123456), False),
        # no offset: the source's local time
        ("2024-03-12T10:15:00", utc(2024, 3, 12, 7, 15), False),
        ("2024-03-12 10:15:00", utc(2024, 3, 12, 7, 15), False),
        ("2024-03-12", utc(2024, 3, 11, 21, 0), True),
    ],
)
def test_iso(raw, expected, approximate):
    check(raw, expected, approximate)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (1710238500, utc(2024, 3, 12, 10, 15)),
        ("1710238500", utc(2024, 3, 12, 10, 15)),
        (1710238500.5, utc(2024, 3, 12, 10, 15, 0, 500000)),
        (1710238500123, utc(2024, 3, 12, 10, 15, 0, 123000)),
        ("1710238500123", utc(2024, 3, 12, 10, 15, 0, 123000)),
        (1710238500123.0, utc(2024, 3, 12, 10, 15, 0, 123000)),
        (0, utc(1970, 1, 1)),
        # just below the threshold: seconds; at it: milliseconds
        (99_999_999_999, utc(5138, 11, 16, 9, 46, 39)),
        (100_000_000_000, utc(1973, 3, 3, 9, 46, 40)),
    ],
)
def test_epoch_seconds_and_milliseconds(raw, expected):
    check(raw, expected, False)


@pytest.mark.parametrize(
    "raw, expected, approximate",
    [
        ("12.03.2024", utc(2024, 3, 11, 21, 0), True),
        ("12.03.24", utc(2024, 3, 11, 21, 0), True),
        ("1.3.2024", utc(2024, 2, 29, 21, 0), True),
        ("12.03.2024 г.", utc(2024, 3, 11, 21, 0), True),
        ("12/03/2024", utc(2024, 3, 11, 21, 0), True),
        ("12/03/2024 10:15", utc(2024, 3, 12, 7, 15), False),
        ("12.03.2024 10:15", utc(2024, 3, 12, 7, 15), False),
        ("12.03.2024 10.15", utc(2024, 3, 12, 7, 15), False),
        ("12.03.2024 klo 10.15", utc(2024, 3, 12, 7, 15), False),
        ("12.03.2024 в 10:15", utc(2024, 3, 12, 7, 15), False),
        ("12.03.2024, 10:15", utc(2024, 3, 12, 7, 15), False),
        ("12.03.24 10:15:30", utc(2024, 3, 12, 7, 15, 30), False),
        ("12.03.2030", utc(2030, 3, 11, 21, 0), True),  # future dates are the caller's business
    ],
)
def test_numeric_dates(raw, expected, approximate):
    check(raw, expected, approximate)


@pytest.mark.parametrize(
    "raw, expected, approximate",
    [
        ("12.03.2024 10.15", utc(2024, 3, 12, 8, 15), False),  # EET, UTC+2
        ("12.7.2024 klo 10.15", utc(2024, 7, 12, 7, 15), False),  # EEST, UTC+3
        ("25.10.2025 10:00", utc(2025, 10, 25, 7, 0), False),  # last day of summer time
        ("27.10.2025 10:00", utc(2025, 10, 27, 8, 0), False),  # first day after it
        ("12.7.2024", utc(2024, 7, 11, 21, 0), True),
        ("12.3.2024", utc(2024, 3, 11, 22, 0), True),
    ],
)
def test_helsinki_dst(raw, expected, approximate):
    check(raw, expected, approximate, tz=HELSINKI)


def test_tz_accepts_zoneinfo_object_and_defaults_to_utc():
    helsinki = parse_date("12.03.2024 10:15", now=NOW, tz=ZoneInfo(HELSINKI))
    assert helsinki == ParsedDate(utc(2024, 3, 12, 8, 15), False)
    assert parse_date("12.03.2024 10:15", now=NOW) == ParsedDate(utc(2024, 3, 12, 10, 15), False)


@pytest.mark.parametrize(
    "raw, expected, approximate",
    [
        ("12 марта 2024", utc(2024, 3, 11, 21, 0), True),
        ("12 марта 2024, 10:15", utc(2024, 3, 12, 7, 15), False),
        ("12 марта 2024 в 10:15", utc(2024, 3, 12, 7, 15), False),
        ("12 Марта 2024 года", utc(2024, 3, 11, 21, 0), True),
        ("12 март 2024", utc(2024, 3, 11, 21, 0), True),
        ("12 мар. 2024", utc(2024, 3, 11, 21, 0), True),
        ("12 мар 2024", utc(2024, 3, 11, 21, 0), True),
        ("3 сент. 2024", utc(2024, 9, 2, 21, 0), True),
        ("1 мая 2024", utc(2024, 4, 30, 21, 0), True),
        ("1 января 2025 г. в 08:05", utc(2025, 1, 1, 5, 5), False),
        ("31 ДЕКАБРЯ 2025 Г.", utc(2025, 12, 30, 21, 0), True),
        ("март 2024", utc(2024, 2, 29, 21, 0), True),
        # without a year: this year's date, since it is not after NOW;
        # approximate because the year is inferred
        ("12 марта", utc(2026, 3, 11, 21, 0), True),
        ("12 марта, 10:15", utc(2026, 3, 12, 7, 15), True),
        ("15 марта", utc(2026, 3, 14, 21, 0), True),  # today still counts
    ],
)
def test_russian_month_names(raw, expected, approximate):
    check(raw, expected, approximate)


@pytest.mark.parametrize(
    "raw, expected, approximate",
    [
        ("12. maaliskuuta 2024", utc(2024, 3, 11, 22, 0), True),
        ("12.maaliskuuta", utc(2026, 3, 11, 22, 0), True),
        ("12. maaliskuuta 2024 klo 10.15", utc(2024, 3, 12, 8, 15), False),
        ("12. heinäkuuta 2024 klo 10.15", utc(2024, 7, 12, 7, 15), False),
        ("12 maalis 2024", utc(2024, 3, 11, 22, 0), True),
        ("12. maalisk. 2024", utc(2024, 3, 11, 22, 0), True),
        ("Maaliskuu 2024", utc(2024, 2, 29, 22, 0), True),
        ("heinäkuu 2024", utc(2024, 6, 30, 21, 0), True),
        ("1. tammikuuta", utc(2025, 12, 31, 22, 0), True),
    ],
)
def test_finnish_month_names(raw, expected, approximate):
    check(raw, expected, approximate, tz=HELSINKI)


@pytest.mark.parametrize(
    "raw, expected, approximate",
    [
        ("March 12, 2024", utc(2024, 3, 11, 21, 0), True),
        ("12 March 2024", utc(2024, 3, 11, 21, 0), True),
        ("MAR 12 2024", utc(2024, 3, 11, 21, 0), True),
        ("Sept 3, 2024", utc(2024, 9, 2, 21, 0), True),
        ("Mar 12", utc(2026, 3, 11, 21, 0), True),
        ("12 Mar 2024 10:15", utc(2024, 3, 12, 7, 15), False),
        ("March 12, 2024 at 3:05 PM", utc(2024, 3, 12, 12, 5), False),
        ("March 12, 2024 at 12:05 AM", utc(2024, 3, 11, 21, 5), False),
        ("March 12, 2024 at 12:30 p.m.", utc(2024, 3, 12, 9, 30), False),
        ("March 2024", utc(2024, 2, 29, 21, 0), True),
    ],
)
def test_english_month_names(raw, expected, approximate):
    check(raw, expected, approximate)


# 2026-01-05 12:00 in Moscow: dates later in the year must be last year's.
NEW_YEAR = datetime(2026, 1, 5, 12, 0, tzinfo=ZoneInfo(MOSCOW))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("30 декабря", utc(2025, 12, 29, 21, 0)),
        ("Dec 30", utc(2025, 12, 29, 21, 0)),
        ("30. joulukuuta", utc(2025, 12, 29, 21, 0)),
        ("5 января", utc(2026, 1, 4, 21, 0)),
        ("6 января", utc(2025, 1, 5, 21, 0)),
        ("29 февраля", utc(2024, 2, 28, 21, 0)),  # the latest leap day
    ],
)
def test_year_rollover(raw, expected):
    check(raw, expected, True, now=NEW_YEAR)


def test_year_inference_uses_the_local_date():
    # 00:30 on 5 January in Moscow is still 4 January in UTC.
    now = datetime(2026, 1, 5, 0, 30, tzinfo=ZoneInfo(MOSCOW))
    check("5 января", utc(2026, 1, 4, 21, 0), True, now=now, tz=MOSCOW)
    check("5 января", utc(2025, 1, 5, 0, 0), True, now=now, tz="UTC")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("только что", utc(2026, 3, 15, 9, 0)),
        ("сейчас", utc(2026, 3, 15, 9, 0)),
        ("10 секунд назад", utc(2026, 3, 15, 8, 59, 50)),
        ("минуту назад", utc(2026, 3, 15, 8, 59)),
        ("1 минуту назад", utc(2026, 3, 15, 8, 59)),
        ("2 минуты назад", utc(2026, 3, 15, 8, 58)),
        ("5 минут назад", utc(2026, 3, 15, 8, 55)),
        ("час назад", utc(2026, 3, 15, 8, 0)),
        ("2 часа назад", utc(2026, 3, 15, 7, 0)),
        ("5 часов назад", utc(2026, 3, 15, 4, 0)),
        ("1 день назад", utc(2026, 3, 14, 9, 0)),
        ("3 дня назад", utc(2026, 3, 12, 9, 0)),
        ("5 дней назад", utc(2026, 3, 10, 9, 0)),
        ("неделю назад", utc(2026, 3, 8, 9, 0)),
        ("2 недели назад", utc(2026, 3, 1, 9, 0)),
        ("5 недель назад", utc(2026, 2, 8, 9, 0)),
        ("месяц назад", utc(2026, 2, 15, 9, 0)),
        ("3 месяца назад", utc(2025, 12, 15, 9, 0)),
        ("5 месяцев назад", utc(2025, 10, 15, 9, 0)),
        ("год назад", utc(2025, 3, 15, 9, 0)),
        ("2 года назад", utc(2024, 3, 15, 9, 0)),
        ("5 лет назад", utc(2021, 3, 15, 9, 0)),
        # calendar-day words: midnight of that day, or the given time
        ("сегодня", utc(2026, 3, 14, 21, 0)),
        ("сегодня в 10:15", utc(2026, 3, 15, 7, 15)),
        ("вчера", utc(2026, 3, 13, 21, 0)),
        ("вчера в 18:40", utc(2026, 3, 14, 15, 40)),
        ("позавчера", utc(2026, 3, 12, 21, 0)),
        ("just now", utc(2026, 3, 15, 9, 0)),
        ("a minute ago", utc(2026, 3, 15, 8, 59)),
        ("5 minutes ago", utc(2026, 3, 15, 8, 55)),
        ("an hour ago", utc(2026, 3, 15, 8, 0)),
        ("3 hours ago", utc(2026, 3, 15, 6, 0)),
        ("yesterday", utc(2026, 3, 13, 21, 0)),
        ("Yesterday at 6:40 PM", utc(2026, 3, 14, 15, 40)),
        ("today at 10:15", utc(2026, 3, 15, 7, 15)),
        ("3 days ago", utc(2026, 3, 12, 9, 0)),
        ("a week ago", utc(2026, 3, 8, 9, 0)),
        ("2 weeks ago", utc(2026, 3, 1, 9, 0)),
        ("a month ago", utc(2026, 2, 15, 9, 0)),
        ("a year ago", utc(2025, 3, 15, 9, 0)),
    ],
)
def test_relative_russian_and_english(raw, expected):
    check(raw, expected, True)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("juuri nyt", utc(2026, 3, 15, 9, 0)),
        ("minuutti sitten", utc(2026, 3, 15, 8, 59)),
        ("5 minuuttia sitten", utc(2026, 3, 15, 8, 55)),
        ("tunti sitten", utc(2026, 3, 15, 8, 0)),
        ("2 tuntia sitten", utc(2026, 3, 15, 7, 0)),
        ("eilen", utc(2026, 3, 13, 22, 0)),
        ("eilen klo 18.40", utc(2026, 3, 14, 16, 40)),
        ("tänään klo 10.15", utc(2026, 3, 15, 8, 15)),
        ("3 päivää sitten", utc(2026, 3, 12, 9, 0)),
        ("viikko sitten", utc(2026, 3, 8, 9, 0)),
        ("2 viikkoa sitten", utc(2026, 3, 1, 9, 0)),
        ("kuukausi sitten", utc(2026, 2, 15, 9, 0)),
    ],
)
def test_relative_finnish(raw, expected):
    check(raw, expected, True, tz=HELSINKI)


# 2026-04-01 12:00 in Helsinki (summer time, 09:00 UTC); summer time began
# on 29 March, so earlier local days are UTC+2.
AFTER_DST_START = datetime(2026, 4, 1, 12, 0, tzinfo=ZoneInfo(HELSINKI))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("3 tuntia sitten", utc(2026, 4, 1, 6, 0)),  # elapsed time, not wall clock
        ("3 päivää sitten", utc(2026, 3, 29, 9, 0)),
        ("4 päivää sitten", utc(2026, 3, 28, 10, 0)),  # same local hour, winter offset
        ("kuukausi sitten", utc(2026, 3, 1, 10, 0)),
        ("eilen klo 12.00", utc(2026, 3, 31, 9, 0)),
    ],
)
def test_relative_across_dst(raw, expected):
    check(raw, expected, True, now=AFTER_DST_START, tz=HELSINKI)


@pytest.mark.parametrize(
    "now, raw, expected",
    [
        (datetime(2026, 5, 31, 12, 0, tzinfo=ZoneInfo(MOSCOW)), "3 месяца назад", utc(2026, 2, 28, 9, 0)),
        (datetime(2026, 5, 31, 12, 0, tzinfo=ZoneInfo(MOSCOW)), "месяц назад", utc(2026, 4, 30, 9, 0)),
        (datetime(2024, 3, 31, 12, 0, tzinfo=ZoneInfo(MOSCOW)), "a month ago", utc(2024, 2, 29, 9, 0)),
        (datetime(2024, 2, 29, 12, 0, tzinfo=ZoneInfo(MOSCOW)), "год назад", utc(2023, 2, 28, 9, 0)),
        (datetime(2026, 1, 15, 12, 0, tzinfo=ZoneInfo(MOSCOW)), "2 месяца назад", utc(2025, 11, 15, 9, 0)),
    ],
)
def test_months_and_years_clamp_to_month_end(now, raw, expected):
    check(raw, expected, True, now=now)


@pytest.mark.parametrize(
    "raw, expected, approximate",
    [
        ("  12\u00a0марта\u00a02024  ", utc(2024, 3, 11, 21, 0), True),
        ("12\u202fмарта 2024\u00a0г.", utc(2024, 3, 11, 21, 0), True),
        ("\t2 часа\u00a0назад\n", utc(2026, 3, 15, 7, 0), True),
        (" 2024-03-12T10:15:00Z ", utc(2024, 3, 12, 10, 15), False),
        ("только\u00a0что", utc(2026, 3, 15, 9, 0), True),
        ("Just   Now", utc(2026, 3, 15, 9, 0), True),
    ],
)
def test_whitespace_and_year_suffix_tolerated(raw, expected, approximate):
    check(raw, expected, approximate)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "вчерашний день был хорош",
        "hello",
        "32.13.2024",
        "31.02.2024",
        "12.03.2024 25:00",
        "12.03.2024 10:61",
        "31 февраля",
        "13 smarch 2024",
        "5 парсеков назад",
        "many minutes ago",
        "March 12, 2024 at 13:05 PM",
        "12 марта 2024 в",
        "2024-13-01",
        "2024-03-12T10:15:00+25:00",
        True,
        float("nan"),
    ],
)
def test_unparseable_raises(raw):
    with pytest.raises(DateParseError):
        parse_date(raw, now=NOW, tz=MOSCOW)


def test_error_names_the_text_and_is_a_value_error():
    with pytest.raises(ValueError, match="вчерашний день был хорош"):
        parse_date("вчерашний день был хорош", now=NOW, tz=MOSCOW)


def test_naive_now_is_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_date("вчера", now=datetime(2026, 3, 15, 12, 0))
