"""Small helpers the property tests state their laws with."""

from __future__ import annotations

import sys
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


def clear_kernel_caches() -> None:
    """Empty every ``functools.cache`` of the kernel's modules.

    The kernel memoises pure readings (a profile class, a site, a guidance combination). A test
    that runs after a warm cache would never call the functions behind it, so mutation testing
    (whose mutant runs fork from a process that already ran the tests) could not see a mutant
    there; clearing the caches first makes every test exercise the code it covers.
    """
    for name, module in list(sys.modules.items()):
        if name != "kernel" and not name.startswith("kernel."):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
