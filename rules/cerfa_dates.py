"""Calendar arithmetic of the apprenticeship rules: ages, month offsets, birthdays, durations.

Conventions (Code du travail / public CERFA tools):
- an age is the number of whole years reached on a date (the birthday itself counts);
- someone born on 29 February gets one year older on 1 March in a non-leap year;
- adding months keeps the day, or takes the last day of the month when it does not exist
  (31 August + 6 months = 28 February);
- a duration of *n* months from ``start`` covers ``start`` … ``add_months(start, n) - 1 day``.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


def first_day_of_next_month(day: date) -> date:
    return add_months(day.replace(day=1), 1)


def age_on(birth: date, on: date) -> int:
    """Whole years reached on ``on``."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def birthday_in(birth: date, year: int) -> date:
    """The day on which the person gets one year older during ``year``."""
    if birth.month == 2 and birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)


def next_birthday_after(birth: date, day: date) -> date:
    """The first birthday strictly after ``day``."""
    candidate = birthday_in(birth, day.year)
    return candidate if candidate > day else birthday_in(birth, day.year + 1)


def months_covered(start: date, end: date) -> int:
    """Whole months covered by the period ``start`` … ``end`` (both included)."""
    if end < start:
        return 0
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    while months > 0 and add_months(start, months) - ONE_DAY > end:
        months -= 1
    return months


def lasts_at_least(start: date, end: date, months: int) -> bool:
    return end >= add_months(start, months) - ONE_DAY


def lasts_at_most(start: date, end: date, months: int) -> bool:
    return end <= add_months(start, months) - ONE_DAY


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")
