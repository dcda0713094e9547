"""Small helpers the property tests state their laws with."""

from __future__ import annotations

from collections.abc import Iterable

from kernel.model import Code, Finding, Severity


def violations_of(found: Iterable[str], *rule_ids: str) -> list[str]:
    """Return the oracle's violations that name one of ``rule_ids``."""
    wanted = set(rule_ids)
    return [violation for violation in found if violation.split(":", 1)[0] in wanted]


def codes(findings: Iterable[Finding]) -> set[Code]:
    """Return the codes of ``findings``."""
    return {finding.code for finding in findings}


def has_critical(findings: Iterable[Finding], code: Code) -> bool:
    """Return whether ``findings`` carry ``code`` with critical severity."""
    return any(f.code is code and f.severity is Severity.CRITICAL for f in findings)
