"""Reading a project's "Laufzeit" into a start and an end, and its status on a given day.

Brochures write the period every way there is: "seit 09/2019", "2021–2023", "01.03.2022 bis
28.02.2023", "läuft", "Schuljahr 2023/24", "Jan 2021 – Dec 2022", "since 2019", "2022 bis heute".
`parse_period` finds the dates in the text (each as the first and last day it can mean: "2023" is
1 January to 31 December) and the words around them; `period_status` compares with a day that the
caller passes in, so the status of a stored project is always the status of today.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

STATUSES = ("laufend", "abgeschlossen", "unbekannt")
STATUS_LABELS = {"laufend": "läuft", "abgeschlossen": "abgeschlossen", "unbekannt": "Laufzeit unbekannt"}
MAX_PERIOD_CHARS = 200  # a "Laufzeit" longer than this is prose; only its start is read

_MONTHS = {
    "jan": 1, "januar": 1, "january": 1, "jänner": 1,
    "feb": 2, "februar": 2, "february": 2,
    "mär": 3, "mrz": 3, "märz": 3, "maerz": 3, "mar": 3, "march": 3,
    "apr": 4, "april": 4,
    "mai": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "november": 11,
    "dez": 12, "dezember": 12, "dec": 12, "december": 12,
}  # fmt: skip
# Seasons and parts of a year: (first month, last month).
_PARTS = {
    "frühjahr": (3, 5), "frühling": (3, 5), "spring": (3, 5), "sommer": (6, 8), "summer": (6, 8),
    "herbst": (9, 11), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 12),
    "anfang": (1, 3), "beginning": (1, 3), "early": (1, 3), "mitte": (5, 8), "mid": (5, 8),
    "ende": (10, 12), "end": (10, 12), "late": (10, 12),
}  # fmt: skip
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))
_PART_WORDS = "|".join(sorted(_PARTS, key=len, reverse=True))
_DATE = re.compile(
    r"(?P<iso>(?P<iso_y>(?:19|20)\d\d)-(?P<iso_m>\d\d?)-(?P<iso_d>\d\d?))"
    r"|(?P<dmy>(?P<dmy_d>\d\d?)\.\s?(?P<dmy_m>\d\d?)\.\s?(?P<dmy_y>(?:19|20)\d\d|\d\d)(?!\d))"
    r"|(?P<school>(?P<school_y>(?:19|20)\d\d)\s?/\s?(?P<school_next>\d\d)(?!\d))"
    r"|(?P<my>(?<![\d.])(?P<my_m>\d\d?)\s?[/.]\s?(?P<my_y>(?:19|20)\d\d|\d\d)(?![\d.]))"
    rf"|(?P<named>\b(?P<named_m>{_MONTH_WORDS})\.?\s+(?:of\s+)?(?P<named_y>(?:19|20)\d\d))"
    rf"|(?P<part>\b(?P<part_w>{_PART_WORDS})(?:\s+of)?\s+(?P<part_y>(?:19|20)\d\d))"
    r"|(?P<year>(?<!\d)(?P<year_y>(?:19|20)\d\d)(?!\d))",
    re.IGNORECASE,
)
_OPEN = re.compile(
    r"\b(seit|ab|since|from|starting|läuft|laufend|fortlaufend|dauerhaft|unbefristet|offen|open[- ]ended|"
    r"ongoing|heute|jetzt|present|now|today|aktuell|weiterhin|andauernd)\b|bis auf weiteres|∞",
    re.IGNORECASE,
)
_ENDED = re.compile(r"\b(abgeschlossen|beendet|ausgelaufen|eingestellt|ended|completed|finished)\b", re.I)
_UNTIL = re.compile(
    r"(\bbis|\buntil|\btill|\bto|\bthrough|ende|\bend|endet|\bends)(\s+(zum|am|on))?\W*$", re.I
)
_BEGIN = re.compile(r"(start|beginn|begonnen|begins?|started)\w*\W*$", re.IGNORECASE)
_SPAN = re.compile(r"(\d+)\s*(jahre?n?|years?|monate?n?|months?)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None
    open_ended: bool = False  # "seit", "läuft", "bis heute": running with no end in sight
    ended: bool = False  # "abgeschlossen" without a date

    def status(self, today: date) -> str:
        return period_status(self, today)


def _two_digit(year: str) -> int:
    value = int(year)
    return value if value >= 100 else 2000 + value


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_range(match: re.Match) -> tuple[date, date] | None:
    """The first and last day a date in the text can mean."""
    g = match.group
    kind = match.lastgroup
    if kind == "iso":
        day = _safe_date(int(g("iso_y")), int(g("iso_m")), int(g("iso_d")))
        return (day, day) if day else None
    if kind == "dmy":
        day = _safe_date(_two_digit(g("dmy_y")), int(g("dmy_m")), int(g("dmy_d")))
        return (day, day) if day else None
    if kind == "school":  # "2023/24": a school year, August to July
        first = int(g("school_y"))
        if int(g("school_next")) != (first + 1) % 100:
            return (date(first, 1, 1), date(first, 12, 31))
        return (date(first, 8, 1), date(first + 1, 7, 31))
    if kind == "my":
        month, year = int(g("my_m")), _two_digit(g("my_y"))
        if not 1 <= month <= 12:
            return None
        return (date(year, month, 1), _last_day(year, month))
    if kind == "named":
        month, year = _MONTHS[g("named_m").lower()], int(g("named_y"))
        return (date(year, month, 1), _last_day(year, month))
    if kind == "part":
        first, last = _PARTS[g("part_w").lower()]
        year = int(g("part_y"))
        return (date(year, first, 1), _last_day(year, last))
    year = int(g("year_y"))
    return (date(year, 1, 1), date(year, 12, 31))


def _add_months(day: date, months: int) -> date:
    """The last day of the month `months` after day's month (0: day's own month)."""
    index = day.year * 12 + day.month - 1 + months
    return _last_day(index // 12, index % 12 + 1)


def parse_period(text: str | None) -> Period:
    """Start and end of a project's period as far as the text says; an empty Period when it says nothing."""
    if not text:
        return Period()
    text = " ".join(text.split())[:MAX_PERIOD_CHARS]
    found = [(m, r) for m in _DATE.finditer(text) if (r := _date_range(m))]
    open_ended = bool(_OPEN.search(text))
    ended = bool(_ENDED.search(text)) and not open_ended
    if not found:
        return Period(open_ended=open_ended, ended=ended)
    first_match, (first_start, first_end) = found[0]
    if len(found) >= 2:
        last_end = found[1][1][1]
        if last_end >= first_start:
            return Period(start=first_start, end=last_end, ended=ended)
        return Period(start=first_start, open_ended=open_ended, ended=ended)  # an end before the start
    before = text[: first_match.start()]
    if _UNTIL.search(before) and not re.search(r"\d", before):  # "bis 12/2025": only an end is given
        return Period(end=first_end, ended=ended)
    span = _SPAN.search(text)
    if span:  # "24 Monate ab 01/2022", "2 Jahre (ab 2021)"
        months = int(span.group(1)) * (12 if span.group(2).lower()[0] in "jy" else 1)
        if 0 < months <= 600:
            return Period(start=first_start, end=_add_months(first_start, months - 1), ended=ended)
    if open_ended:
        return Period(start=first_start, open_ended=True)
    if _BEGIN.search(before) or first_match.lastgroup in ("iso", "dmy"):
        return Period(start=first_start, ended=ended)  # a start day alone says nothing of the end
    return Period(start=first_start, end=first_end, ended=ended)


def period_status(period: Period, today: date) -> str:
    """laufend, abgeschlossen or unbekannt on this day."""
    if period.end is not None:
        if period.end < today:
            return "abgeschlossen"
        if period.start is None or period.start <= today:
            return "laufend"
        return "unbekannt"  # not begun yet: neither running nor finished
    if period.ended:
        return "abgeschlossen"
    if period.open_ended:
        if period.start is None or period.start <= today:
            return "laufend"
        return "unbekannt"
    return "unbekannt"


@lru_cache(maxsize=4096)  # a collection has few distinct periods; each text is at most 200 chars read
def _parsed(period_text: str) -> Period:
    return parse_period(period_text)


def project_status(period_text: str | None, today: date) -> str:
    """laufend, abgeschlossen or unbekannt for a project's "Laufzeit" text on this day."""
    if not period_text:
        return "unbekannt"
    return period_status(_parsed(period_text[:MAX_PERIOD_CHARS]), today)


def describe_period(period: Period) -> str:
    """The period in one German phrase for a card: "seit 09/2019", "03/2022 – 02/2023", "bis 12/2025"."""

    def month(day: date) -> str:
        return f"{day.month:02d}/{day.year}"

    if period.start and period.end:
        return f"{month(period.start)} – {month(period.end)}"
    if period.start:
        return f"seit {month(period.start)}"
    if period.end:
        return f"bis {month(period.end)}"
    return ""
