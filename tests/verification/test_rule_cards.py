"""The rule cards, the run record and the safety case's gate, each shown able to fail.

The gate catches a hazard without a control, a control without evidence (an ID no test covers,
an invariant whose known-bad kernel escaped or was never run, a failed covering property, a
named test that does not exist) and passes a complete log; the staleness check catches a card
that the code no longer matches, a missing card and a left-over one; the trace finds what the
cards claim (literal citations, constants by comment, contract asserts, covers markers); the
record keeps no value that differs between two runs on the same sources.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from kernel.rules import RULES
from specs.verification import cards, evidence, safety_case, trace
from specs.verification.crosshair_gate import discover
from specs.verification.id_evidence import (
    IdEvidence,
    assess,
    assess_all,
    covers_node,
    crosshair_reach,
    mutant_function,
)

ROOT = Path(__file__).resolve().parents[2]

SCALES = """
severity:
  - {name: minor, meaning: a}
  - {name: major, meaning: b}
likelihood:
  - {name: low, meaning: c}
  - {name: high, meaning: d}
risk_matrix:
  low: [1, 2]
  high: [2, 3]
risk_ratings: {1: fine, 2: tolerable, 3: not fine}
"""


def hazard_log(*hazards: str) -> safety_case.HazardLog:
    entries = "\n".join(textwrap.indent(textwrap.dedent(h).strip(), "  ") for h in hazards)
    return safety_case.parse(f"{SCALES}\nhazards:\n{entries}\n")


def hazard(hazard_id: str, controls: str = "[]", tests: str = "[]", after: str = "low") -> str:
    return f"""
    - id: {hazard_id}
      title: A title
      hazard: What goes wrong.
      harm: What it does.
      causes: [A cause.]
      before: {{severity: major, likelihood: high}}
      controls: {controls}
      tests: {tests}
      after: {{severity: major, likelihood: {after}}}
      residual: Why it is acceptable.
    """


TEST_NODE = "tests/verification/test_example.py::test_the_renal_warning"
TEST_SITE = trace.TestSite(
    "tests/verification/test_example.py", 10, "test_the_renal_warning", "function", ("INV-RENAL",)
)
RENAL_TRACE = trace.Trace(
    tests={"INV-RENAL": (TEST_SITE,), "R-RENAL": (TEST_SITE,)},
    test_functions={TEST_NODE: 10},
)
KNOWN_BAD_CAUGHT: evidence.Facts = {
    "ok": True,
    "control_flagged": False,
    "variants": [
        {"name": "renal-lost", "invariant": "INV-RENAL", "caught": True, "layer": "corpus"}
    ],
}
PROPERTIES_PASSED: evidence.Facts = {"ok": True, "passed": [TEST_NODE], "failed": []}


def evidence_for(
    parts: dict[str, evidence.Facts], the_trace: trace.Trace = RENAL_TRACE
) -> dict[str, IdEvidence]:
    return {rule_id: assess(rule_id, the_trace, parts, {}) for rule_id in RULES}


# --- The gate ---------------------------------------------------------------------------------


def test_a_complete_log_passes_the_gate() -> None:
    log = hazard_log(hazard("HAZ-RENAL", "[INV-RENAL, R-RENAL]", f"[{TEST_NODE}]"))
    parts = {"known-bad": KNOWN_BAD_CAUGHT, "properties": PROPERTIES_PASSED}
    assert safety_case.gate(log, evidence_for(parts), RENAL_TRACE) == []


def test_a_hazard_without_a_control_is_caught() -> None:
    log = hazard_log(hazard("HAZ-RENAL", "[INV-RENAL]"), hazard("HAZ-NOTHING"))
    parts = {"known-bad": KNOWN_BAD_CAUGHT}
    assert safety_case.gate(log, evidence_for(parts), RENAL_TRACE) == ["HAZ-NOTHING: no control"]


def test_an_id_no_test_covers_is_a_control_without_evidence() -> None:
    log = hazard_log(hazard("HAZ-RENAL", "[D-RENAL]"))
    problems = safety_case.gate(log, evidence_for({}), RENAL_TRACE)
    assert problems == [
        (
            "HAZ-RENAL: control D-RENAL has no evidence: no test function or decision-table row"
            " covers it"
        )
    ]


def test_a_decision_table_row_is_evidence_too() -> None:
    row = trace.RowSite("specs/tables/renal.yaml", 21, "renal", "REN-EGFR-59", ("D-RENAL",))
    with_row = dataclasses.replace(RENAL_TRACE, rows={"D-RENAL": (row,)})
    log = hazard_log(hazard("HAZ-RENAL", "[D-RENAL]"))
    assert safety_case.gate(log, evidence_for({}, with_row), with_row) == []


@pytest.mark.parametrize(
    ("known_bad", "problem"),
    [
        (None, "no known-bad run is recorded"),
        (
            {**KNOWN_BAD_CAUGHT, "control_flagged": True},
            "the clean kernel was flagged by the known-bad probe, so no catch counts",
        ),
        ({**KNOWN_BAD_CAUGHT, "variants": []}, "no known-bad kernel breaks it"),
        (
            {
                **KNOWN_BAD_CAUGHT,
                "variants": [
                    {"name": "renal-lost", "invariant": "INV-RENAL", "caught": False, "layer": "x"}
                ],
            },
            "known-bad kernels escaped: renal-lost",
        ),
    ],
    ids=["not-run", "control-flagged", "no-variant", "escaped"],
)
def test_an_invariant_without_a_caught_known_bad_kernel_has_no_evidence(
    known_bad: evidence.Facts | None, problem: str
) -> None:
    parts = {"known-bad": known_bad} if known_bad is not None else {}
    log = hazard_log(hazard("HAZ-RENAL", "[INV-RENAL]"))
    assert safety_case.gate(log, evidence_for(parts), RENAL_TRACE) == [
        f"HAZ-RENAL: control INV-RENAL has no evidence: {problem}"
    ]


def test_a_failed_covering_property_or_an_enumeration_violation_is_no_evidence() -> None:
    parts: dict[str, evidence.Facts] = {
        "known-bad": KNOWN_BAD_CAUGHT,
        "properties": {"ok": False, "passed": [], "failed": [TEST_NODE]},
        "enumeration": {"ok": False, "violations": {"R-RENAL": 3}},
    }
    log = hazard_log(hazard("HAZ-RENAL", "[R-RENAL]"))
    assert safety_case.gate(log, evidence_for(parts), RENAL_TRACE) == [
        (
            f"HAZ-RENAL: control R-RENAL has no evidence: covering tests failed in the latest run:"
            f" {TEST_NODE}"
        ),
        "HAZ-RENAL: control R-RENAL has no evidence: the enumeration found 3 violations of it",
    ]


def test_a_named_test_that_does_not_exist_and_an_unknown_id_are_caught() -> None:
    missing = "tests/verification/test_example.py::test_that_was_renamed"
    log = hazard_log(hazard("HAZ-RENAL", "[R-RENALL]", f"[{TEST_NODE}, {missing}]"))
    assert safety_case.gate(log, evidence_for({}), RENAL_TRACE) == [
        "HAZ-RENAL: control R-RENALL is not a catalogue ID",
        f"HAZ-RENAL: named test {missing} does not exist",
    ]


def test_a_risk_raised_by_its_controls_is_caught() -> None:
    log = hazard_log(hazard("HAZ-RENAL", tests=f"[{TEST_NODE}]", after="high"))
    log = dataclasses.replace(
        log,
        hazards=tuple(
            dataclasses.replace(h, before=safety_case.Risk("minor", "low")) for h in log.hazards
        ),
    )
    assert safety_case.gate(log, evidence_for({}), RENAL_TRACE) == [
        "HAZ-RENAL: the risk after controls is higher than before"
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                "likelihood:\n  - {name: low, meaning: c}\n  - {name: high, meaning: d}",
                "likelihood: []",
            ),
            "'likelihood' is a list",
        ),
        (("after: {severity: major, likelihood: low}", "after: {severity: major}"), "likelihood"),
        (("severity: major, likelihood: high", "severity: huge, likelihood: high"), "huge"),
        (("causes: [A cause.]", "causes: []"), "at least one cause"),
        (("- id: HAZ-RENAL", "- id: renal"), "not a hazard ID"),
        (("residual: Why", "remedy: Why"), "unknown fields"),
    ],
)
def test_a_malformed_hazard_log_is_refused(change: tuple[str, str], message: str) -> None:
    text = f"{SCALES}\nhazards:\n" + textwrap.indent(
        textwrap.dedent(hazard("HAZ-RENAL", tests=f"[{TEST_NODE}]")).strip(), "  "
    )
    safety_case.parse(text)  # the unchanged log is well formed
    old, new = change
    assert old in text
    with pytest.raises(safety_case.HazardLogError, match=re.escape(message)):
        safety_case.parse(text.replace(old, new, 1))


def test_the_risk_matrix_rates_by_likelihood_row_and_severity_column() -> None:
    log = hazard_log(hazard("HAZ-RENAL", tests=f"[{TEST_NODE}]"))
    assert log.rating(safety_case.Risk("minor", "low")) == 1
    assert log.rating(safety_case.Risk("major", "low")) == 2
    assert log.rating(safety_case.Risk("major", "high")) == 3


def test_the_project_hazard_log_names_only_catalogue_ids_and_existing_tests() -> None:
    log = safety_case.load()
    the_trace = trace.collect(ROOT)
    controls = {control for h in log.hazards for control in h.controls}
    assert controls <= set(RULES)
    assert all(h.controls or h.tests for h in log.hazards)
    named = [node for h in log.hazards for node in h.tests]
    assert [node for node in named if node not in the_trace.test_functions] == []
    assert {i for i in RULES if i.startswith("INV-")} <= controls, (
        "every invariant controls a hazard"
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of what the pages are generated from (code, tests, specs, the README), to break on
    purpose."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for directory in ("kernel", "server", "tests", "specs"):
        shutil.copytree(ROOT / directory, tmp_path / directory, ignore=ignore)
    shutil.copy(ROOT / cards.README, tmp_path / cards.README)
    return tmp_path


def test_publishing_after_a_run_fails_on_a_hazard_without_a_control(checkout: Path) -> None:
    """What ``make verify`` does after its parts: write the pages, return the gate's problems."""
    log = checkout / "specs" / "hazards.yaml"
    log.write_text(
        log.read_text(encoding="utf-8")
        + textwrap.indent(textwrap.dedent(hazard("HAZ-UNCONTROLLED")).strip(), "  ")
        + "\n",
        encoding="utf-8",
    )
    problems = cards.publish(checkout)
    assert "HAZ-UNCONTROLLED: no control" in problems
    assert "HAZ-UNCONTROLLED" in (checkout / "specs" / "safety-case.md").read_text(encoding="utf-8")


def test_publishing_fails_when_a_named_test_is_renamed(checkout: Path) -> None:
    log = safety_case.load(checkout / "specs" / "hazards.yaml")
    node = next(n for h in log.hazards for n in h.tests)
    path, _, name = node.partition("::")
    test_file = checkout / path
    test_file.write_text(
        test_file.read_text(encoding="utf-8").replace(f"def {name}(", f"def {name}_renamed("),
        encoding="utf-8",
    )
    assert any(p.endswith(f"named test {node} does not exist") for p in cards.publish(checkout))


# --- Staleness ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs() -> cards.Inputs:
    return cards.read_inputs(ROOT)


@pytest.fixture(scope="module")
def pages(inputs: cards.Inputs) -> dict[Path, str]:
    return cards.render_all(inputs)


def test_a_card_the_code_no_longer_matches_is_stale(
    inputs: cards.Inputs, pages: dict[Path, str], tmp_path: Path
) -> None:
    cards.write(pages, tmp_path)
    assert cards.stale(pages, tmp_path) == []
    moved = trace.TestSite(
        "tests/kernel/test_new.py", 7, "test_moved_here", "function", ("D-RENAL",)
    )
    changed_trace = dataclasses.replace(
        inputs.trace, tests={**inputs.trace.tests, "D-RENAL": (moved,)}
    )
    changed = dataclasses.replace(
        inputs,
        trace=changed_trace,
        evidence=assess_all(list(RULES), changed_trace, inputs.parts, ROOT),
    )
    problems = cards.stale(cards.render_all(changed), tmp_path)
    assert "specs/rules/D-RENAL.md: stale" in problems
    assert "specs/rules/R-RENAL.md: stale" not in problems


def test_a_missing_or_left_over_card_is_caught(pages: dict[Path, str], tmp_path: Path) -> None:
    cards.write(pages, tmp_path)
    (tmp_path / "specs/rules/R-RENAL.md").unlink()
    (tmp_path / "specs/rules/R-WITHDRAWN.md").write_text("old", encoding="utf-8")
    assert cards.stale(pages, tmp_path) == [
        "specs/rules/R-RENAL.md: missing",
        "specs/rules/R-WITHDRAWN.md: left over (no such ID)",
    ]
    cards.write(pages, tmp_path)
    assert cards.stale(pages, tmp_path) == []


def test_a_hand_edited_card_is_stale(pages: dict[Path, str], tmp_path: Path) -> None:
    cards.write(pages, tmp_path)
    card = tmp_path / "specs/rules/INV-DOSE.md"
    card.write_text(card.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert cards.stale(pages, tmp_path) == ["specs/rules/INV-DOSE.md: stale"]


# --- What the cards show ------------------------------------------------------------------------


def test_there_is_one_card_per_catalogue_id_and_an_index_linking_each(
    pages: dict[Path, str],
) -> None:
    assert {p.name for p in pages if p.parent == cards.RULES_DIR} == {
        f"{rule_id}.md" for rule_id in RULES
    } | {"README.md"}
    index = pages[cards.INDEX]
    assert all(f"[{rule_id}]({rule_id}.md)" in index for rule_id in RULES)


def test_the_readme_links_every_card_in_one_click(
    inputs: cards.Inputs, pages: dict[Path, str]
) -> None:
    readme = pages[cards.README]
    assert all(f"[{rule_id}](specs/rules/{rule_id}.md)" in readme for rule_id in RULES)
    # Only the block between the markers is the cards': the rest of the README is kept as it is.
    outside = readme.split(cards.README_BEGIN)[0] + readme.split(cards.README_END)[1]
    assert outside == (
        inputs.readme.split(cards.README_BEGIN)[0] + inputs.readme.split(cards.README_END)[1]
    )
    without_block = inputs.readme.replace(cards.README_END, "")
    with pytest.raises(ValueError, match="must both be there"):
        cards.render_readme(dataclasses.replace(inputs, readme=without_block))


def test_a_readme_missing_a_card_link_is_stale(pages: dict[Path, str], tmp_path: Path) -> None:
    cards.write(pages, tmp_path)
    readme = tmp_path / cards.README
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace("[R-RENAL](specs/rules/R-RENAL.md) · ", ""), encoding="utf-8")
    assert cards.stale(pages, tmp_path) == ["README.md: stale"]


def test_a_rule_card_shows_its_quote_code_lines_and_tests(pages: dict[Path, str]) -> None:
    card = pages[cards.RULES_DIR / "R-RENAL.md"]
    quote = cards.load_requirements(ROOT)["R-RENAL"].quotes[0]
    assert f"> {quote}" in card
    assert re.search(r"\[kernel/profile\.py:\d+\]\(\.\./\.\./kernel/profile\.py#L\d+\)", card)
    assert "`_safety_warnings`" in card
    assert "## Tests that cover it" in card
    assert "(../../tests/" in card


def test_an_invariant_card_shows_its_statement_asserts_and_known_bad_kernel(
    pages: dict[Path, str],
) -> None:
    card = pages[cards.RULES_DIR / "INV-RENAL.md"]
    assert "RENAL_PREFER_HYDROXOCOBALAMIN ∈" in card  # the statement of invariants.md
    assert re.search(r"kernel/contracts/common\.py:\d+\]", card)
    assert "INV-RENAL: renal impairment with cyanocobalamin carries the renal warning" in card
    assert "known-bad" in card


_LINK = re.compile(r"\]\((?!https?:)([^)#]+)(?:#L(\d+))?\)")


def test_every_link_of_every_page_reaches_a_file_and_line(pages: dict[Path, str]) -> None:
    broken: list[str] = []
    for page, text in pages.items():
        for target, line in _LINK.findall(text):
            path = (ROOT / page.parent / target).resolve()
            if not path.exists():
                broken.append(f"{page}: {target}")
            elif line and int(line) > len(path.read_text(encoding="utf-8").splitlines()):
                broken.append(f"{page}: {target}#L{line}")
    assert broken == []


# --- The trace ----------------------------------------------------------------------------------


def test_the_trace_reads_citations_constants_mentions_and_contracts(tmp_path: Path) -> None:
    module = tmp_path / "kernel" / "example.py"
    module.parent.mkdir()
    module.write_text(
        textwrap.dedent(
            '''\
            """Module (D-MONTH)."""
            LIMIT = 60  # D-RENAL: eGFR below 60
            # --- A section (R-FOLATE) ---
            CITES = ("R-RENAL",)


            def warn(x: int) -> tuple[str, ...]:
                """Warn (D-PLT)."""
                assert x >= 0, "INV-RENAL: counted forwards"
                assert "D-OUTCOME" != str(x)
                # R-LIFELONG: never stop
                return ("R-RENAL", "D-RENAL") if x else ()


            def outer() -> str:
                def inner() -> str:
                    return "D-SITE"

                return inner()
            '''
        ),
        encoding="utf-8",
    )
    found = trace.code_sites(module, tmp_path)
    sites = {(rule_id, s.name, s.kind, s.lines) for rule_id, v in found.items() for s in v}
    assert sites == {
        ("D-MONTH", "(module)", "mention", (1,)),
        ("D-RENAL", "LIMIT", "constant", (2,)),
        ("R-RENAL", "CITES", "data", (4,)),
        ("D-PLT", "warn", "mention", (8,)),
        ("R-LIFELONG", "warn", "mention", (11,)),
        ("R-RENAL", "warn", "function", (12,)),
        ("D-RENAL", "warn", "function", (12,)),
        ("D-SITE", "outer.inner", "function", (17,)),
    }, "the section rule's R-FOLATE and the asserts' IDs are not implementation"
    asserts = trace.contract_asserts(module, tmp_path)
    assert [(a.line, a.function, a.leading_id, a.condition_ids) for a in asserts] == [
        (9, "warn", "INV-RENAL", ()),
        (10, "warn", None, ("D-OUTCOME",)),
    ]


def test_the_trace_reads_every_form_of_covers_marker(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_example.py").write_text(
        textwrap.dedent(
            """\
            import pytest

            pytestmark = [pytest.mark.e2e, pytest.mark.covers("D-FIELDS")]
            ALL = pytest.mark.covers("INV-DOSE", "INV-RENAL")


            @ALL
            def test_all() -> None: ...


            @pytest.mark.covers("R-RENAL")
            class TestRenal:
                def test_one(self) -> None: ...


            def test_unmarked() -> None: ...
            """
        ),
        encoding="utf-8",
    )
    sites, functions = trace.test_sites(tests / "test_example.py", tmp_path)
    assert [(s.name, s.kind, s.ids) for s in sites] == [
        ("tests/test_example.py", "module", ("D-FIELDS",)),
        ("test_all", "function", ("INV-DOSE", "INV-RENAL")),
        ("TestRenal", "class", ("R-RENAL",)),
    ]
    assert functions == {
        "tests/test_example.py::test_all": 8,
        "tests/test_example.py::TestRenal::test_one": 13,
        "tests/test_example.py::test_unmarked": 16,
    }
    renal = sites[2]
    assert covers_node(renal, "tests/test_example.py::TestRenal::test_one[x]")
    assert not covers_node(renal, "tests/test_example.py::test_all")


def test_an_invariant_section_ends_at_the_next_heading(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "invariants.md").write_text(
        "# Invariants\n\n## INV-DOSE\n\nEvery dose is 1000 mcg. Rules: R-DOSE-1000.\n\n"
        "## Notes\n\nNot part of it: INV-RENAL.\n",
        encoding="utf-8",
    )
    assert cards.load_invariants(tmp_path) == {
        "INV-DOSE": cards.Section(
            3, "Every dose is 1000 mcg. Rules: R-DOSE-1000.", ("R-DOSE-1000",)
        )
    }


def test_the_crosshair_reach_counts_what_the_gate_counts() -> None:
    reach = crosshair_reach(ROOT)
    targets = discover(ROOT / "kernel")
    assert {t.name: len(reach[t.name]) for t in targets} == {t.name: t.contracts for t in targets}


def test_mutant_names_map_to_their_functions() -> None:
    assert mutant_function("kernel.check.x__check_dose__mutmut_3") == (
        "kernel/check.py",
        "_check_dose",
    )
    assert mutant_function("kernel.validation.xǁ_Violationsǁresult__mutmut_1") == (
        "kernel/validation.py",
        "_Violations.result",
    )
    assert mutant_function("kernel.x_describe_rules__mutmut_2") == (
        "kernel/__init__.py",
        "describe_rules",
    )
    assert mutant_function("not a mutant") is None


# --- The record ---------------------------------------------------------------------------------

CROSSHAIR_OUTPUT = """\
crosshair self-test: planted leap-year clamp bug caught in {s} s: AssertionError: INV-MONTH-CLAMP
  kernel.calendar.add_months               Confirmed over all paths.
  kernel.plan.plan_regimen                 Not confirmed.
crosshair: 2 functions, 40 contract asserts checked in 2 processes ({s} s); 0 counterexamples,\
 0 unmet preconditions
"""
ENUMERATION_OUTPUT = """\
    48384  main product (plan + check + course)
      336  renal: reported x eGFR x nephropathy
enumeration: 48720 combinations checked (90000 kernel calls) in {s} s; 7 violations
       7 x INV-RENAL
    INV-RENAL: missing
"""
KNOWN_BAD_OUTPUT = """\
  CAUGHT   INV-DOSE               dose-100-mcg-extended-maintenance          by corpus      {s} s
  ESCAPED  INV-RENAL              a-variant-name-longer-than-its-report-column by none   {s} s
  control  clean kernel (contracts stripped) not flagged ({s} s)
known-bad: caught 1 of 2 variants (2 invariants with a variant; layers corpus,properties)
"""
MUTATION_OUTPUT = """\
  survivor (other) kernel.check.x__check_dose__mutmut_3
  survivor (text) kernel.validation.x_reason__mutmut_1
mutation: score 97.5 % (2359 killed, 7 timed out, 60 survived, 0 untested of 2427 mutants);\
 97.9 % counting 7 wording-only and 2 contract-only survivors as equivalent; 52 other survivors;\
 gate 95 %; {s} s
"""
PROPERTIES_OUTPUT = """\
PASSED tests/kernel/test_properties_plan.py::test_dose
FAILED tests/kernel/test_properties_plan.py::test_renal - AssertionError: INV-RENAL
2 passed, 1 failed in {s}s
"""


@pytest.mark.parametrize(
    ("part", "output"),
    [
        ("properties", PROPERTIES_OUTPUT),
        ("crosshair", CROSSHAIR_OUTPUT),
        ("enumeration", ENUMERATION_OUTPUT),
        ("known-bad", KNOWN_BAD_OUTPUT),
        ("mutation", MUTATION_OUTPUT),
    ],
)
def test_a_part_record_keeps_no_timing(part: str, output: str) -> None:
    fast = evidence.read_part(
        part, ok=True, timed_out=False, output=output.format(s="1.2"), sources="x"
    )
    slow = evidence.read_part(
        part, ok=True, timed_out=False, output=output.format(s="812"), sources="x"
    )
    assert fast == slow
    assert fast["summary_read"] is True


def test_the_readers_read_each_fact() -> None:
    read = evidence.read_part
    properties = read(
        "properties", ok=False, timed_out=False, output=PROPERTIES_OUTPUT, sources="x"
    )
    assert properties["passed"] == ["tests/kernel/test_properties_plan.py::test_dose"]
    assert properties["failed"] == ["tests/kernel/test_properties_plan.py::test_renal"]
    crosshair = evidence.read_crosshair(CROSSHAIR_OUTPUT.format(s=1))
    assert crosshair["functions"] == {
        "kernel.calendar.add_months": "confirmed over all paths",
        "kernel.plan.plan_regimen": "no counterexample found",
    }
    assert (crosshair["contract_asserts"], crosshair["self_test"]) == (40, "planted bug caught")
    enumeration = evidence.read_enumeration(ENUMERATION_OUTPUT.format(s=1))
    assert (enumeration["combinations"], enumeration["violations"]) == (48720, {"INV-RENAL": 7})
    assert enumeration["sweeps"] == {
        "main product (plan + check + course)": 48384,
        "renal: reported x eGFR x nephropathy": 336,
    }
    known_bad = evidence.read_known_bad(KNOWN_BAD_OUTPUT.format(s=1))
    assert known_bad["control_flagged"] is False
    variants = known_bad["variants"]
    assert isinstance(variants, list)
    assert [(v["invariant"], v["caught"], v["layer"]) for v in variants] == [
        ("INV-DOSE", True, "corpus"),
        ("INV-RENAL", False, "escaped"),
    ]
    mutation = evidence.read_mutation(MUTATION_OUTPUT.format(s=1))
    assert (mutation["score_percent"], mutation["caught"], mutation["mutants"]) == (
        97.5,
        2366,
        2427,
    )
    assert mutation["survivors"] == {
        "other": ["kernel.check.x__check_dose__mutmut_3"],
        "contract": [],
        "text": ["kernel.validation.x_reason__mutmut_1"],
    }


def test_a_part_whose_summary_is_not_understood_is_not_ok() -> None:
    record = evidence.read_part(
        "crosshair", ok=True, timed_out=False, output="Traceback", sources="x"
    )
    assert (record["ok"], record["summary_read"]) == (False, False)


def test_recording_the_same_run_twice_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    facts = evidence.read_part(
        "enumeration", ok=True, timed_out=False, output=ENUMERATION_OUTPUT.format(s=3), sources="x"
    )
    evidence.record({"enumeration": facts}, path)
    first = path.read_bytes()
    evidence.record({"enumeration": facts}, path)
    assert path.read_bytes() == first
    mutation = evidence.read_part(
        "mutation", ok=True, timed_out=False, output=MUTATION_OUTPUT.format(s=9), sources="x"
    )
    parts = evidence.record({"mutation": mutation}, path)
    assert set(parts) == {"enumeration", "mutation"}, "a part that did not run keeps its record"
    assert evidence.load(path) == parts


def test_the_sources_digest_follows_the_sources_only(tmp_path: Path) -> None:
    (tmp_path / "kernel").mkdir()
    (tmp_path / "specs" / "rules").mkdir(parents=True)
    (tmp_path / "kernel" / "plan.py").write_text("DOSE = 1000\n", encoding="utf-8")
    before = evidence.sources_digest(tmp_path)
    (tmp_path / "specs" / "rules" / "R-RENAL.md").write_text("a card\n", encoding="utf-8")
    (tmp_path / "specs" / "safety-case.md").write_text("generated\n", encoding="utf-8")
    assert evidence.sources_digest(tmp_path) == before
    (tmp_path / "kernel" / "plan.py").write_text("DOSE = 100\n", encoding="utf-8")
    assert evidence.sources_digest(tmp_path) != before
