"""The product's wording is part of its API: every text a decision-table row produces is pinned.

Callers show these texts to clinicians and match on validation reasons, so a change of wording
must be deliberate: regenerate with ``B12_UPDATE_GOLDEN=1 make test`` and review the diff of
``specs/golden/texts.json``. The expected values of the tables themselves are derived by hand
(``specs/tables/``); this file pins only wording, which no rule derives.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kernel import assess_course, check_regimen, plan_regimen
from kernel.model import (
    CheckRequest,
    Code,
    CourseAssessment,
    CourseRequest,
    InvalidInput,
    PlanRequest,
    Referral,
    ReferReason,
    RegimenCheck,
    RegimenPlan,
)
from specs.verification.decision_tables import all_rows
from specs.verification.properties.laws import clear_kernel_caches

GOLDEN = Path(__file__).resolve().parents[2] / "specs" / "golden" / "texts.json"


def _texts(result: object) -> list[str]:
    """Every text of a kernel result, each prefixed by the code or field it belongs to."""
    if isinstance(result, InvalidInput):
        return [f"{v.field}: {v.reason}" for v in result.violations]
    if isinstance(result, RegimenPlan):
        warnings = [f"{w.code.name}: {w.text}" for w in result.warnings]
        items = [*result.guidance.items, *result.monitoring.items]
        return warnings + [f"{item.code.name}: {item.text}" for item in items]
    if isinstance(result, Referral):
        reasons = [f"{d.reason.name}: {d.text}" for d in result.reason_details]
        warnings = [f"{w.code.name}: {w.text}" for w in result.warnings]
        return [f"REFERRAL: {result.text}", *reasons, *warnings]
    if isinstance(result, RegimenCheck | CourseAssessment):
        return [f"{f.code.name}: {f.text}" for f in result.findings]
    message = f"unexpected result {type(result).__name__}"
    raise TypeError(message)


def _observe() -> dict[str, list[str]]:
    clear_kernel_caches()  # every text is built afresh, not read from a warm per-class cache
    observed: dict[str, list[str]] = {}
    for row in all_rows():
        request = row.request
        if isinstance(request, PlanRequest):
            observed[row.id] = _texts(plan_regimen(request))
        elif isinstance(request, CheckRequest):
            observed[row.id] = _texts(check_regimen(request))
        else:
            assert isinstance(request, CourseRequest)
            observed[row.id] = _texts(assess_course(request))
    return observed


@pytest.mark.covers("D-INVALID", "D-OUTCOME", "D-CHECK", "D-COURSE")
def test_every_text_is_the_pinned_wording() -> None:
    observed = _observe()
    if os.environ.get("B12_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(observed, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = sorted(
        row for row in observed.keys() | pinned.keys() if observed.get(row) != pinned.get(row)
    )
    assert not changed, f"wording changed in {len(changed)} rows, e.g. {changed[:5]}"
    assert sum(len(texts) for texts in pinned.values()) > 1000, "the tables produce texts"


@pytest.mark.covers("D-WORDING")
def test_the_pinned_wording_covers_every_code_and_reason() -> None:
    """Every code (warning, finding or item) and every referral reason has its wording pinned by
    at least one decision-table row, so no text escapes review."""
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    named = {text.split(":", 1)[0] for texts in pinned.values() for text in texts}
    expected = {code.name for code in Code} | {
        reason.name for reason in ReferReason if reason is not ReferReason.NOT_COVERED
    }
    unpinned = sorted(expected - named - {Code.NOT_COVERED.name})
    assert not unpinned, f"no decision-table row shows the wording of {unpinned}"
