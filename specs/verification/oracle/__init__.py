"""An independent oracle for the kernel's invariants and decisions (rule set 2.0.0).

Written from ``specs/clinical-decisions.md`` (the R- rules, the D- decisions of 1.0.0 and of
"Revision 2") and the value types of ``kernel/model.py`` only: it imports no kernel logic, so it
still catches a broken kernel when the kernel's own contract asserts are removed (the known-bad
kernels of ``specs/verification/known_bad`` rely on that).

``check_plan``, ``check_check`` and ``check_course`` take a request and the kernel's outcome and
return the violations, one string per violation, each starting with the ID it breaks
(``"INV-RENAL: ..."``). Most violations name an INV- ID; a check beyond the invariant catalogue
names the D- decision it checks. An empty list means the outcome agrees with the decisions.

Where the decisions leave a detail open, the oracle does not check it ("don't care"); every such
place is marked ``# open:`` with the reason, so the oracle never invents a rule. Where the text
is ambiguous, the oracle takes its most literal reading and says so in an ``# open:`` comment.

Layout: ``catalogue`` (IDs, severities, order, thresholds), ``dates`` (D-MONTH), ``validation``
(D-INVALID, D-FIELDS, D-WINDOWS), ``facts`` (what a profile means), ``citations`` (exact
citations), ``outputs`` (findings, codes, wording), ``intervals``, ``plan``, ``check``,
``course``.
"""

from __future__ import annotations

from specs.verification.oracle.catalogue import (
    CATALOGUE,
    CATALOGUE_ORDER,
    CHECK_CODES,
    DECISIONS,
    DECISIONS_1,
    DECISIONS_2,
    INVARIANTS,
    ITEM_CODES,
    REFER_MAY_CARRY,
    REVIEW_CODES,
    RULE_SET_VERSION,
    SAFETY_CODES,
    SEVERITY,
    SOURCE_RULES,
    order_key,
)
from specs.verification.oracle.check import (
    check_check,
    expected_check_codes,
    judged_facts,
    nothing_proposed,
)
from specs.verification.oracle.citations import (
    Context,
    expected_references,
    finding_citation,
)
from specs.verification.oracle.course import (
    ExpectedCourse,
    ExpectedSchedule,
    check_course,
    course_phase,
    expected_course,
    labs_due,
)
from specs.verification.oracle.dates import add_days, add_months, chain_months
from specs.verification.oracle.facts import Facts, derive_facts, site_codes
from specs.verification.oracle.outputs import wording_problems
from specs.verification.oracle.plan import (
    ExpectedPlan,
    check_plan,
    expected_plan,
    expected_plan_kind,
)
from specs.verification.oracle.validation import (
    FieldExpectation,
    check_expectation,
    course_expectation,
    plan_expectation,
)

__all__ = [
    "CATALOGUE",
    "CATALOGUE_ORDER",
    "CHECK_CODES",
    "DECISIONS",
    "DECISIONS_1",
    "DECISIONS_2",
    "INVARIANTS",
    "ITEM_CODES",
    "REFER_MAY_CARRY",
    "REVIEW_CODES",
    "RULE_SET_VERSION",
    "SAFETY_CODES",
    "SEVERITY",
    "SOURCE_RULES",
    "Context",
    "ExpectedCourse",
    "ExpectedPlan",
    "ExpectedSchedule",
    "Facts",
    "FieldExpectation",
    "add_days",
    "add_months",
    "chain_months",
    "check_check",
    "check_course",
    "check_expectation",
    "check_plan",
    "course_expectation",
    "course_phase",
    "derive_facts",
    "expected_check_codes",
    "expected_course",
    "expected_plan",
    "expected_plan_kind",
    "expected_references",
    "finding_citation",
    "judged_facts",
    "labs_due",
    "nothing_proposed",
    "order_key",
    "plan_expectation",
    "site_codes",
    "wording_problems",
]
