"""Calendar arithmetic (D-MONTH), written independently of the kernel's."""

from __future__ import annotations

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return ``day`` plus ``months`` calendar months, clamped to the target month's end.

    Raises ``ValueError`` when the result is outside ``datetime.date``'s range (never for the
    dates D-WINDOWS admits: every date the decisions compute from them is before 9999).
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        message = "year out of range"
        raise ValueError(message)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last_day))


def add_days(day: datetime.date, days: int) -> datetime.date:
    """Return ``day`` plus ``days`` days."""
    return day + datetime.timedelta(days=days)


def chain_months(
    first: datetime.date, months: int, horizon: datetime.date
) -> tuple[datetime.date, ...]:
    """``first`` (always listed) and each date ``months`` after the previous one, up to the
    inclusive ``horizon`` (D-MONTH chained dates, D-HORIZON)."""
    dates = [first]
    while (following := add_months(dates[-1], months)) <= horizon:
        dates.append(following)
    return tuple(dates)


def every_second_day(
    first: datetime.date, always_through: datetime.date | None, horizon: datetime.date
) -> tuple[datetime.date, ...]:
    """``first``, then every second day: always through ``always_through`` (a review date),
    then up to the inclusive ``horizon``."""
    dates = [first]
    limit = horizon if always_through is None else max(horizon, always_through)
    while (following := add_days(dates[-1], 2)) <= limit:
        dates.append(following)
    return tuple(dates)
