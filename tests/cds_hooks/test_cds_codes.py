"""The one table of the codes the CDS Hooks service reads (server/cds_hooks/codes.py, D-CDS-READ):
every row cites a decision of the rule catalogue, and where revision 2 leaves a reading open, the
proposed decision of specs/proposed-decisions.md whose reading it implements; every such proposed
decision is written there and implemented by a row."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import pytest

from kernel.rules import RULES
from server.cds_hooks import codes

ROOT: Final = Path(__file__).resolve().parents[2]
PROPOSED: Final = ROOT / "specs" / "proposed-decisions.md"
ROWS: Final[tuple[codes.CodeRow | codes.NameRow | codes.StatusRow, ...]] = (
    *codes.CODES,
    *codes.NAMES,
    *codes.STATUSES,
)


def proposed_cds_readings() -> list[str]:
    """The D-PROPOSED-CDS-… headings of the section "Readings taken where revision 2 is open"."""
    text = PROPOSED.read_text(encoding="utf-8")
    section = text.split("## Readings taken where revision 2 is open", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^#+ (D-PROPOSED-CDS-[A-Z0-9-]+) — ", section, flags=re.MULTILINE)


@pytest.mark.covers("D-CDS-READ")
def test_every_row_cites_a_decision_of_the_catalogue() -> None:
    unknown = sorted({row.decision for row in ROWS if row.decision not in RULES})
    assert not unknown, f"rows cite decisions the catalogue does not hold: {unknown}"


@pytest.mark.covers("D-CDS-READ")
def test_every_reading_a_row_cites_is_a_proposed_decision_and_each_is_implemented() -> None:
    written = proposed_cds_readings()
    assert sorted(written) == sorted(codes.READINGS)
    assert len(written) == len(set(written))
    cited = {row.reading for row in ROWS if row.reading is not None}
    assert cited == set(codes.READINGS), "each reading is cited by a row, and only those"
    assert not cited & set(RULES), "a proposed reading is not (yet) a decision of the catalogue"


@pytest.mark.covers("D-CDS-READ")
def test_the_reader_of_proposed_decisions_finds_them() -> None:
    assert "D-PROPOSED-CDS-FOLIC-ACID-STATUS" in proposed_cds_readings()
    assert "D-PROPOSED-LEBER-WITH-HYPERSENSITIVITY-URGENT" not in proposed_cds_readings()


def test_statuses_are_read_from_the_table() -> None:
    assert codes.statuses_of(codes.Fact.FOLIC_ACID, "MedicationStatement") == {
        "active",
        "on-hold",
        "completed",
        "stopped",
    }
    assert codes.statuses_of(codes.Fact.ANTICOAGULANT, "MedicationRequest") == {"active"}
    assert codes.statuses_of(codes.Fact.ANTICOAGULANT, "Procedure") == frozenset()
