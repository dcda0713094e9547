"""The clinical safety case: the hazard log (``specs/hazards.yaml``, hand-written) with each
control's evidence from the latest verification run, written to ``specs/safety-case.md``.

In the manner of NHS DCB0129's hazard log: each hazard has its cause(s), its severity and
likelihood before and after its controls (rated with the log's own risk matrix), and its
controls: catalogue IDs (INV-, R-, D-) and, for what the kernel cannot control (the services'
handling of tokens, hostile input and EHR records), named tests.

The gate (``gate``) fails when a hazard has no control, when a control is not a catalogue ID or
a test that exists, when a control's evidence is missing or failed (``id_evidence``: no covering
test, a failed property, an enumeration violation, an invariant with no known-bad kernel caught),
and when a risk after controls is higher than before. ``make verify`` runs it after every run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import yaml

from specs.verification.evidence import Facts
from specs.verification.id_evidence import IdEvidence
from specs.verification.trace import ROOT, Trace

HAZARDS: Final = ROOT / "specs" / "hazards.yaml"
SAFETY_CASE: Final = ROOT / "specs" / "safety-case.md"
HAZARD_ID: Final = re.compile(r"^HAZ-[A-Z0-9]+(?:-[A-Z0-9]+)*$")
#: How many covering tests a control's row lists before it points to the card.
TESTS_SHOWN: Final = 6
TEST_NODE: Final = re.compile(r"^tests/[\w/.-]+\.py::[\w:]+$")


class HazardLogError(ValueError):
    """``specs/hazards.yaml`` does not follow its format."""


@dataclass(frozen=True)
class Risk:
    """A severity and a likelihood, as named on the log's scales."""

    severity: str
    likelihood: str


@dataclass(frozen=True)
class Hazard:
    """One entry of the hazard log."""

    id: str
    title: str
    hazard: str
    harm: str
    causes: tuple[str, ...]
    before: Risk
    controls: tuple[str, ...]
    tests: tuple[str, ...]
    after: Risk
    residual: str


@dataclass(frozen=True)
class HazardLog:
    """The scales, the risk matrix and the hazards."""

    severities: tuple[tuple[str, str], ...]
    likelihoods: tuple[tuple[str, str], ...]
    matrix: Mapping[str, tuple[int, ...]]
    ratings: Mapping[int, str]
    hazards: tuple[Hazard, ...]

    def rating(self, risk: Risk) -> int:
        """Return the risk matrix's rating of ``risk`` (1 lowest)."""
        column = [name for name, _ in self.severities].index(risk.severity)
        return self.matrix[risk.likelihood][column]


# --- Reading the log ----------------------------------------------------------------------------


def _text(data: Mapping[str, object], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: '{key}' is a non-empty text"
        raise HazardLogError(msg)
    return " ".join(value.split())


def _texts(data: Mapping[str, object], key: str, where: str) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        msg = f"{where}: '{key}' is a list of texts"
        raise HazardLogError(msg)
    return tuple(" ".join(str(item).split()) for item in value)


def _scale(data: Mapping[str, object], key: str) -> tuple[tuple[str, str], ...]:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        msg = f"hazards.yaml: '{key}' is a list of {{name, meaning}} from lowest to highest"
        raise HazardLogError(msg)
    scale: list[tuple[str, str]] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            msg = f"hazards.yaml: {key}[{index}] is a mapping"
            raise HazardLogError(msg)
        where = f"hazards.yaml: {key}[{index}]"
        scale.append((_text(entry, "name", where), _text(entry, "meaning", where)))
    return tuple(scale)


def _risk(data: Mapping[str, object], key: str, where: str, log: HazardLog) -> Risk:
    value = data.get(key)
    if not isinstance(value, dict):
        msg = f"{where}: '{key}' is {{severity, likelihood}}"
        raise HazardLogError(msg)
    risk = Risk(_text(value, "severity", where), _text(value, "likelihood", where))
    if risk.severity not in {name for name, _ in log.severities}:
        msg = f"{where}: {key} severity {risk.severity!r} is not on the severity scale"
        raise HazardLogError(msg)
    if risk.likelihood not in log.matrix:
        msg = f"{where}: {key} likelihood {risk.likelihood!r} is not on the likelihood scale"
        raise HazardLogError(msg)
    return risk


def parse(text: str) -> HazardLog:
    """Read a hazard log from its YAML text (structure only; ``gate`` judges the content)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        msg = "hazards.yaml holds a mapping"
        raise HazardLogError(msg)
    severities, likelihoods = _scale(data, "severity"), _scale(data, "likelihood")
    matrix_data, ratings_data = data.get("risk_matrix"), data.get("risk_ratings")
    if not isinstance(matrix_data, dict) or [str(k) for k in matrix_data] != [
        name for name, _ in likelihoods
    ]:
        msg = "hazards.yaml: 'risk_matrix' has one row per likelihood, in the scale's order"
        raise HazardLogError(msg)
    matrix: dict[str, tuple[int, ...]] = {}
    for likelihood, row in matrix_data.items():
        if not (
            isinstance(row, list)
            and len(row) == len(severities)
            and all(isinstance(cell, int) for cell in row)
        ):
            msg = f"hazards.yaml: risk_matrix[{likelihood}] has one rating per severity"
            raise HazardLogError(msg)
        matrix[str(likelihood)] = tuple(row)
    cells = {cell for row in matrix.values() for cell in row}
    if not isinstance(ratings_data, dict) or not cells <= set(ratings_data):
        msg = "hazards.yaml: 'risk_ratings' names every rating the matrix uses"
        raise HazardLogError(msg)
    ratings = {int(k): " ".join(str(v).split()) for k, v in ratings_data.items()}
    log = HazardLog(severities, likelihoods, matrix, ratings, ())
    entries = data.get("hazards")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        msg = "hazards.yaml: 'hazards' is a list of hazards"
        raise HazardLogError(msg)
    hazards = tuple(_hazard(entry, index, log) for index, entry in enumerate(entries))
    ids = [hazard.id for hazard in hazards]
    repeated = sorted({hazard_id for hazard_id in ids if ids.count(hazard_id) > 1})
    if repeated:
        msg = f"hazards.yaml: repeated hazard IDs {repeated}"
        raise HazardLogError(msg)
    return HazardLog(severities, likelihoods, matrix, ratings, hazards)


_FIELDS: Final = frozenset(
    {"id", "title", "hazard", "harm", "causes", "before", "controls", "tests", "after", "residual"}
)


def _hazard(entry: Mapping[str, object], index: int, log: HazardLog) -> Hazard:
    where = f"hazards.yaml: hazards[{index}]"
    unknown = sorted(set(entry) - _FIELDS)
    if unknown:
        msg = f"{where}: unknown fields {unknown}"
        raise HazardLogError(msg)
    hazard_id = _text(entry, "id", where)
    if not HAZARD_ID.match(hazard_id):
        msg = f"{where}: {hazard_id!r} is not a hazard ID (HAZ-...)"
        raise HazardLogError(msg)
    where = f"hazards.yaml: {hazard_id}"
    causes = _texts(entry, "causes", where)
    if not causes:
        msg = f"{where}: 'causes' names at least one cause"
        raise HazardLogError(msg)
    return Hazard(
        id=hazard_id,
        title=_text(entry, "title", where),
        hazard=_text(entry, "hazard", where),
        harm=_text(entry, "harm", where),
        causes=causes,
        before=_risk(entry, "before", where, log),
        controls=_texts(entry, "controls", where),
        tests=_texts(entry, "tests", where),
        after=_risk(entry, "after", where, log),
        residual=_text(entry, "residual", where),
    )


def load(path: Path = HAZARDS) -> HazardLog:
    """Read ``specs/hazards.yaml``."""
    return parse(path.read_text(encoding="utf-8"))


# --- The gate -------------------------------------------------------------------------------------


def test_exists(node: str, trace: Trace) -> bool:
    """Whether a named test (``tests/...py::test_x`` or ``::Class::test_x``) exists."""
    return node in trace.test_functions


def gate(log: HazardLog, evidence: Mapping[str, IdEvidence], trace: Trace) -> list[str]:
    """Return every problem of the hazard log against the evidence (empty: the gate passes)."""
    problems: list[str] = []
    for hazard in log.hazards:
        if not hazard.controls and not hazard.tests:
            problems.append(f"{hazard.id}: no control")
        for control in hazard.controls:
            found = evidence.get(control)
            if found is None:
                problems.append(f"{hazard.id}: control {control} is not a catalogue ID")
                continue
            problems.extend(
                f"{hazard.id}: control {control} has no evidence: {problem}"
                for problem in found.problems
            )
        problems.extend(
            f"{hazard.id}: named test {node} does not exist"
            for node in hazard.tests
            if not TEST_NODE.match(node) or not test_exists(node, trace)
        )
        if log.rating(hazard.after) > log.rating(hazard.before):
            problems.append(f"{hazard.id}: the risk after controls is higher than before")
    return problems


# --- Writing the safety case --------------------------------------------------------------------

GENERATED: Final = (
    "<!-- Generated by `make cards` (python -m specs.verification.cards) from specs/hazards.yaml,"
    " the code, the tests and specs/verification/results.json; also regenerated by `make verify`"
    " and `make mutation`. Do not edit. -->"
)


@dataclass(frozen=True)
class View:
    """What the safety case is written from."""

    log: HazardLog
    evidence: Mapping[str, IdEvidence]
    texts: Mapping[str, str]
    parts: Mapping[str, Facts]
    trace: Trace


def slug(heading: str) -> str:
    """Return the anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def heading(hazard: Hazard) -> str:
    """Return a hazard's section heading in the safety case."""
    return f"{hazard.id}: {hazard.title}"


def anchor(hazard: Hazard) -> str:
    """Return a hazard's anchor in the safety case."""
    return slug(heading(hazard))


def controlled_by(log: HazardLog) -> dict[str, list[Hazard]]:
    """Return, per control ID, the hazards it controls."""
    found: dict[str, list[Hazard]] = {}
    for hazard in log.hazards:
        for control in hazard.controls:
            found.setdefault(control, []).append(hazard)
    return found


def _risk_text(log: HazardLog, risk: Risk) -> str:
    rating = log.rating(risk)
    return (
        f"severity {risk.severity}, likelihood {risk.likelihood}: rating **{rating}**"
        f" ({log.ratings[rating]})"
    )


def _count(facts: Facts | None, key: str) -> int:
    value = facts.get(key) if facts else None
    return value if isinstance(value, int) else 0


def _status(facts: Facts | None) -> str:
    if facts is None:
        return "not recorded"
    return "ok" if facts.get("ok") else "**FAILED**"


def _list(facts: Facts | None, key: str) -> list[object]:
    value = facts.get(key) if facts else None
    return value if isinstance(value, list) else []


def _mapping(facts: Facts | None, key: str) -> dict[str, object]:
    value = facts.get(key) if facts else None
    return value if isinstance(value, dict) else {}


def _crosshair_row(crosshair: Facts | None) -> str:
    statuses = _mapping(crosshair, "functions")
    confirmed = sum(1 for status in statuses.values() if status == "confirmed over all paths")
    self_test = crosshair.get("self_test", "not run") if crosshair else "not run"
    return (
        f"| CrossHair | {_status(crosshair)} | {_count(crosshair, 'functions_checked')} functions,"
        f" {_count(crosshair, 'contract_asserts')} contract asserts checked;"
        f" {_count(crosshair, 'counterexamples')} counterexamples,"
        f" {_count(crosshair, 'unmet_preconditions')} unmet preconditions; {confirmed} functions"
        " confirmed over all paths, the others without a counterexample in the time allowed;"
        f" self-test: {self_test} |"
    )


def _enumeration_row(enumeration: Facts | None) -> str:
    violations = _mapping(enumeration, "violations")
    violated = ", ".join(f"{rule_id} {count:,}" for rule_id, count in violations.items())
    return (
        f"| enumeration | {_status(enumeration)} | {_count(enumeration, 'combinations'):,}"
        f" combinations ({_count(enumeration, 'kernel_calls'):,} kernel calls);"
        f" {_count(enumeration, 'violations_total'):,} violations"
        + (f" ({violated})" if violated else "")
        + " |"
    )


def _known_bad_row(known_bad: Facts | None) -> str:
    variants = _list(known_bad, "variants")
    caught = sum(1 for v in variants if isinstance(v, dict) and v.get("caught"))
    if not known_bad or "control_flagged" not in known_bad:
        control = "not recorded"
    else:
        control = "**flagged**" if known_bad["control_flagged"] else "not flagged"
    return (
        f"| known-bad | {_status(known_bad)} | {caught} of {len(variants)} variants caught, one"
        f" planted bug per invariant; the clean kernel (control) {control} |"
    )


def _mutation_row(mutation: Facts | None) -> str:
    if not mutation:
        return "| mutation | not recorded | `make mutation` has not recorded a run |"
    survivors = _mapping(mutation, "survivors")
    by_kind = ", ".join(
        f"{len(names) if isinstance(names, list) else 0} {kind}"
        for kind, names in survivors.items()
    )
    return (
        f"| mutation | {_status(mutation)} | score {mutation.get('score_percent')} %"
        f" ({_count(mutation, 'caught'):,} of {_count(mutation, 'mutants'):,} mutants killed or"
        f" timed out); {mutation.get('score_with_equivalents_percent')} % with the wording-only"
        " and contract-only survivors counted as equivalent; gate"
        f" {mutation.get('threshold_percent')} %; survivors: {by_kind} |"
    )


def run_lines(parts: Mapping[str, Facts]) -> list[str]:
    """Return the table that describes the recorded run, one row per part."""
    properties = parts.get("properties")
    return [
        "| Part | Result | What the latest run recorded |",
        "|---|---|---|",
        (
            f"| properties | {_status(properties)} | {len(_list(properties, 'passed'))} property"
            f" and self-test functions passed, {len(_list(properties, 'failed'))} failed |"
        ),
        _crosshair_row(parts.get("crosshair")),
        _enumeration_row(parts.get("enumeration")),
        _known_bad_row(parts.get("known-bad")),
        _mutation_row(parts.get("mutation")),
    ]


def sources_line(parts: Mapping[str, Facts]) -> str:
    """Return whether every recorded part ran on the same sources."""
    digests = {name: str(facts.get("sources")) for name, facts in parts.items()}
    distinct = sorted(set(digests.values()))
    if len(distinct) <= 1:
        digest = distinct[0] if distinct else "none"
        return f"Every part was recorded on the same sources (`{digest}`)."
    described = "; ".join(
        f"{', '.join(n for n, d in digests.items() if d == digest)}: `{digest}`"
        for digest in distinct
    )
    return (
        f"The parts were recorded on different sources ({described}): re-run `make verify` and"
        " `make mutation` on the same commit."
    )


def _control_row(view: View, control: str) -> str:
    found = view.evidence.get(control)
    if found is None:
        return f"| {control} | not a catalogue ID | | **no evidence** |"
    facts: list[str] = []
    if found.properties_passed or found.properties_failed:
        facts.append(
            f"{len(found.properties_passed)} covering property functions passed"
            + (f", {len(found.properties_failed)} failed" if found.properties_failed else "")
        )
    if found.enumeration_violations is not None:
        facts.append(f"{found.enumeration_violations} enumeration violations")
    if found.is_invariant:
        caught = [k for k in found.known_bad if k.caught]
        facts.append(f"known-bad caught {len(caught)} of {len(found.known_bad)}")
    if found.asserts:
        confirmed = sum(1 for targets in found.crosshair.values() if targets)
        facts.append(f"{len(found.asserts)} contract asserts, {confirmed} checked by CrossHair")
    verdict = "; ".join(facts) if facts else "-"
    if found.problems:
        verdict += "; **no evidence: " + "; ".join(found.problems) + "**"
    shown = [f"[{t.name}](../{t.path}#L{t.line})" for t in found.tests[:TESTS_SHOWN]]
    more = len(found.tests) - len(shown)
    tests = ", ".join(shown) + (f" and {more} more (see the card)" if more > 0 else "")
    tests = tests or "no test"
    text = view.texts.get(control, "")
    return (
        f"| [{control}](rules/{control}.md) | {text} | {tests}; {len(found.rows)} table rows |"
        f" {verdict} |"
    )


def _test_line(view: View, node: str) -> str:
    path, _, name = node.partition("::")
    line = view.trace.test_functions.get(node)
    if line is None or not TEST_NODE.match(node):
        return f"- `{node}`: **does not exist**"
    return f"- [`{name}`](../{path}#L{line}) in `{path}`"


def _hazard_section(view: View, hazard: Hazard, problems: Sequence[str]) -> list[str]:
    log = view.log
    out = [f"### {heading(hazard)}", "", f"**Hazard.** {hazard.hazard}", ""]
    out += [f"**Harm.** {hazard.harm}", "", "**Causes.**", ""]
    out += [f"- {cause}" for cause in hazard.causes]
    out += [
        "",
        f"**Risk before controls:** {_risk_text(log, hazard.before)}.  ",
        f"**Risk after controls:** {_risk_text(log, hazard.after)}.",
        "",
        f"**Residual risk.** {hazard.residual}",
        "",
    ]
    if hazard.controls:
        out += [
            "| Control | What it requires | Tests that cover it | Latest run |",
            "|---|---|---|---|",
        ]
        out += [_control_row(view, control) for control in hazard.controls]
        out.append("")
    if hazard.tests:
        out += ["Service-level controls (named tests, run by `make test`):", ""]
        out += [_test_line(view, node) for node in hazard.tests]
        out.append("")
    out.append(_evidence_summary(view, hazard))
    gaps = [p for p in problems if p.startswith(f"{hazard.id}:")]
    if gaps:
        out += ["", "**Gaps:**", ""] + [f"- {gap}" for gap in gaps]
    return out


def plural(count: int, noun: str) -> str:
    """Return ``count`` and ``noun``, with an s unless the count is one."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _evidence_summary(view: View, hazard: Hazard) -> str:
    found = [view.evidence[c] for c in hazard.controls if c in view.evidence]
    if not found:
        return (
            "**Evidence:** the named tests above; no catalogue ID controls this hazard, so the"
            " kernel's verification run does not reach it."
        )
    passed = sorted({n for f in found for n in f.properties_passed})
    failed = sorted({n for f in found for n in f.properties_failed})
    invariants = [f for f in found if f.is_invariant]
    caught = sum(1 for f in invariants for k in f.known_bad if k.caught)
    variants = sum(len(f.known_bad) for f in invariants)
    asserts = {(a.path, a.line) for f in found for a in f.asserts}
    checked = {loc for f in found for loc, targets in f.crosshair.items() if targets}
    enumeration = view.parts.get("enumeration")
    crosshair = view.parts.get("crosshair")
    mutation = view.parts.get("mutation")
    survivors = sorted({s for f in found for s in f.mutation_survivors})
    enumerated = "ok" if enumeration and enumeration.get("ok") else "FAILED or not recorded"
    text = (
        f"**Evidence from the latest run:** properties run: {len(passed)} covering property and"
        f" self-test functions passed, {len(failed)} failed; combinations enumerated:"
        f" {_count(enumeration, 'combinations'):,} ({enumerated}); known-bad caught: {caught} of"
        f" {variants} planted bugs in its invariants; contracts confirmed: {len(checked)} of"
        f" {len(asserts)} contract asserts checked by CrossHair, with"
        f" {_count(crosshair, 'counterexamples')} counterexamples;"
    )
    if not mutation:
        return text + " mutation score: not recorded."
    listed = ": " + ", ".join(f"`{s}`" for s in survivors) if survivors else ""
    return (
        text + f" mutation score: {mutation.get('score_percent')} % over the kernel, with"
        f" {len(survivors)} surviving mutants in the functions that implement its controls"
        f"{listed}."
    )


def _matrix(log: HazardLog) -> list[str]:
    names = [name for name, _ in log.severities]
    rows = ["| Likelihood \\ severity | " + " | ".join(names) + " |"]
    rows.append("|---" * (len(names) + 1) + "|")
    for likelihood, _ in reversed(log.likelihoods):
        cells = " | ".join(str(cell) for cell in log.matrix[likelihood])
        rows.append(f"| {likelihood} | {cells} |")
    ratings = "; ".join(f"**{k}** {v}" for k, v in sorted(log.ratings.items()))
    severities = "; ".join(f"*{name}*: {meaning}" for name, meaning in log.severities)
    likelihoods = "; ".join(f"*{name}*: {meaning}" for name, meaning in log.likelihoods)
    return [
        *rows,
        "",
        f"Ratings: {ratings}.",
        "",
        f"Severity: {severities}.",
        "",
        f"Likelihood: {likelihoods}.",
    ]


def _summary_table(view: View, problems: Sequence[str]) -> list[str]:
    out = [
        "| Hazard | Before controls | After controls | Controls | Evidence |",
        "|---|---|---|---|---|",
    ]
    for hazard in view.log.hazards:
        gaps = sum(1 for p in problems if p.startswith(f"{hazard.id}:"))
        verdict = f"**{plural(gaps, 'gap')}**" if gaps else "complete"
        out.append(
            f"| [{hazard.id}](#{anchor(hazard)}): {hazard.title} |"
            f" {view.log.rating(hazard.before)} | {view.log.rating(hazard.after)} |"
            f" {plural(len(hazard.controls), 'ID')}, {plural(len(hazard.tests), 'test')} |"
            f" {verdict} |"
        )
    return out


def render(view: View) -> str:
    """Return the text of ``specs/safety-case.md``."""
    problems = gate(view.log, view.evidence, view.trace)
    named = {control for hazard in view.log.hazards for control in hazard.controls}
    unnamed = [rule_id for rule_id in view.texts if rule_id not in named]
    out: list[str] = [
        GENERATED,
        "",
        "# Clinical safety case",
        "",
        (
            "The hazard log of the B12 dosing kernel and its services, in the manner of NHS"
            " DCB0129 (clinical risk management in the manufacture of health IT systems), with the"
            " evidence of the latest verification run for every control. The log itself is"
            " hand-written in [`hazards.yaml`](hazards.yaml); each control is a rule card"
            " ([index](rules/README.md)) or a named test. `make verify` and `make mutation`"
            " regenerate this page after every run and fail when a hazard has no control or a"
            " control has no evidence."
        ),
        "",
        "## The latest verification run",
        "",
        *run_lines(view.parts),
        "",
        sources_line(view.parts),
        "",
        "## Gate",
        "",
    ]
    if problems:
        out += [f"**FAILED**: {len(problems)} problems.", ""]
        out += [f"- {problem}" for problem in problems]
    else:
        out.append(
            f"Passed: each of the {len(view.log.hazards)} hazards has a control, and every"
            " control has evidence in the latest run."
        )
    out += ["", "## Risk matrix", "", *_matrix(view.log), "", "## Hazards", ""]
    out += _summary_table(view, problems)
    if unnamed:
        out += [
            "",
            f"IDs that control no hazard ({len(unnamed)}): "
            + ", ".join(f"[{i}](rules/{i}.md)" for i in unnamed)
            + ".",
        ]
    for hazard in view.log.hazards:
        out += ["", *_hazard_section(view, hazard, problems)]
    return "\n".join(out) + "\n"
