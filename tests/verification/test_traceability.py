"""Traceability: every catalogue ID is specified, quoted and tested; nothing cites an unknown ID.

Sources of coverage: ``@pytest.mark.covers(...)`` markers in tests/*.py (read from the syntax tree,
on functions, classes and module-level ``pytestmark``), and the ``covers`` lists of the decision
table rows (specs/tables/*.yaml).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from kernel.rules import RULES
from specs.verification.decision_tables import all_rows
from specs.verification.trace import is_covers_call

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
REQUIREMENTS = ROOT / "specs" / "requirements.yaml"
DECISIONS = ROOT / "specs" / "clinical-decisions.md"
INVARIANTS = ROOT / "specs" / "invariants.md"
SOURCE = ROOT / "specs" / "source" / "000_a17618f1c8ed1286.txt"

CATALOGUE = frozenset(RULES)
SPECIFIED = frozenset(rule_id for rule_id in RULES if not rule_id.startswith("INV-"))
INVARIANT_IDS = frozenset(rule_id for rule_id in RULES if rule_id.startswith("INV-"))
ID_PATTERN = re.compile(r"^(R|D|INV)-[A-Z0-9]+(-[A-Z0-9]+)*$")
REQUIRED_FIELDS = ("id", "statement", "source_quote", "source_references", "code", "tests")

# Only these characters are normalised when quotes are compared with the source.
_UNICODE = str.maketrans({"×": "x", "⁹": "9", "μ": "u", "µ": "u"})  # noqa: RUF001


def normalise(text: str) -> str:
    """Collapse whitespace and map the multiplication sign, superscript nine and micro sign to x, 9
    and u (nothing else)."""
    return " ".join(text.translate(_UNICODE).split())


def _covers_calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if is_covers_call(node):
            yield node


def marker_covers() -> dict[str, set[str]]:
    """Return, per test file, the IDs its ``covers`` markers cite (every argument a string)."""
    found: dict[str, set[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for call in _covers_calls(tree):
            for argument in call.args:
                if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                    pytest.fail(f"{path.name}:{call.lineno}: covers() takes literal ID strings")
                found.setdefault(str(argument.value), set()).add(path.name)
    return found


def table_covers() -> dict[str, set[str]]:
    """Return, per ID, the decision-table rows whose ``covers`` list cites it."""
    found: dict[str, set[str]] = {}
    for row in all_rows():
        for rule_id in row.covers:
            found.setdefault(rule_id, set()).add(f"{row.table}:{row.id}")
    return found


def load_requirements() -> list[Mapping[str, object]]:
    data = yaml.safe_load(REQUIREMENTS.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "requirements.yaml holds a mapping"
    entries = data.get("requirements")
    assert isinstance(entries, list), "requirements.yaml holds a 'requirements' list"
    for entry in entries:
        assert isinstance(entry, dict), f"a requirement is not a mapping: {entry!r}"
    return entries


def _quotes(entry: Mapping[str, object]) -> list[str]:
    quote = entry["source_quote"]
    if quote is None:
        return []
    if isinstance(quote, str):
        return [quote]
    assert isinstance(quote, list), f"{entry['id']}: source_quote is text, a list or null"
    assert quote, f"{entry['id']}: an empty quote list"
    assert all(isinstance(part, str) and part.strip() for part in quote)
    return [str(part) for part in quote]


# ---------------------------------------------------------------------------------------------


def test_every_catalogue_id_is_tested() -> None:
    covered = set(marker_covers()) | set(table_covers())
    missing = [rule_id for rule_id in RULES if rule_id not in covered]
    assert not missing, f"IDs without a covers marker or table row: {missing}"


def test_no_test_cites_an_unknown_id() -> None:
    unknown_markers = {
        rule_id: sorted(files)
        for rule_id, files in marker_covers().items()
        if rule_id not in CATALOGUE
    }
    unknown_rows = {
        rule_id: sorted(rows)
        for rule_id, rows in table_covers().items()
        if rule_id not in CATALOGUE
    }
    assert not unknown_markers, f"covers markers cite unknown IDs: {unknown_markers}"
    assert not unknown_rows, f"table rows cite unknown IDs: {unknown_rows}"


def test_catalogue_ids_are_well_formed() -> None:
    assert all(ID_PATTERN.match(rule_id) for rule_id in RULES)


def test_requirements_list_exactly_the_rules_and_decisions() -> None:
    ids = [str(entry.get("id")) for entry in load_requirements()]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    assert not duplicates, f"repeated requirement IDs: {duplicates}"
    assert not SPECIFIED - set(ids), (
        f"missing from requirements.yaml: {sorted(SPECIFIED - set(ids))}"
    )
    assert not set(ids) - SPECIFIED, f"not in the catalogue: {sorted(set(ids) - SPECIFIED)}"
    assert ids == [rule_id for rule_id in RULES if rule_id in SPECIFIED], "catalogue order"


def record_ids() -> list[str]:
    """Return the R- and D- IDs the record defines, in catalogue order: the R- rules in the order
    of its table, then the D- decisions in the order it first defines them (a decision that a
    later revision replaces or amends keeps its first place)."""
    text = DECISIONS.read_text(encoding="utf-8")
    rules = re.findall(r"^\| (R-[A-Z0-9-]+) \|", text, flags=re.MULTILINE)
    decisions = re.findall(r"^- (D-[A-Z0-9-]+)(?: \([^)]*\))?:", text, flags=re.MULTILINE)
    return list(dict.fromkeys(rules)) + list(dict.fromkeys(decisions))


@pytest.mark.covers("INV-CITATIONS")
def test_the_catalogue_is_the_record() -> None:
    """The kernel's R- and D- IDs are exactly those of specs/clinical-decisions.md, in its order."""
    assert [rule_id for rule_id in RULES if rule_id in SPECIFIED] == record_ids()


def test_the_record_reader_finds_every_kind_of_definition() -> None:
    """The record reader sees a table rule, a decision, a replaced one and a new one."""
    ids = record_ids()
    assert ids[0] == "R-DOSE-1000"
    assert {"D-INVALID", "D-CONTRA", "D-PLT-SEVERE-REFER", "D-CDS-PREFETCH"} <= set(ids)
    assert ids.index("D-CONTRA") < ids.index("D-RECURRENCE") < ids.index("D-PLT-SEVERE-REFER")
    assert len(ids) == len(set(ids))


def test_requirement_fields() -> None:
    problems: list[str] = []
    for entry in load_requirements():
        rule_id = str(entry.get("id"))
        problems += [f"{rule_id}: missing {name}" for name in REQUIRED_FIELDS if name not in entry]
        if any(name not in entry for name in REQUIRED_FIELDS):
            continue
        statement = entry["statement"]
        if not isinstance(statement, str) or not statement.strip():
            problems.append(f"{rule_id}: empty statement")
        if entry["source_references"] != list(RULES[rule_id].source_references):
            problems.append(f"{rule_id}: source_references differ from kernel/rules.py")
        if entry["source_quote"] is None and not str(entry.get("gap", "")).strip():
            problems.append(f"{rule_id}: a null source_quote needs a gap explanation")
        if rule_id.startswith("R-") and entry["source_quote"] is None:
            problems.append(f"{rule_id}: every rule of the source is quoted")
        code = entry["code"]
        if not isinstance(code, list) or not code:
            problems.append(f"{rule_id}: code lists at least one kernel module")
        else:
            problems += [
                f"{rule_id}: code file {path} does not exist"
                for path in code
                if not (isinstance(path, str) and (ROOT / path).is_file())
            ]
        if not isinstance(entry["tests"], list):
            problems.append(f"{rule_id}: tests is a list")
    assert not problems, "\n".join(problems)


def test_quotes_are_verbatim() -> None:
    source = normalise(SOURCE.read_text(encoding="utf-8"))
    problems = [
        f"{entry['id']}: not in the source: {quote!r}"
        for entry in load_requirements()
        for quote in _quotes(entry)
        if normalise(quote) not in source
    ]
    assert not problems, "\n".join(problems)


def test_normalise_changes_only_whitespace_and_three_characters() -> None:
    assert normalise("  a\n b\tc ") == "a b c"
    assert normalise("25 × 10⁹/L, 10 μmol/L") == "25 x 109/L, 10 umol/L"  # noqa: RUF001
    assert normalise("normalize—patients") == "normalize—patients"


def test_invariants_document_every_invariant() -> None:
    text = INVARIANTS.read_text(encoding="utf-8")
    headings = re.findall(r"^## (INV-[A-Z0-9-]+)\b", text, flags=re.MULTILINE)
    assert sorted(headings) == sorted(INVARIANT_IDS), "one '## INV-…' section per invariant"
    assert len(headings) == len(set(headings)), "each invariant once"
    cited = set(re.findall(r"\b(?:R|D|INV)-[A-Z0-9]+(?:-[A-Z0-9]+)*\b", text))
    assert cited <= CATALOGUE, f"invariants.md cites unknown IDs: {sorted(cited - CATALOGUE)}"
