"""D-MONTH: k months after a date is the same day of the k-th following calendar month, clamped to
that month's end (31 January + 1 month = 28 or 29 February; + 2 months = 31 March)."""

from __future__ import annotations

import datetime

import pytest

from kernel import add_months

D = datetime.date

# (date, months, expected), derived by hand from D-MONTH.
CASES: tuple[tuple[datetime.date, int, datetime.date], ...] = (
    (D(2025, 1, 15), 0, D(2025, 1, 15)),
    (D(2025, 1, 15), 1, D(2025, 2, 15)),
    (D(2025, 1, 31), 1, D(2025, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),
    (D(2025, 1, 31), 2, D(2025, 3, 31)),
    (D(2024, 1, 31), 2, D(2024, 3, 31)),
    (D(2025, 1, 31), 3, D(2025, 4, 30)),
    (D(2025, 3, 31), 1, D(2025, 4, 30)),
    (D(2025, 1, 30), 1, D(2025, 2, 28)),
    (D(2025, 1, 29), 1, D(2025, 2, 28)),
    (D(2024, 1, 29), 1, D(2024, 2, 29)),
    (D(2025, 1, 28), 1, D(2025, 2, 28)),
    (D(2024, 2, 29), 1, D(2024, 3, 29)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)),
    (D(2024, 2, 29), 24, D(2026, 2, 28)),
    (D(2024, 2, 29), 48, D(2028, 2, 29)),
    (D(2023, 12, 31), 2, D(2024, 2, 29)),
    (D(2025, 12, 15), 1, D(2026, 1, 15)),
    (D(2025, 12, 31), 1, D(2026, 1, 31)),
    (D(2025, 11, 30), 3, D(2026, 2, 28)),
    (D(2025, 8, 31), 6, D(2026, 2, 28)),
    (D(2025, 1, 31), 13, D(2026, 2, 28)),
    (D(2025, 5, 31), 24, D(2027, 5, 31)),
    (D(2025, 10, 31), 1, D(2025, 11, 30)),
    (D(2025, 7, 31), 1, D(2025, 8, 31)),
    (D(1900, 1, 31), 1, D(1900, 2, 28)),
    (D(2000, 1, 31), 1, D(2000, 2, 29)),
    (D(2100, 1, 31), 1, D(2100, 2, 28)),
)


@pytest.mark.covers("D-MONTH", "INV-MONTH-CLAMP")
@pytest.mark.parametrize(
    ("day", "months", "expected"),
    CASES,
    ids=[f"{day.isoformat()}+{months}" for day, months, _ in CASES],
)
def test_add_months_table(day: datetime.date, months: int, expected: datetime.date) -> None:
    assert add_months(day, months) == expected


def _month_end(year: int, month: int) -> int:
    """Days in a month, counted by stepping to the first of the next month."""
    first_next = D(year + month // 12, month % 12 + 1, 1)
    return (first_next - datetime.timedelta(days=1)).day


@pytest.mark.covers("D-MONTH", "INV-MONTH-CLAMP")
def test_add_months_every_day_of_four_years() -> None:
    """Every day of 2023-2026 plus 0-27 months: the same day of the target month, clamped."""
    day = D(2023, 1, 1)
    mismatches: list[str] = []
    while day.year < 2027:
        for months in range(28):
            index = day.month - 1 + months
            year, month = day.year + index // 12, index % 12 + 1
            expected = D(year, month, min(day.day, _month_end(year, month)))
            if add_months(day, months) != expected:
                mismatches.append(f"{day}+{months}")
        day += datetime.timedelta(days=1)
    assert not mismatches, mismatches[:10]


@pytest.mark.covers("D-MONTH")
def test_add_months_is_not_chaining() -> None:
    """31 January + 2 months is 31 March, not (31 January + 1) + 1 = 28 March."""
    jan_31 = D(2025, 1, 31)
    assert add_months(jan_31, 2) == D(2025, 3, 31)
    assert add_months(add_months(jan_31, 1), 1) == D(2025, 3, 28)
