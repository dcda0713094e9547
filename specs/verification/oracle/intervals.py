"""The intervals in force and the interval rules compared (D-INTERVAL, INV-INTERVAL-MAX,
INV-INTERVAL-MONTHLY), for plans and courses alike."""

from __future__ import annotations

from collections.abc import Sequence

from kernel.model import IntervalRule
from specs.verification.oracle.catalogue import INTERVAL_MAX_MONTHS
from specs.verification.oracle.citations import Citation, check_citation
from specs.verification.oracle.facts import Facts


def interval_rule_citation(rule_id: str, facts: Facts) -> Citation:
    """Return an interval rule's citation: itself (with D-INTERVAL where D-INTERVAL says so,
    added by the boundary check); it may cite D-INTERVAL and the decisions of its condition."""
    required = frozenset({rule_id})
    allowed = {rule_id, "D-INTERVAL"}
    if rule_id in {"R-MAINT-CYANO", "R-MAINT-EXTENDED"} and facts.extended_requested:
        allowed |= {"D-EXTENDED", "R-MONTHLY-BETTER"}
    if rule_id == "R-MAINT-HYDROXO":
        if facts.extended_requested:
            allowed.add("D-EXTENDED")
        if facts.neuro_unknown:
            allowed.add("D-NEURO-UNKNOWN")
        if facts.recurred:
            allowed |= {"D-RECURRENCE", "D-COURSE"}
    if rule_id == "R-POP-CROHN" and facts.crohn_unknown_counts:
        allowed.add("D-DEFICIENCY")
    if rule_id in {"R-POP-ILEAL", "R-POP-CROHN", "R-POP-BARIATRIC"} and facts.prophylaxis:
        allowed.add("D-PROPHYLAXIS")
    return required, frozenset(allowed)


def check_intervals(  # noqa: C901 - one check per law
    intervals: tuple[int, int, Sequence[IntervalRule]], facts: Facts, where: str, out: list[str]
) -> None:
    """Check the due and overdue-after intervals in force and the rules compared."""
    due, overdue, rules = intervals
    for name, value in (("due", due), ("overdue-after", overdue)):
        if not 1 <= value <= INTERVAL_MAX_MONTHS:
            out.append(f"INV-INTERVAL-MAX: {where} {name} interval {value} months")
    if due > overdue:
        out.append(f"INV-INTERVAL-MAX: {where} due {due} after overdue-after {overdue}")
    if not rules:
        out.append(f"INV-INTERVAL-MAX: {where} lists no interval rule")
    for rule in rules:
        if not 1 <= rule.due_interval_months <= rule.overdue_after_months <= INTERVAL_MAX_MONTHS:
            out.append(
                f"INV-INTERVAL-MAX: {where} rule {rule.rule_id} has"
                f" {rule.due_interval_months}/{rule.overdue_after_months} months"
            )
        check_citation(
            f"{where} interval rule {rule.rule_id}",
            rule.rule_ids,
            None,
            out,
            expected=interval_rule_citation(rule.rule_id, facts),
            facts=facts,
        )
    if rules and (
        due != min(r.due_interval_months for r in rules)
        or overdue != min(r.overdue_after_months for r in rules)
        or any(r.winner != (r.due_interval_months == due) for r in rules)
    ):
        out.append(f"INV-INTERVAL-MAX: {where} intervals are not the minima over the rules")
    if (facts.ileal or facts.crohn) and (due, overdue) != (1, 1):
        out.append(f"INV-INTERVAL-MONTHLY: {where} ileal/Crohn's rule applies: {due}/{overdue}")
    if (due, overdue) != (facts.due, facts.overdue):
        out.append(
            f"D-INTERVAL: {where} {due}/{overdue} months, expected {facts.due}/{facts.overdue}"
        )
    got = tuple((r.rule_id, r.due_interval_months, r.overdue_after_months, r.winner) for r in rules)
    if got != facts.interval_rules:
        out.append(f"D-INTERVAL: {where} interval rules {got}, expected {facts.interval_rules}")
