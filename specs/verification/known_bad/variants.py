# ruff: noqa: E501 - patch texts quote kernel lines verbatim, whatever their length
"""The known-bad kernels: one realistic bug per invariant, as textual patches to ``kernel/``.

Each patch names a kernel file, the exact text it replaces (which must occur exactly once, so a
change to the kernel makes the runner fail loudly instead of silently testing nothing) and the
replacement. Every bug is one a careful programmer could make: an off-by-one threshold, a branch
that forgets one case, a sort key that lost a component, a cache that leaks between calls.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Patch:
    """Replace ``old`` (exactly one occurrence) with ``new`` in ``kernel/<file>``."""

    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Variant:
    """A broken kernel: the invariant it breaks, the bug, and its patches."""

    name: str
    invariant: str
    bug: str
    patches: tuple[Patch, ...]


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "dose-100-mcg-extended-maintenance",
        "INV-DOSE",
        "Maintenance every 2-3 months is given as 100 mcg ('the extended schedule uses the low dose').",
        (
            Patch(
                "plan.py",
                "    return MaintenancePhase(\n        dose_mcg=DOSE_MCG,",
                "    return MaintenancePhase(\n        dose_mcg=DOSE_MCG if due == 1 else 100,",
            ),
        ),
    ),
    Variant(
        "renal-warning-lost-after-ileal-resection",
        "INV-RENAL",
        "The renal warning is dropped when an ileal resection is also reported (an interaction bug).",
        (
            Patch(
                "profile.py",
                "    if renal:\n",
                "    if renal and not profile.ileal_resection:\n",
            ),
        ),
    ),
    Variant(
        "folate-warning-missing-on-refer",
        "INV-FOLATE",
        "A REFER carries the safety warnings except the folate one.",
        (
            Patch(
                "profile.py",
                "refer_warnings=merge_findings([as_referral(w) for w in (*safety, *uncounted)]),",
                "refer_warnings=merge_findings(\n"
                "            [as_referral(w) for w in (*safety, *uncounted) if w.code is not Code.FOLATE_BEFORE_B12]\n"
                "        ),",
            ),
        ),
    ),
    Variant(
        "unknown-neuro-without-specialist-warning",
        "INV-NEURO-WARNING",
        "Neurological status UNKNOWN loads as PRESENT but gets no specialist warning.",
        (
            Patch(
                "profile.py",
                "    if neuro:\n        found.append(\n            make_finding(\n"
                "                Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE",
                "    if neuro and profile.neurological_involvement is not NeurologicalInvolvement.UNKNOWN:\n"
                "        found.append(\n            make_finding(\n"
                "                Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE",
            ),
        ),
    ),
    Variant(
        "renal-rule-cites-wrong-reference",
        "INV-CITATIONS",
        "The catalogue gives R-RENAL the source references 1 and 2 (the source gives only 1).",
        (
            Patch(
                "rules.py",
                'in diabetic nephropathy).",\n        ("1",),',
                'in diabetic nephropathy).",\n        ("1", "2"),',
            ),
        ),
    ),
    Variant(
        "warning-text-changes-between-calls",
        "INV-DETERMINISTIC",
        "A module-level call counter leaks into the output: every second plan's warning texts differ.",
        (
            Patch(
                "plan.py",
                '_PROPHYLAXIS_CITATIONS: Final = _phase_citations(("D-PROPHYLAXIS",))\n',
                '_PROPHYLAXIS_CITATIONS: Final = _phase_citations(("D-PROPHYLAXIS",))\n'
                "_CALLS: list[int] = []\n\n\n"
                "def _remember(warnings: tuple) -> tuple:  # type: ignore[type-arg]\n"
                "    import dataclasses\n\n"
                "    _CALLS.append(1)\n"
                "    if len(_CALLS) % 2:\n"
                "        return warnings\n"
                "    return tuple(dataclasses.replace(w, text=w.text + ' ') for w in warnings)\n",
            ),
            Patch(
                "plan.py",
                "warnings=reading.plan_warnings,",
                "warnings=_remember(reading.plan_warnings),",
            ),
        ),
    ),
    Variant(
        "prophylaxis-maintenance-not-lifelong",
        "INV-LIFELONG",
        "Maintenance from the start date (prophylaxis) is marked as not lifelong.",
        (
            Patch(
                "plan.py",
                "lifelong=True,",
                "lifelong=start_rule is not MaintenanceStart.AT_START_DATE,",
            ),
        ),
    ),
    Variant(
        "hydroxocobalamin-overdue-after-4-months",
        "INV-INTERVAL-MAX",
        "Hydroxocobalamin's overdue-after interval is 4 months ('2-3 months, plus one of grace').",
        (Patch("constants.py", '"R-MAINT-HYDROXO": (2, 3),', '"R-MAINT-HYDROXO": (2, 4),'),),
    ),
    Variant(
        "ileal-threshold-exclusive",
        "INV-INTERVAL-MONTHLY",
        "The ileal interval rule reads the source's literal '> 20 cm': exactly 20 cm is not monthly.",
        (
            Patch(
                "profile.py",
                "        resection is None or resection >= ILEAL_RESECTION_MONTHLY_FROM_CM\n    )",
                "        resection is None or resection > ILEAL_RESECTION_MONTHLY_FROM_CM\n    )",
            ),
        ),
    ),
    Variant(
        "standard-loading-cut-at-horizon",
        "INV-LOAD-STANDARD",
        "Standard loading doses after the first week are cut off by a short horizon.",
        (
            Patch(
                "plan.py",
                "injection_dates=tuple(start + step for step in _STANDARD_LOADING_STEPS),",
                "injection_dates=tuple(\n"
                "            start + step for step in _STANDARD_LOADING_STEPS\n"
                "            if step.days < 7 or start + step <= horizon\n"
                "        ),",
            ),
        ),
    ),
    Variant(
        "neuro-maintenance-dated-automatically",
        "INV-LOAD-NEURO",
        "Neurological loading's maintenance is dated one interval after the last listed loading dose.",
        (
            Patch(
                "plan.py",
                "        first = None\n",
                "        first = add_months(loading.injection_dates[-1], due)\n",
            ),
        ),
    ),
    Variant(
        "platelets-50-treated-as-standard",
        "INV-PLATELET-GUIDANCE",
        "The standard band starts at 50 (>= 50) instead of above 50: no needle guidance at exactly 50.",
        (
            Patch(
                "profile.py",
                "    if platelets > PLATELETS_STANDARD_ABOVE_10E9_PER_L:",
                "    if platelets >= PLATELETS_STANDARD_ABOVE_10E9_PER_L:",
            ),
        ),
    ),
    Variant(
        "supervision-only-below-10",
        "INV-NO-HOME-BELOW-25",
        "Supervision is required only below 10 (the transfusion threshold), so 10-24.9 is planned at home.",
        (
            Patch(
                "profile.py",
                "supervised=band is PlateletBand.SEVERE and neuro,",
                "supervised=band is PlateletBand.SEVERE\n"
                "        and neuro\n"
                "        and profile.platelets_10e9_per_l is not None\n"
                "        and profile.platelets_10e9_per_l < PLATELETS_TRANSFUSION_BELOW_10E9_PER_L,",
            ),
        ),
    ),
    Variant(
        "first-maintenance-date-listed-twice",
        "INV-DATES-ORDERED",
        "The first maintenance date is prepended to a series that already starts with it.",
        (
            Patch(
                "plan.py",
                "dates = () if first is None else chain_months(first, due, horizon)",
                "dates = () if first is None else (first, *chain_months(first, due, horizon))",
            ),
        ),
    ),
    Variant(
        "month-clamp-ignores-leap-years",
        "INV-MONTH-CLAMP",
        "Clamping uses the common-year month length: 31 January 2024 + 1 month = 28 February.",
        (
            Patch(
                "calendar.py",
                "        day_of_month = min(day_of_month, days_in_month(year, month))\n"
                "    result = datetime.date(year, month, day_of_month)",
                "        day_of_month = min(day_of_month, _DAYS_IN_MONTH[month - 1])\n"
                "    result = datetime.date(year, month, day_of_month)",
            ),
        ),
    ),
    Variant(
        "maintenance-horizon-exclusive",
        "INV-HORIZON",
        "The horizon is treated as exclusive: a maintenance date on the horizon is not listed.",
        (Patch("calendar.py", "        if following > last:", "        if following >= last:"),),
    ),
    Variant(
        "no-indication-planned",
        "INV-TOTAL-PLAN",
        "No deficiency and no prophylactic indication is not referred (a default plan instead).",
        (
            Patch(
                "profile.py",
                "    if treatment is Treatment.NO_INDICATION:\n",
                "    if treatment is Treatment.NO_INDICATION and False:\n",
            ),
        ),
    ),
    Variant(
        "check-drops-refer-reasons",
        "INV-TOTAL-CHECK",
        "A regimen check reports the REFER finding but returns no REFER reasons.",
        (
            Patch(
                "check.py",
                "        refer_reasons=reading.refer_reasons,",
                "        refer_reasons=(),",
            ),
        ),
    ),
    Variant(
        "course-supervision-not-suspended",
        "INV-TOTAL-COURSE",
        "A course with platelets < 25 and neurological involvement keeps home administration.",
        (
            Patch(
                "course.py",
                "    if reading.refer_reasons or reading.supervised:\n",
                "    if reading.refer_reasons:\n",
            ),
        ),
    ),
    Variant(
        "nan-passes-validation",
        "INV-VALIDATION",
        "Validation rejects infinities but lets NaN through (every comparison with NaN is false).",
        (Patch("validation.py", "    if not math.isfinite(value):", "    if math.isinf(value):"),),
    ),
    Variant(
        "findings-sorted-by-code-only",
        "INV-FINDINGS",
        "Findings are sorted by code declaration order only, forgetting severity first.",
        (
            Patch(
                "findings.py",
                "key=lambda f: (SEVERITY_ORDER[f.severity], CODE_ORDER[f.code]),",
                "key=lambda f: CODE_ORDER[f.code],",
            ),
        ),
    ),
    Variant(
        "leber-refer-not-urgent",
        "INV-REFER",
        "A REFER for Leber's disease or tobacco amblyopia is not marked urgent (the 1.0.0 urgency).",
        (
            Patch(
                "profile.py",
                "    urgent = profile_neuro or band is PlateletBand.SEVERE or leber\n",
                "    urgent = profile_neuro or band is PlateletBand.SEVERE\n",
            ),
        ),
    ),
    Variant(
        "same-day-advice-replaced-below-10",
        "INV-REFER-PLATELETS",
        "Below 10 x10^9/L the transfusion warning replaces the same-day haematology advice.",
        (
            Patch(
                "profile.py",
                '    found = [make_finding(Code.PLATELETS_SEVERE_SAME_DAY_ADVICE, ("D-PLT", "D-PLT-SEVERE-REFER"))]\n',
                '    found = [] if transfusion else [make_finding(Code.PLATELETS_SEVERE_SAME_DAY_ADVICE, ("D-PLT", "D-PLT-SEVERE-REFER"))]\n',
            ),
        ),
    ),
    Variant(
        "course-review-only-on-recurrence",
        "INV-COURSE-OUTCOME",
        "A course's outcome is REVIEW only on recurrence, as in rule set 1.0.0, even with a suspension.",
        (
            Patch(
                "course.py",
                "outcome=CourseOutcome.REVIEW if review else CourseOutcome.CONTINUE,",
                "outcome=CourseOutcome.REVIEW if recurred else CourseOutcome.CONTINUE,",
            ),
        ),
    ),
    Variant(
        "referral-condition-names-codes",
        "INV-WORDING",
        "The referral-condition finding of a check lists the reasons by their codes.",
        (
            Patch(
                "check.py",
                'sentences = " ".join(detail.text for detail in reading.reason_details)',
                'sentences = ", ".join(reason.name for reason in reading.refer_reasons)',
            ),
        ),
    ),
    Variant(
        "check-safety-warnings-from-the-profile-as-sent",
        "INV-CHECK-FORMULATION",
        "A check reads its safety warnings (the renal one among them) from the profile as sent, not with the judged formulation.",
        (
            Patch(
                "check.py",
                "    findings: list[Finding] = [*reading.safety_warnings, *reading.interval_warnings]\n",
                "    findings: list[Finding] = [\n"
                "        *read_profile(request.profile).safety_warnings,\n"
                "        *reading.interval_warnings,\n"
                "    ]\n",
            ),
        ),
    ),
    Variant(
        "schedule-starts-at-a-past-due-date",
        "INV-SCHEDULE",
        "An overdue dose keeps its past due date as the first date of the forward schedule.",
        (
            Patch(
                "course.py",
                "    first = max(due.next_due_date, reference)\n",
                "    first = due.next_due_date\n",
            ),
        ),
    ),
)
