"""Turn the dates that review sites and social networks print into UTC.

Sources show dates in Russian, Finnish and English: ISO stamps, epoch numbers,
"12.03.2024 10:15", "12 марта", "March 12, 2024", or relative phrases such as
"2 часа назад". Each is resolved against the crawl time (`now`) and the
source's local time zone (`tz`) into an aware UTC datetime, together with a
flag saying whether the exact moment is known.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo


class DateParseError(ValueError):
    """The text matches none of the date forms we know."""

    def __init__(self, raw: object) -> None:
        super().__init__(f"cannot parse date: {raw!r}")
        self.raw = raw


@dataclass(frozen=True)
class ParsedDate:
    value: datetime  # timezone-aware, in UTC
    approximate: bool  # relative form, or no time of day given


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# 1e11 seconds is the year 5138 while 1e11 milliseconds is 1973, so any
# realistic timestamp at or above it must be in milliseconds.
_MILLISECONDS_FROM = 100_000_000_000

_MONTH_FORMS = (  # Russian genitive/nominative/abbreviations, Finnish, English
    "января январь янв tammikuuta tammikuu tammik tammi january jan",
    "февраля февраль февр фев helmikuuta helmikuu helmik helmi february feb",
    "марта март мар maaliskuuta maaliskuu maalisk maalis march mar",
    "апреля апрель апр huhtikuuta huhtikuu huhtik huhti april apr",
    "мая май toukokuuta toukokuu toukok touko may",
    "июня июнь июн kesäkuuta kesäkuu kesäk kesä june jun",
    "июля июль июл heinäkuuta heinäkuu heinäk heinä july jul",
    "августа август авг elokuuta elokuu elok elo august aug",
    "сентября сентябрь сент сен syyskuuta syyskuu syysk syys september sept sep",
    "октября октябрь окт lokakuuta lokakuu lokak loka october oct",
    "ноября ноябрь нояб ноя marraskuuta marraskuu marrask marras november nov",
    "декабря декабрь дек joulukuuta joulukuu jouluk joulu december dec",
)
_MONTHS = {
    form: number
    for number, forms in enumerate(_MONTH_FORMS, start=1)
    for form in forms.split()
}

_UNIT_FORMS = {  # every spelling of a unit after a number, mapped to timedelta-style names
    "seconds": "секунду секунды секунд sekunti sekuntia second seconds",
    "minutes": "минуту минуты минут minuutti minuuttia minute minutes",
    "hours": "час часа часов tunti tuntia hour hours",
    "days": "день дня дней päivä päivää day days",
    "weeks": "неделю недели недель viikko viikkoa week weeks",
    "months": "месяц месяца месяцев kuukausi kuukautta month months",
    "years": "год года лет vuosi vuotta year years",
}
_UNITS = {form: unit for unit, forms in _UNIT_FORMS.items() for form in forms.split()}
_ONE = {"a", "an", "one", "один", "одна", "одну", "одно", "yksi"}

_NOW_PHRASES = {"только что", "сейчас", "juuri nyt", "just now"}
_DAYS_BACK = {
    "сегодня": 0, "tänään": 0, "today": 0,
    "вчера": 1, "eilen": 1, "yesterday": 1,
    "позавчера": 2, "toissapäivänä": 2,
}

_WORD = r"[^\W\d_]+"  # a run of letters in any script
_TIME = (
    r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"(?:\s*(?P<ampm>[ap])\.?m\.?)?"
)
# "10:15", ", 10:15", "в 10:15", "klo 10.15", "at 3:05 pm"
_OPTIONAL_TIME = rf"(?:(?:\s*,\s*|\s+)(?:(?:в|во|klo|kello|at)\s+)?{_TIME})?"
_YEAR_SUFFIX = r"(?:\s*г\.?|\s+года)?"  # Russian "2024 г." / "2024 года"

_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[t ](?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
    r"\s*(?P<offset>z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_EPOCH_TEXT = re.compile(r"\d+(?:\.\d+)?")
_RELATIVE = re.compile(
    rf"(?:(?P<count>\d+|{_WORD})\s+)?(?P<unit>{_WORD})\s+(?:назад|sitten|ago)"
)
_DAY_WORD = re.compile(rf"(?P<word>{_WORD}){_OPTIONAL_TIME}")
_CALENDAR_FORMS = (
    # 12.03.2024, 12/03/24 10.15, 1.1.2025 klo 8.05
    re.compile(
        r"(?P<day>\d{1,2})(?P<sep>[./])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
        + _YEAR_SUFFIX + _OPTIONAL_TIME
    ),
    # 12 марта 2024, 10:15 / 12. maaliskuuta / 12 Mar 2024 10:15
    re.compile(
        rf"(?P<day>\d{{1,2}})(?:\.|st|nd|rd|th)?\s*(?P<month>{_WORD})\.?"
        rf"(?:,?\s*(?P<year>\d{{4}}){_YEAR_SUFFIX})?{_OPTIONAL_TIME}"
    ),
    # March 12, 2024 at 3:05 PM / Mar 12
    re.compile(
        rf"(?P<month>{_WORD})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:,?\s+(?P<year>\d{{4}}))?{_OPTIONAL_TIME}"
    ),
    # maaliskuu 2024 / март 2024 г.
    re.compile(rf"(?P<month>{_WORD})\.?\s+(?P<year>\d{{4}}){_YEAR_SUFFIX}"),
)


def parse_date(
    raw: str | int | float, *, now: datetime, tz: str | ZoneInfo = "UTC"
) -> ParsedDate:
    """Parse `raw` as seen at crawl time `now` on a site whose local zone is `tz`."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    try:
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return _from_epoch(raw)
        if isinstance(raw, str):
            # split() also breaks on U+00A0 / U+202F, which sites put in dates
            text = " ".join(raw.split()).lower()
            for parser in (_parse_iso, _parse_epoch_text, _parse_relative,
                           _parse_day_word, _parse_calendar):
                parsed = parser(text, now, zone)
                if parsed is not None:
                    return parsed
    except (ValueError, OverflowError) as exc:  # e.g. 32.13.2024, 25:00
        raise DateParseError(raw) from exc
    raise DateParseError(raw)


def _from_epoch(value: int | float) -> ParsedDate:
    if abs(value) >= _MILLISECONDS_FROM:
        return ParsedDate(_EPOCH + timedelta(milliseconds=value), False)
    return ParsedDate(_EPOCH + timedelta(seconds=value), False)


def _parse_iso(text: str, now: datetime, zone: tzinfo) -> ParsedDate | None:
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    day = date(int(match["year"]), int(match["month"]), int(match["day"]))
    if match["hour"] is None:
        return ParsedDate(_local(day, None, zone), True)
    clock = time(
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"] or 0),
        int((match["fraction"] or "")[:6].ljust(6, "0")),
    )
    offset = match["offset"]
    if offset is None:
        return ParsedDate(_local(day, clock, zone), False)
    moment = datetime.combine(day, clock, tzinfo=_fixed_offset(offset))
    return ParsedDate(moment.astimezone(timezone.utc), False)


def _fixed_offset(offset: str) -> tzinfo:
    if offset == "z":
        return timezone.utc
    digits = offset[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(-delta if offset[0] == "-" else delta)


def _parse_epoch_text(text: str, now: datetime, zone: tzinfo) -> ParsedDate | None:
    if _EPOCH_TEXT.fullmatch(text) is None:
        return None
    return _from_epoch(float(text) if "." in text else int(text))


def _parse_relative(text: str, now: datetime, zone: tzinfo) -> ParsedDate | None:
    if text in _NOW_PHRASES:
        return ParsedDate(now.astimezone(timezone.utc), True)
    match = _RELATIVE.fullmatch(text)
    if match is None or match["unit"] not in _UNITS:
        return None
    count = match["count"]
    if count is None or count in _ONE:
        amount = 1
    elif count.isdigit():
        amount = int(count)
    else:
        return None
    return ParsedDate(_ago(now, zone, _UNITS[match["unit"]], amount), True)


def _ago(now: datetime, zone: tzinfo, unit: str, amount: int) -> datetime:
    if unit in ("seconds", "minutes", "hours"):
        return now.astimezone(timezone.utc) - timedelta(**{unit: amount})
    # Days and longer count on the local wall clock, so "3 days ago" keeps the
    # local hour even when a DST switch lies in between.
    local = now.astimezone(zone)
    if unit in ("days", "weeks"):
        return (local - timedelta(**{unit: amount})).astimezone(timezone.utc)
    months = amount * 12 if unit == "years" else amount
    return _months_back(local, months).astimezone(timezone.utc)


def _months_back(local: datetime, months: int) -> datetime:
    year, month_index = divmod(local.year * 12 + local.month - 1 - months, 12)
    month = month_index + 1
    day = min(local.day, calendar.monthrange(year, month)[1])  # 31 May - 3 months = 28/29 Feb
    return local.replace(year=year, month=month, day=day)


def _parse_day_word(text: str, now: datetime, zone: tzinfo) -> ParsedDate | None:
    match = _DAY_WORD.fullmatch(text)
    if match is None or match["word"] not in _DAYS_BACK:
        return None
    day = now.astimezone(zone).date() - timedelta(days=_DAYS_BACK[match["word"]])
    # Relative to the crawl day, so approximate even when a time is given.
    return ParsedDate(_local(day, _clock(match), zone), True)


def _parse_calendar(text: str, now: datetime, zone: tzinfo) -> ParsedDate | None:
    for pattern in _CALENDAR_FORMS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        month = parts["month"]
        number = int(month) if month.isdigit() else _MONTHS.get(month)
        if number is None:
            continue
        day = int(parts.get("day") or 1)  # "maaliskuu 2024" means the month as a whole
        year = parts["year"]
        if year is None:
            found = _latest_past(number, day, now.astimezone(zone).date())
        else:
            found = date(int(year) + (2000 if len(year) == 2 else 0), number, day)
        clock = _clock(match) if "hour" in parts else None
        # A year we had to guess makes the moment as uncertain as a missing time.
        return ParsedDate(_local(found, clock, zone), clock is None or year is None)
    return None


def _latest_past(month: int, day: int, today: date) -> date:
    """Resolve a date printed without a year: the latest one not after today."""
    for year in range(today.year, today.year - 8, -1):  # 29 February may be years back
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= today:
            return candidate
    raise ValueError(f"no such day: {day}.{month}")


def _clock(match: re.Match[str]) -> time | None:
    if match["hour"] is None:
        return None
    hour = int(match["hour"])
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueError(f"bad 12-hour clock hour: {hour}")
        hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
    return time(hour, int(match["minute"]), int(match["second"] or 0))


def _local(day: date, clock: time | None, zone: tzinfo) -> datetime:
    """A date (at midnight unless a time is given) on the local clock, in UTC."""
    return datetime.combine(day, clock or time(), tzinfo=zone).astimezone(timezone.utc)
