"""The B12 dosing kernel: pure functions from patient facts to dosing decisions.

Public operations (each returns a typed value and never raises for any input):

- ``plan_regimen``: a validation error, a REFER, or a home or supervised plan.
- ``check_regimen``: a validation error, or the findings of a proposed regimen.
- ``assess_course``: a validation error, or the assessment of a course in progress.
- ``validate_plan_request`` / ``validate_check_request`` / ``validate_course_request``.
- ``describe_rules``: the rule set, every R-, D- and INV- ID with its text and references.
- ``add_months``: calendar-month arithmetic (D-MONTH).

No clock, randomness or I/O: "today" is the course's reference date.
"""

from kernel.calendar import add_months
from kernel.check import check_regimen
from kernel.course import assess_course
from kernel.model import CourseRequest, FieldViolation, RuleDescription, RuleSet
from kernel.plan import plan_regimen
from kernel.profile import is_prophylaxis_profile
from kernel.rules import RULE_SET_VERSION, RULES
from kernel.validation import validate_check_request, validate_plan_request
from kernel.validation import validate_course_request as _validate_course_request


def validate_course_request(request: CourseRequest) -> tuple[FieldViolation, ...]:
    """Return every offending field of a course request (empty when it is valid)."""
    return _validate_course_request(request, prophylaxis=is_prophylaxis_profile(request.profile))


def describe_rules() -> RuleSet:
    """Return the rule set: its version and every ID in catalogue order."""
    rule_set = RuleSet(
        version=RULE_SET_VERSION,
        rules=tuple(
            RuleDescription(
                rule_id=rule_id, text=entry.text, source_references=entry.source_references
            )
            for rule_id, entry in RULES.items()
        ),
    )
    assert [rule.rule_id for rule in rule_set.rules] == list(RULES), (  # pragma: no mutate
        "INV-CITATIONS: the rule set lists every catalogue ID once, in order"
    )
    return rule_set


__all__ = [
    "add_months",
    "assess_course",
    "check_regimen",
    "describe_rules",
    "plan_regimen",
    "validate_check_request",
    "validate_course_request",
    "validate_plan_request",
]
