"""Properties of ``add_months`` (D-MONTH, INV-MONTH-CLAMP)."""

from __future__ import annotations

import calendar
import datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kernel import add_months
from specs.verification import oracle
from specs.verification.properties.laws import clear_kernel_caches
from specs.verification.strategies import month_end_dates


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    clear_kernel_caches()


dates = month_end_dates | st.dates(datetime.date(1, 1, 1), datetime.date(9000, 12, 31))


@pytest.mark.covers("INV-MONTH-CLAMP", "D-MONTH")
@example(day=datetime.date(2024, 1, 31), months=1)
@example(day=datetime.date(2023, 1, 31), months=1)
@example(day=datetime.date(2024, 1, 31), months=2)
@example(day=datetime.date(2024, 2, 29), months=12)
@example(day=datetime.date(2100, 1, 31), months=1)
@example(day=datetime.date(2000, 1, 31), months=1)
@example(day=datetime.date(2024, 12, 31), months=2)
@example(day=datetime.date(2024, 5, 31), months=0)
@example(day=datetime.date(2024, 8, 31), months=3)
@given(day=dates, months=st.integers(0, 1200))
def test_adding_months_lands_on_the_same_day_clamped_to_month_end(
    day: datetime.date, months: int
) -> None:
    """Law: k months after a date is in the k-th following calendar month, on the same day of
    the month, or that month's last day when it is shorter. Cheats ruled out: 30-day months,
    overflow into the next month (31 January + 1 month = 2 March), clamping to 28 February in a
    leap year, a clamp that sticks (31 January + 2 months must be 31 March)."""
    result = add_months(day, months)
    assert (result.year - day.year) * 12 + result.month - day.month == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)
    assert result == oracle.add_months(day, months)


@pytest.mark.covers("INV-MONTH-CLAMP", "D-MONTH")
def test_the_clamp_examples_of_the_decisions() -> None:
    """The examples D-MONTH states: 31 January + 1 month = 28 or 29 February; + 2 months =
    31 March, not 28 March."""
    assert add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months(datetime.date(2023, 1, 31), 1) == datetime.date(2023, 2, 28)
    assert add_months(datetime.date(2024, 1, 31), 2) == datetime.date(2024, 3, 31)
    assert add_months(datetime.date(2023, 1, 31), 2) == datetime.date(2023, 3, 31)
