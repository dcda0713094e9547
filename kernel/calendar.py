"""Calendar arithmetic (D-MONTH).

Month arithmetic is done on (year, month, day) integers and converted to a date once, so the
checked core stays in integer arithmetic. Each function opens with its preconditions; its
postconditions are the ``_ensure_*`` function beside it, called under ``if __debug__:``.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Final

MONTHS_PER_YEAR: Final = 12
FEBRUARY: Final = 2
SHORTEST_MONTH_DAYS: Final = 28
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


def months_between(earlier: datetime.date, later: datetime.date) -> int:
    """Return how many calendar months ``later``'s month lies after ``earlier``'s."""
    return (later.year - earlier.year) * MONTHS_PER_YEAR + later.month - earlier.month


def months_left_in_calendar(day: datetime.date) -> int:
    """Return how many whole calendar months lie between ``day``'s month and December 9999."""
    return months_between(day, datetime.date.max)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return ``months`` calendar months after ``day``: the same day of the target month,
    clamped to that month's end (D-MONTH). 31 January + 1 month is 28 or 29 February.
    """
    assert months >= 0, "INV-MONTH-CLAMP: months are counted forwards"  # pragma: no mutate
    assert months <= months_left_in_calendar(day), (  # pragma: no mutate
        "INV-MONTH-CLAMP: within the calendar"
    )
    year_offset, month_zero = divmod(day.month - 1 + months, MONTHS_PER_YEAR)
    year, month = day.year + year_offset, month_zero + 1
    day_of_month = day.day
    if day_of_month > SHORTEST_MONTH_DAYS:
        day_of_month = min(day_of_month, days_in_month(year, month))
    result = datetime.date(year, month, day_of_month)
    if __debug__:
        _ensure_add_months(day, months, result)
    return result


def _ensure_add_months(day: datetime.date, months: int, result: datetime.date) -> None:
    """INV-MONTH-CLAMP: the same day of the k-th following month, clamped to its end."""
    assert months_between(day, result) == months, "INV-MONTH-CLAMP: the k-th following month"
    assert result.day == min(day.day, days_in_month(result.year, result.month)), (
        "INV-MONTH-CLAMP: same day, clamped to month end"
    )


def chain_months(
    first: datetime.date, months: int, last: datetime.date
) -> tuple[datetime.date, ...]:
    """Return ``first`` and each date ``months`` after the previous one (chained, D-MONTH) up to
    and including ``last``. Chaining keeps a clamped day: 31 January, 28 February, 28 March.
    """
    assert months > 0, "INV-MONTH-CLAMP: a series moves forwards"  # pragma: no mutate
    assert months <= months_left_in_calendar(max(first, last)), (  # pragma: no mutate
        "INV-MONTH-CLAMP: within the calendar"
    )
    dates = [first]
    year, month, day_of_month = first.year, first.month, first.day
    while True:
        month += months
        while month > MONTHS_PER_YEAR:
            month -= MONTHS_PER_YEAR
            year += 1
        if day_of_month > SHORTEST_MONTH_DAYS:
            day_of_month = min(day_of_month, days_in_month(year, month))
        following = datetime.date(year, month, day_of_month)
        if following > last:
            break
        dates.append(following)
    if __debug__:
        _ensure_chain_months(months, last, dates)
    return tuple(dates)


def _ensure_chain_months(months: int, last: datetime.date, dates: list[datetime.date]) -> None:
    """INV-MONTH-CLAMP and INV-HORIZON: each date one step after the previous one; the first
    always, the later ones up to ``last``."""
    assert all(  # pragma: no mutate
        later == add_months(earlier, months) for earlier, later in itertools.pairwise(dates)
    ), "INV-MONTH-CLAMP: each date is one step after the previous one"
    assert all(day <= last for day in dates[1:]), "INV-HORIZON: repeated dates up to the last"


def count_months_from(
    origin: datetime.date, months: int, last: datetime.date
) -> tuple[datetime.date, ...]:
    """Return ``origin`` + k * ``months`` for k = 1, 2, ..., each counted from ``origin``
    (D-MONTH): the first always, later ones up to and including ``last``.
    """
    assert months > 0, "INV-MONTH-CLAMP: a series moves forwards"  # pragma: no mutate
    assert months <= months_left_in_calendar(last), (  # pragma: no mutate
        "INV-MONTH-CLAMP: in the calendar"
    )
    assert 2 * months <= months_left_in_calendar(origin), (  # pragma: no mutate
        "INV-MONTH-CLAMP: in the calendar"
    )
    dates: list[datetime.date] = []
    year, month, origin_day = origin.year, origin.month, origin.day
    while True:
        month += months
        while month > MONTHS_PER_YEAR:
            month -= MONTHS_PER_YEAR
            year += 1
        day_of_month = origin_day
        if day_of_month > SHORTEST_MONTH_DAYS:
            day_of_month = min(day_of_month, days_in_month(year, month))
        following = datetime.date(year, month, day_of_month)
        if dates and following > last:
            break
        dates.append(following)
    if __debug__:
        _ensure_count_months_from(origin, months, dates)
    return tuple(dates)


def _ensure_count_months_from(
    origin: datetime.date, months: int, dates: list[datetime.date]
) -> None:
    """INV-MONTH-CLAMP: each date is counted from the origin."""
    assert all(  # pragma: no mutate
        day == add_months(origin, months * k) for k, day in enumerate(dates, start=1)
    ), "INV-MONTH-CLAMP: each date is counted from the origin"


# Every day offset the rules add is at most a fortnight (loading days, the neurological review,
# the alternate-day step, an interrupted loading), so the steps are built once.
_DAY_STEPS: Final = tuple(datetime.timedelta(days=days) for days in range(32))


def add_days(day: datetime.date, days: int) -> datetime.date:
    """Return ``days`` days after ``day`` (0 to 31)."""
    return day + _DAY_STEPS[days]


def every_n_days(first: datetime.date, last: datetime.date, days: int) -> tuple[datetime.date, ...]:
    """Return ``first`` and every ``days``-th day after it up to and including ``last``
    (``first`` always). ``days`` is positive."""
    count = max(0, (last - first).days) // days + 1
    step = datetime.timedelta(days=days)
    dates = [first]
    day = first
    for _ in range(count - 1):
        day += step
        dates.append(day)
    return tuple(dates)
