"""Calendar arithmetic (D-MONTH) and the kernel's supported calendar window.

Month arithmetic is done on (year, month, day) integers and converted to a date once, so the
checked core stays in integer arithmetic.
"""

from __future__ import annotations

import datetime
from typing import Final

# Every date a caller sends must lie on or before this day, so that every date the kernel
# computes from it (at most a little over a year later) is a representable date. Later inputs
# are answered NOT_COVERED (see specs/proposed-decisions.md, D-PROPOSED-CALENDAR-WINDOW).
LATEST_SUPPORTED_DATE: Final = datetime.date(9899, 12, 31)

MONTHS_PER_YEAR: Final = 12
FEBRUARY: Final = 2
_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap_year(year: int) -> bool:
    """Return whether ``year`` is a Gregorian leap year."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Return the number of days in ``month`` (1-12) of ``year``."""
    assert 1 <= month <= MONTHS_PER_YEAR, "INV-MONTH-CLAMP: month is 1-12"  # pragma: no mutate
    if month == FEBRUARY and is_leap_year(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return ``months`` calendar months after ``day``: the same day of the target month,
    clamped to that month's end (D-MONTH). 31 January + 1 month is 28 or 29 February."""
    assert months >= 0, "INV-MONTH-CLAMP: months are counted forwards"  # pragma: no mutate
    month_index = day.year * 12 + (day.month - 1) + months
    year, month_zero = divmod(month_index, 12)
    month = month_zero + 1
    result = datetime.date(year, month, min(day.day, days_in_month(year, month)))
    assert (result.year * 12 + result.month) - (
        day.year * 12 + day.month
    ) == months, (  # pragma: no mutate
        "INV-MONTH-CLAMP: the result lies in the k-th following calendar month"
    )
    assert result.day == min(
        day.day, days_in_month(result.year, result.month)
    ), (  # pragma: no mutate
        "INV-MONTH-CLAMP: the same day of the month, clamped to the month's end"
    )
    return result


def add_days(day: datetime.date, days: int) -> datetime.date:
    """Return ``days`` days after ``day``."""
    return day + datetime.timedelta(days=days)
