"""Run the independent verification against the kernel on ``sys.path`` (a known-bad copy).

Started by the runner as ``python -P -m specs.verification.known_bad.probe <kernel-dir>`` with
``PYTHONPATH=<kernel-dir>:<repository>``. Three layers, cheapest first, stopping at the first
that catches the bug: the boundary corpus through the oracle (each request run twice, for
determinism); the property tests and oracle self-tests (pytest, Hypothesis profile "mutation");
the exhaustive enumeration. Prints one JSON line: ``{"caught": ..., "layer": ..., "detail": ...}``.
Exit status: 0 caught, 1 not caught, 2 the probe could not run.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TESTS = (
    "tests/verification/test_oracle.py",
    "tests/kernel/test_properties_calendar.py",
    "tests/kernel/test_properties_plan.py",
    "tests/kernel/test_properties_check.py",
    "tests/kernel/test_properties_course.py",
    "tests/kernel/test_properties_totality.py",
)


def _result(*, caught: bool, layer: str, detail: str) -> int:
    print(json.dumps({"caught": caught, "layer": layer, "detail": detail[:2000]}))  # noqa: T201
    return 0 if caught else 1


def corpus_layer() -> str | None:
    """Run the boundary corpus through the oracle; return the first violation, if any."""
    from kernel import assess_course, check_regimen, plan_regimen  # noqa: PLC0415 - after the path check
    from specs.verification.oracle import check_check, check_course, check_plan  # noqa: PLC0415
    from specs.verification.properties import examples  # noqa: PLC0415

    cases: list[tuple[object, object, object]] = [
        *((r, plan_regimen, check_plan) for r in examples.plan_examples()),
        *((r, plan_regimen, check_plan) for r in examples.invalid_plan_examples()),
        *((r, check_regimen, check_check) for r in examples.check_examples()),
        *((r, check_regimen, check_check) for r in examples.invalid_check_examples()),
        *((r, assess_course, check_course) for r in examples.course_examples()),
        *((r, assess_course, check_course) for r in examples.labs_examples()),
        *((r, assess_course, check_course) for r in examples.invalid_course_examples()),
    ]
    for request, operation, oracle in cases:
        try:
            outcome = operation(request)  # type: ignore[operator]
            again = operation(request)  # type: ignore[operator]
        except Exception as error:  # noqa: BLE001 - an escape is itself the catch
            return f"INV-VALIDATION: {type(error).__name__}: {error} for {request!r}"
        found = oracle(request, outcome)  # type: ignore[operator]
        if outcome != again or repr(outcome) != repr(again):
            found = [*found, "INV-DETERMINISTIC: a second call gave a different output"]
        if found:
            return f"{found[0]}\n    for {request!r}"
    return None


def property_layer() -> tuple[int, str]:
    """Run the property tests against the kernel already imported; return pytest's status."""
    import pytest  # noqa: PLC0415 - only this layer needs it

    os.chdir(ROOT)
    arguments = [
        *("-x", "-q", "-p", "no:cacheprovider", "-o", "pythonpath=", "--tb=line"),
        # The kernel and Hypothesis are imported already (the kernel from the known-bad copy).
        *("-W", "ignore::pytest.PytestAssertRewriteWarning"),
        *TESTS,
    ]
    status = pytest.main(arguments)
    return int(status), "a property or oracle self-test failed (see the output above)"


def enumeration_layer() -> str | None:
    """Run the exhaustive enumeration until its first violation."""
    from specs.verification.enumerate_cases import FirstViolationError, enumerate_all  # noqa: PLC0415

    try:
        enumerate_all(stop_at_first=True)
    except FirstViolationError as error:
        return str(error)
    return None


LAYERS = ("corpus", "properties", "enumeration")


def main(argv: list[str]) -> int:
    """Check the kernel's origin, then run the layers (``argv[2]``: a comma-separated subset)
    until one catches the bug."""
    expected = Path(argv[1]).resolve()
    layers = set(argv[2].split(",")) if len(argv) > 2 else set(LAYERS)  # noqa: PLR2004
    os.environ["HYPOTHESIS_PROFILE"] = "mutation"
    import kernel  # noqa: PLC0415 - imported only once the path is set

    origin = Path(kernel.__file__).resolve().parent.parent
    if origin != expected:
        print(f"probe: kernel imported from {origin}, expected {expected}")  # noqa: T201
        return 2
    found = corpus_layer() if "corpus" in layers else None
    if found:
        return _result(caught=True, layer="corpus", detail=found)
    status, detail = property_layer() if "properties" in layers else (0, "")
    if status == 1:
        return _result(caught=True, layer="properties", detail=detail)
    if status != 0:
        print(f"probe: pytest could not run (status {status})")  # noqa: T201
        return 2
    found = enumeration_layer() if "enumeration" in layers else None
    if found:
        return _result(caught=True, layer="enumeration", detail=found)
    return _result(caught=False, layer="none", detail="no layer caught the bug")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
