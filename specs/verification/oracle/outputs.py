"""Checks every output shares: findings (INV-FINDINGS), codes present exactly when the decisions
say (per ID), the rule-set version, and wording (INV-WORDING, D-WORDING)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from kernel.model import Code, Finding, Formulation, Item
from specs.verification.oracle.catalogue import (
    CATALOGUE_ORDER,
    CODE_OWNER,
    ITEM_CODES,
    PRODUCT_NAMES,
    RULE_SET_VERSION,
    SEVERITY,
    order_key,
)


def check_findings(findings: Sequence[Finding], where: str, out: list[str]) -> None:
    """INV-FINDINGS: each code once, fixed severity, ordered by severity then by the order of
    the codes (those of 1.0.0 first, then revision 2's in the order it lists them)."""
    codes = [f.code for f in findings]
    if len(set(codes)) != len(codes):
        out.append(f"INV-FINDINGS: {where} repeats a code: {[c.name for c in codes]}")
    for finding in findings:
        expected = SEVERITY.get(finding.code)
        if expected is None:
            out.append(f"INV-FINDINGS: {where} carries the item code {finding.code.name}")
            return
        if finding.severity is not expected:
            out.append(
                f"INV-FINDINGS: {where} {finding.code.name} has severity"
                f" {finding.severity.name}, expected {expected.name}"
            )
        if not finding.text.strip():
            out.append(f"INV-FINDINGS: {where} {finding.code.name} has no text")
    keys = [order_key(f.code) for f in findings]
    if keys != sorted(keys):
        out.append(f"INV-FINDINGS: {where} out of order: {[c.name for c in codes]}")


def check_items(items: Sequence[Item], where: str, out: list[str]) -> None:
    """Items are item codes, each once, with a text."""
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        out.append(f"INV-FINDINGS: {where} repeats an item code: {[c.name for c in codes]}")
    for item in items:
        if item.code not in ITEM_CODES:
            out.append(f"INV-FINDINGS: {where} lists the finding code {item.code.name} as an item")
        if not item.text.strip():
            out.append(f"INV-FINDINGS: {where} item {item.code.name} has no text")


def check_codes(  # noqa: PLR0913 - the codes, the verdict and how to report it
    present: Iterable[Code],
    expected: set[Code] | frozenset[Code],
    dont_care: set[Code] | frozenset[Code],
    where: str,
    out: list[str],
    *,
    owners: dict[Code, str] | None = None,
) -> None:
    """Every finding code is present exactly when the decisions say so (or is "don't care")."""
    present_set = set(present)
    for code in sorted((present_set ^ set(expected)) - set(dont_care), key=order_key):
        owner = (owners or {}).get(code) or CODE_OWNER.get(code, "D-CHECK")
        state = "missing" if code in expected else "unexpected"
        out.append(f"{owner}: {where}: {code.name} {state}")


def check_version(version: str, out: list[str]) -> None:
    """P4: every response names the rule-set version (2.0.0)."""
    if version != RULE_SET_VERSION:
        out.append(f"INV-CITATIONS: rule-set version {version!r}, expected {RULE_SET_VERSION}")


# ---------------------------------------------------------------------------------------------
# Wording (D-WORDING, INV-WORDING).
# ---------------------------------------------------------------------------------------------

#: A machine code: an upper-case identifier with an underscore (``PLATELETS_BELOW_25_NO_NEURO``).
_MACHINE_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
#: Anything shaped like a rule ID (``R-…``, ``D-…``, ``INV-…``), taken as long as it runs.
_RULE_ID = re.compile(r"(?<![A-Za-z0-9-])(?:R|D|INV)-[A-Z0-9]+(?:-[A-Z0-9]+)*-?")
#: A file path: a repository folder, a relative path, or a file name with a source extension.
_FILE_PATH = re.compile(
    r"(?:\.\.?/|\b(?:specs|kernel|server|clients|proto|tests|seed|bench|shared)/[\w.-]"
    r"|\b[\w-]+\.(?:md|py|pyi|txt|ya?ml|json|proto|ts)\b)"
)


@functools.cache
def wording_problems(text: str) -> tuple[str, ...]:
    """Return what INV-WORDING forbids in one text: a machine code, a file path, a cut rule ID."""
    problems = [f"machine code {code!r}" for code in _MACHINE_CODE.findall(text)]
    problems += [f"file path near {match.group(0)!r}" for match in _FILE_PATH.finditer(text)]
    problems += [
        f"cut or unknown rule ID {rule_id!r}"
        for rule_id in _RULE_ID.findall(text)
        if rule_id not in CATALOGUE_ORDER
    ]
    return tuple(problems)


def check_wording(texts: Iterable[tuple[str, str]], out: list[str]) -> None:
    """INV-WORDING over every (where, text) of an output."""
    for where, text in texts:
        out.extend(f"INV-WORDING: {where}: {problem}" for problem in wording_problems(text))


def check_labels(
    texts: Iterable[tuple[str, str]], formulation: Formulation | None, out: list[str]
) -> None:
    """D-WORDING: an item that cites a product label cites the label of the judged product."""
    own = PRODUCT_NAMES.get(formulation) if formulation is not None else None
    for where, text in texts:
        lowered = text.lower()
        for product, name in PRODUCT_NAMES.items():
            if product is not formulation and f"{name} label" in lowered:
                out.append(f"D-WORDING: {where} cites the {name} label with {own}")


def finding_texts(findings: Sequence[Finding], where: str) -> list[tuple[str, str]]:
    """Return the (where, text) pairs of findings."""
    return [(f"{where} {f.code.name}", f.text) for f in findings]


def item_texts(items: Sequence[Item], where: str) -> list[tuple[str, str]]:
    """Return the (where, text) pairs of items."""
    return [(f"{where} {item.code.name}", item.text) for item in items]


def mentions(text: str, *words: str) -> list[str]:
    """Return the ``words`` a text does not mention (case-insensitive)."""
    lowered = text.lower().replace("\u2019", "'")
    return [word for word in words if word.lower() not in lowered]
