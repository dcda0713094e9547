"""The record of the latest verification run: ``specs/verification/results.json``.

``make verify`` and ``make mutation`` (``specs.verification.verify``) hand each finished part's
output to ``record``, which reads the part's stable facts from it and writes them, merged with
the parts that did not run, to the committed record. The rule cards and the safety case are
generated from that record (``specs.verification.cards``).

Only facts that a clean re-run on the same sources reproduces are kept: which test functions
passed, how many combinations were enumerated, which known-bad variant each layer caught, which
functions CrossHair checked and what it said of each, the mutation score and the surviving
mutants. No timings, dates, counterexample values or machine names: re-running the verification
on the same commit leaves the file unchanged. Each part also records the digest of the sources
it ran on (``sources_digest``), so that a reader can see whether ``make mutation`` ran on the
same sources as ``make verify``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from kernel.rules import RULE_SET_VERSION

ROOT: Final = Path(__file__).resolve().parents[2]
RESULTS: Final = ROOT / "specs" / "verification" / "results.json"
FORMAT: Final = 1

#: What the verification reads (its digest is recorded with each part).
SOURCE_DIRECTORIES: Final = ("kernel", "specs", "tests/kernel", "tests/verification")
SOURCE_FILES: Final = ("pyproject.toml",)
#: What the verification writes or does not read: left out of the digest.
NOT_SOURCES: Final = (
    "specs/rules",
    "specs/safety-case.md",
    "specs/hazards.yaml",
    "specs/verification/results.json",
)

Facts = dict[str, object]


class RecordError(ValueError):
    """The record file does not hold what this module writes."""


# --- The sources ------------------------------------------------------------------------------


def source_files(root: Path = ROOT) -> list[Path]:
    """Return the files the verification reads, sorted (caches and generated output left out)."""
    found = [root / name for name in SOURCE_FILES if (root / name).is_file()]
    for directory in SOURCE_DIRECTORIES:
        for path in (root / directory).rglob("*"):
            where = path.relative_to(root).as_posix()
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and not any(where == out or where.startswith(f"{out}/") for out in NOT_SOURCES)
            ):
                found.append(path)
    return sorted(found)


def sources_digest(root: Path = ROOT) -> str:
    """Return the SHA-256 of the verification's sources: each file's path and content."""
    digest = hashlib.sha256()
    for path in source_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return f"sha256:{digest.hexdigest()}"


# --- Reading each part's output ----------------------------------------------------------------

_PYTEST_LINE: Final = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)")


def read_properties(output: str) -> Facts:
    """Read the properties part (pytest with ``-rfEsp``): every test's node ID by outcome."""
    by_outcome: dict[str, set[str]] = {}
    for line in output.splitlines():
        match = _PYTEST_LINE.match(line)
        if match:
            outcome, node = match.groups()
            by_outcome.setdefault(outcome.lower(), set()).add(node)
    return {
        "passed": sorted(by_outcome.get("passed", set())),
        "failed": sorted(by_outcome.get("failed", set()) | by_outcome.get("error", set())),
        "skipped": sorted(by_outcome.get("skipped", set())),
    }


_CROSSHAIR_SUMMARY: Final = re.compile(
    r"^crosshair: (?P<functions>\d+) functions, (?P<asserts>\d+) contract asserts checked in"
    r" \d+ processes \([^)]*\); (?P<counterexamples>\d+) counterexamples,"
    r" (?P<unmet>\d+) unmet preconditions"
)
_CROSSHAIR_FUNCTION: Final = re.compile(r"^  (?P<name>kernel\.[\w.]+)\s+(?P<message>\S.*)$")
_CROSSHAIR_SELF_TEST: Final = re.compile(
    r"^crosshair self-test: planted .* (?P<verdict>caught|MISSED)"
)


def _crosshair_status(message: str) -> str:
    if message.startswith("Confirmed over all paths"):
        return "confirmed over all paths"
    if message.startswith("Not confirmed"):
        return "no counterexample found"
    if "Unable to meet precondition" in message:
        return "precondition never met"
    return "counterexample"


def read_crosshair(output: str) -> Facts:
    """Read the CrossHair part: what it said of each function, the counts, the self-test."""
    facts: Facts = {}
    functions: dict[str, str] = {}
    for line in output.splitlines():
        summary = _CROSSHAIR_SUMMARY.match(line)
        if summary:
            facts["functions_checked"] = int(summary["functions"])
            facts["contract_asserts"] = int(summary["asserts"])
            facts["counterexamples"] = int(summary["counterexamples"])
            facts["unmet_preconditions"] = int(summary["unmet"])
        function = _CROSSHAIR_FUNCTION.match(line)
        if function:
            status = _crosshair_status(function["message"])
            previous = functions.get(function["name"])
            if previous is None or previous == "confirmed over all paths":
                functions[function["name"]] = status
        self_test = _CROSSHAIR_SELF_TEST.match(line)
        if self_test:
            facts["self_test"] = (
                "planted bug caught" if self_test["verdict"] == "caught" else ("planted bug missed")
            )
    facts["functions"] = dict(sorted(functions.items()))
    return facts


_ENUMERATION_SUMMARY: Final = re.compile(
    r"^enumeration: (?P<combinations>\d+) combinations checked \((?P<calls>\d+) kernel calls\)"
    r" in [\d.]+ s; (?P<violations>\d+) violations"
)
_ENUMERATION_SWEEP: Final = re.compile(r"^ +(?P<count>\d+)  (?P<name>\S.*)$")
_ENUMERATION_VIOLATION: Final = re.compile(r"^ +(?P<count>\d+) x (?P<id>\S+)$")
_ENUMERATION_FIRST: Final = re.compile(r"^VIOLATION (?P<id>(?:R|D|INV)-[A-Z0-9-]+):")


def read_enumeration(output: str) -> Facts:
    """Read the enumeration part: combinations in all and by sweep, violations by ID."""
    facts: Facts = {}
    sweeps: dict[str, int] = {}
    violations: dict[str, int] = {}
    summarised = False
    for line in output.splitlines():
        summary = _ENUMERATION_SUMMARY.match(line)
        if summary:
            summarised = True
            facts["combinations"] = int(summary["combinations"])
            facts["kernel_calls"] = int(summary["calls"])
            facts["violations_total"] = int(summary["violations"])
            continue
        violation = _ENUMERATION_VIOLATION.match(line)
        if violation and summarised:
            violations[violation["id"]] = int(violation["count"])
            continue
        first = _ENUMERATION_FIRST.match(line)
        if first:
            violations[first["id"]] = violations.get(first["id"], 0) + 1
            continue
        sweep = _ENUMERATION_SWEEP.match(line)
        if sweep and not summarised:
            sweeps[sweep["name"].strip()] = int(sweep["count"])
    facts["sweeps"] = sweeps
    facts["violations"] = dict(sorted(violations.items()))
    return facts


_KNOWN_BAD_VARIANT: Final = re.compile(
    r"^  (?P<status>CAUGHT|ESCAPED|ERROR)\s+(?P<invariant>INV-[A-Z0-9-]+)\s+(?P<name>\S+)\s+by"
    r" (?P<layer>\S+)"
)
_KNOWN_BAD_SUMMARY: Final = re.compile(
    r"^known-bad: caught (?P<caught>\d+) of (?P<total>\d+) variants .*; layers (?P<layers>\S+)\)"
)


def read_known_bad(output: str) -> Facts:
    """Read the known-bad part: each variant's invariant, whether it was caught and by which layer;
    whether the clean kernel (the control) was flagged."""
    variants: list[dict[str, str | bool]] = []
    facts: Facts = {}
    for line in output.splitlines():
        variant = _KNOWN_BAD_VARIANT.match(line)
        if variant:
            caught = variant["status"] == "CAUGHT"
            variants.append(
                {
                    "name": variant["name"],
                    "invariant": variant["invariant"],
                    "caught": caught,
                    "layer": variant["layer"] if caught else variant["status"].lower(),
                }
            )
        if line.startswith("  CONTROL FLAGGED"):
            facts["control_flagged"] = True
        elif line.startswith("  control "):
            facts["control_flagged"] = False
        summary = _KNOWN_BAD_SUMMARY.match(line)
        if summary:
            facts["layers"] = summary["layers"]
    facts["variants"] = sorted(variants, key=lambda v: (str(v["invariant"]), str(v["name"])))
    return facts


_MUTATION_SUMMARY: Final = re.compile(
    r"^mutation: score (?P<score>[\d.]+) % \((?P<killed>\d+) killed, (?P<timeout>\d+) timed out,"
    r" (?P<survived>\d+) survived, (?P<untested>\d+) untested of (?P<mutants>\d+) mutants\);"
    r" (?P<gated>[\d.]+) % counting (?P<text>\d+) wording-only and (?P<contract>\d+)"
    r" contract-only survivors as equivalent; (?P<other>\d+) other survivors;"
    r" gate (?P<gate>\d+) %"
)
_MUTATION_SURVIVOR: Final = re.compile(r"^  survivor \((?P<kind>\w+)\) (?P<name>\S+)$")


def read_mutation(output: str) -> Facts:
    """Read the mutation part: the score, the mutants caught (killed or timed out, which a busy
    machine may trade for each other), and every survivor by kind."""
    facts: Facts = {}
    survivors: dict[str, list[str]] = {"other": [], "contract": [], "text": []}
    for line in output.splitlines():
        survivor = _MUTATION_SURVIVOR.match(line)
        if survivor:
            survivors.setdefault(survivor["kind"], []).append(survivor["name"])
        summary = _MUTATION_SUMMARY.match(line)
        if summary:
            facts["score_percent"] = float(summary["score"])
            facts["score_with_equivalents_percent"] = float(summary["gated"])
            facts["threshold_percent"] = float(summary["gate"])
            facts["mutants"] = int(summary["mutants"])
            facts["caught"] = int(summary["killed"]) + int(summary["timeout"])
            facts["survived"] = int(summary["survived"])
            facts["untested"] = int(summary["untested"])
    facts["survivors"] = {kind: sorted(names) for kind, names in survivors.items()}
    return facts


READERS: Final[dict[str, Callable[[str], Facts]]] = {
    "properties": read_properties,
    "crosshair": read_crosshair,
    "enumeration": read_enumeration,
    "known-bad": read_known_bad,
    "mutation": read_mutation,
}
#: The fact each part's summary line yields; without it the part's output was not understood.
SUMMARY_FACT: Final = {
    "properties": "passed",
    "crosshair": "contract_asserts",
    "enumeration": "combinations",
    "known-bad": "control_flagged",
    "mutation": "score_percent",
}


def read_part(name: str, *, ok: bool, timed_out: bool, output: str, sources: str) -> Facts:
    """Return the record of one finished part."""
    facts = READERS[name](output)
    understood = SUMMARY_FACT[name] in facts and (name != "properties" or bool(facts["passed"]))
    return {
        "ok": ok and understood,
        "timed_out": timed_out,
        "summary_read": understood,
        "sources": sources,
        **facts,
    }


# --- The record file --------------------------------------------------------------------------


def load(path: Path = RESULTS) -> dict[str, Facts]:
    """Return the recorded parts (none when the record does not exist yet)."""
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        msg = f"{path.name}: not a record of format {FORMAT}"
        raise RecordError(msg)
    parts = data.get("parts")
    if not isinstance(parts, dict) or not all(isinstance(p, dict) for p in parts.values()):
        msg = f"{path.name}: 'parts' is not a mapping of parts"
        raise RecordError(msg)
    return parts


def dump(parts: Mapping[str, Facts]) -> str:
    """Return the record file's text for ``parts`` (stable: sorted keys, fixed layout)."""
    data = {
        "format": FORMAT,
        "about": (
            "The latest verification run's stable facts, written by make verify and make"
            " mutation (specs/verification/evidence.py); the rule cards and the safety case"
            " are generated from it. Do not edit."
        ),
        "rule_set_version": RULE_SET_VERSION,
        "parts": {name: parts[name] for name in READERS if name in parts},
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def record(finished: Mapping[str, Facts], path: Path = RESULTS) -> dict[str, Facts]:
    """Merge the parts that just finished into the record file; return every recorded part."""
    parts = {**load(path), **finished}
    text = dump(parts)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return parts
