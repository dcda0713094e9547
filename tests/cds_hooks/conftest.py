"""Every response the CDS Hooks tests receive is checked against the CDS Hooks 2.0 specification
(``cds_spec``): each test's clients report to ``cds_spec.RECORDER``; a test during which a
response broke the specification fails, and the run prints what was checked."""

from __future__ import annotations

from collections.abc import Iterator

import cds_spec
import pytest


@pytest.fixture(autouse=True)
def _every_response_follows_the_specification() -> Iterator[None]:
    before = len(cds_spec.RECORDER.problems)
    yield
    found = cds_spec.RECORDER.problems[before:]
    if found:
        pytest.fail("responses that break CDS Hooks 2.0:\n" + "\n".join(found), pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if sum(cds_spec.RECORDER.checked.values()):
        terminalreporter.write_line(f"[cds spec] {cds_spec.RECORDER.summary()}")
