"""The product's wording and citations are part of its API: every text a decision-table row
produces is pinned, with the rule IDs and source references of the element that carries it.

Callers show these texts to clinicians and match on validation reasons, so a change of wording
must be deliberate: regenerate with ``B12_UPDATE_GOLDEN=1 make test`` and review the diff of
``specs/golden/texts.json``. The expected values of the tables themselves are derived by hand
(``specs/tables/``), and the oracle checks every citation the decisions fix; this file also pins
the citations the decisions leave to the product (which rules an element cites beside the ones
it must), so that no change of them is silent either.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import pytest

from kernel import assess_course, check_regimen, findings, plan_regimen
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
    Severity,
)
from specs.verification.decision_tables import all_rows
from specs.verification.properties.laws import clear_kernel_caches

GOLDEN = Path(__file__).resolve().parents[2] / "specs" / "golden" / "texts.json"


class _Cited(Protocol):
    @property
    def rule_ids(self) -> tuple[str, ...]: ...
    @property
    def source_references(self) -> tuple[str, ...]: ...


def _cited(name: str, element: _Cited, text: str = "") -> str:
    """``NAME [rule IDs | source references]: text``."""
    cites = f"{', '.join(element.rule_ids)} | {', '.join(element.source_references)}"
    return f"{name} [{cites}]: {text}".rstrip(": ")


def _texts(result: object) -> list[str]:
    """Every text of a kernel result, each prefixed by the code or field it belongs to and the
    citations of its element; and the citations of every phase, rule and schedule."""
    if isinstance(result, InvalidInput):
        return [f"{v.field}: {v.reason}" for v in result.violations]
    if isinstance(result, RegimenPlan):
        warnings = [_cited(w.code.name, w, w.text) for w in result.warnings]
        items = [*result.guidance.items, *result.monitoring.items]
        phases = [
            _cited("LOADING", result.loading),
            _cited("MAINTENANCE", result.maintenance),
            _cited("GUIDANCE", result.guidance),
            _cited("MONITORING", result.monitoring),
        ]
        rules = [f"INTERVAL {r.rule_id} [{', '.join(r.rule_ids)}]" for r in result.interval_rules]
        return (
            warnings + [_cited(item.code.name, item, item.text) for item in items] + phases + rules
        )
    if isinstance(result, Referral):
        reasons = [_cited(d.reason.name, d, d.text) for d in result.reason_details]
        warnings = [_cited(w.code.name, w, w.text) for w in result.warnings]
        referral = f"REFERRAL [{', '.join(result.rule_ids)}]: {result.text}"
        return [referral, *reasons, *warnings]
    if isinstance(result, RegimenCheck):
        return [_cited(f.code.name, f, f.text) for f in result.findings]
    if isinstance(result, CourseAssessment):
        findings = [_cited(f.code.name, f, f.text) for f in result.findings]
        rules = [f"INTERVAL {r.rule_id} [{', '.join(r.rule_ids)}]" for r in result.interval_rules]
        return [*findings, *rules, _cited("SCHEDULE", result.schedule)]
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
    named = {text.split(":", 1)[0].split(" [", 1)[0] for texts in pinned.values() for text in texts}
    expected = {code.name for code in Code} | {
        reason.name for reason in ReferReason if reason is not ReferReason.NOT_COVERED
    }
    unpinned = sorted(expected - named - {Code.NOT_COVERED.name})
    assert not unpinned, f"no decision-table row shows the wording of {unpinned}"


@pytest.mark.covers("D-WORDING")
@pytest.mark.parametrize(
    ("table", "change"),
    [
        ("TEXT", lambda t: t.pop(Code.PREGNANCY_REVIEW)),
        ("SEVERITY", lambda t: t.update({Code.FIRST_DOSE_PROFESSIONAL: Severity.INFO})),
        ("SEVERITY", lambda t: t.pop(Code.LOADING_INTERRUPTED)),
        ("REFER_TEXT", lambda t: t.pop(Code.ANTICOAGULANT_PRECAUTIONS)),
        ("REFER_TEXT", lambda t: t.update({Code.LOADING_INTERRUPTED: "x"})),
        ("REASON_TEXT", lambda t: t.pop(ReferReason.SPECIALIST_REGIMEN)),
    ],
    ids=[
        "a code without text",
        "an item with a severity",
        "a warning without a severity",
        "a referral warning without its referral sentence",
        "a referral sentence for a code a REFER never carries",
        "a reason without its sentence",
    ],
)
def test_the_wording_tables_refuse_to_load_incomplete(
    monkeypatch: pytest.MonkeyPatch, table: str, change: Callable[[dict[Any, Any]], object]
) -> None:
    """The tables are checked when the kernel is imported: a code, reason or referral warning
    added without its wording fails at once, never silently at run time."""
    copy = dict(getattr(findings, table))
    change(copy)
    monkeypatch.setattr(findings, table, copy)
    with pytest.raises(TypeError, match="wording tables incomplete"):
        findings._check_tables()  # noqa: SLF001 - the import-time check itself
    monkeypatch.undo()
    findings._check_tables()  # noqa: SLF001 - and the real tables pass it
