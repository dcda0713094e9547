"""``make verify``: the kernel verified three independent ways, then checked for blind spots.

Parts, reported in this order (lint and mypy are ``make lint``):

1. properties: the Hypothesis properties, the oracle's self-tests and the kernel purity test
   (pytest; Hypothesis profile "ci" unless HYPOTHESIS_PROFILE says otherwise);
2. CrossHair: every contract-led kernel function, two processes, plus a planted bug it must find;
3. exhaustive enumeration: every combination of the interacting equivalence classes;
4. known-bad kernels: one planted bug per invariant, each to be caught with contracts stripped;
5. mutation: mutmut over kernel/, gated on the score.

After the parts, the run's stable facts are recorded in ``specs/verification/results.json``
(parts left out keep their last record), the rule cards and the safety case are regenerated from
it (``specs.verification.cards``), and the safety case's gate runs: the command also fails when
a hazard has no control or a control has no evidence.

Parts 1-4 are independent and run in two lanes on the machine's two cores (CrossHair, then the
enumeration; the properties, then the known-bad kernels); mutation runs alone. Each part's
summary is printed in order as soon as it and the parts before it are done. Exits non-zero when
any part fails. Timeouts are safety nets for a shared machine, not performance gates. Run
``python -m specs.verification.verify`` (``--skip mutation`` and so on to leave parts out,
``--only mutation`` to run one part); ``make verify`` skips mutation, ``make mutation`` runs it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from specs.verification import cards, evidence

ROOT = Path(__file__).resolve().parents[2]
PROPERTY_TESTS = (
    "tests/kernel/test_kernel_purity.py",
    "tests/verification/test_oracle.py",
    "tests/kernel/test_properties_corpus.py",
    "tests/kernel/test_properties_calendar.py",
    "tests/kernel/test_properties_plan.py",
    "tests/kernel/test_properties_check.py",
    "tests/kernel/test_properties_course.py",
    "tests/kernel/test_properties_totality.py",
)


@dataclass(frozen=True)
class Part:
    """One part of the verification: its name, its command and how to summarise its output."""

    name: str
    command: tuple[str, ...]
    summarise: Callable[[str], str]
    timeout: float
    environment: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Result:
    """A finished part."""

    part: Part
    ok: bool
    summary: str
    output: str
    seconds: float
    timed_out: bool = False


def _last_line_starting(prefix: str) -> Callable[[str], str]:
    def summarise(output: str) -> str:
        lines = [line for line in output.splitlines() if line.startswith(prefix)]
        return lines[-1] if lines else "(no summary)"

    return summarise


def _pytest_summary(output: str) -> str:
    match = re.search(r"(\d+) passed", output)
    failed = re.search(r"(\d+) failed", output)
    passed = match.group(1) if match else "0"
    return f"properties: {passed} property and self-test functions passed" + (
        f", {failed.group(1)} FAILED" if failed else ""
    )


def _crosshair_summary(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("crosshair")]
    return "; ".join(lines) if lines else "(no summary)"


PARTS: tuple[Part, ...] = (
    Part(
        "properties",
        # -rfEsp: one line per test and outcome, which the record reads.
        (sys.executable, "-m", "pytest", "-q", "-rfEsp", "-p", "no:cacheprovider", *PROPERTY_TESTS),
        _pytest_summary,
        timeout=900,
        environment=(("HYPOTHESIS_PROFILE", os.environ.get("HYPOTHESIS_PROFILE", "ci")),),
    ),
    Part(
        "crosshair",
        (sys.executable, "-m", "specs.verification.crosshair_gate", "--self-test"),
        _crosshair_summary,
        timeout=900,
    ),
    Part(
        "enumeration",
        (sys.executable, "-m", "specs.verification.enumerate_cases"),
        _last_line_starting("enumeration:"),
        timeout=900,
    ),
    Part(
        "known-bad",
        (sys.executable, "-m", "specs.verification.known_bad"),
        _last_line_starting("known-bad:"),
        timeout=900,
    ),
    Part(
        "mutation",
        (sys.executable, "-m", "specs.verification.mutation"),
        _last_line_starting("mutation:"),
        timeout=1800,
    ),
)

#: Which parts may start together: each stage starts once the previous one has finished, and
#: within a stage the parts of one lane run one after the other.
# Two lanes of about the same length on the machine's two cores (measured on a quiet machine:
# CrossHair 90 s then the enumeration 55 s; the properties 75-115 s then the known-bad kernels
# 60 s), so that no core waits for the other between parts.
STAGES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("crosshair", "enumeration"), ("properties", "known-bad")),
    (("mutation",),),
)


def _text(stream: bytes | str | None) -> str:
    if isinstance(stream, bytes):
        return stream.decode(errors="replace")
    return stream or ""


def run_part(part: Part) -> Result:
    """Run one part in a subprocess from the repository root."""
    began = time.perf_counter()
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **dict(part.environment)}
    try:
        completed = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            part.command,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=environment,
            timeout=part.timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        output = _text(expired.stdout) + _text(expired.stderr)
        seconds = time.perf_counter() - began
        summary = f"{part.name}: timed out after {part.timeout:.0f} s"
        return Result(
            part, ok=False, summary=summary, output=output, seconds=seconds, timed_out=True
        )
    output = completed.stdout + completed.stderr
    seconds = time.perf_counter() - began
    ok = completed.returncode == 0
    return Result(part, ok=ok, summary=part.summarise(output), output=output, seconds=seconds)


def _report(result: Result) -> None:
    status = "ok  " if result.ok else "FAIL"
    print(f"[{status}] {result.summary}  ({result.seconds:.0f} s)", flush=True)  # noqa: T201
    if not result.ok:
        # The failing part's own output, without the one-line-per-passed-test record.
        output = "\n".join(
            line for line in result.output.splitlines() if not line.startswith("PASSED ")
        )
        print(output[-6000:], flush=True)  # noqa: T201


def main(argv: list[str] | None = None) -> int:
    """Run the stages; print each part's summary in the fixed order; 0 when every part passes."""
    parser = argparse.ArgumentParser(description="Verify the kernel (make verify).")
    names = [p.name for p in PARTS]
    parser.add_argument("--skip", action="append", default=[], choices=names)
    parser.add_argument("--only", action="append", default=[], choices=names)
    arguments = parser.parse_args(argv)
    parts = {
        part.name: part
        for part in PARTS
        if part.name not in arguments.skip and (not arguments.only or part.name in arguments.only)
    }
    order = [part.name for part in PARTS if part.name in parts]
    sources = evidence.sources_digest(ROOT)  # what the parts are about to read
    began = time.perf_counter()
    results: dict[str, Result] = {}
    printed = 0

    def flush() -> None:
        nonlocal printed
        while printed < len(order) and order[printed] in results:
            _report(results[order[printed]])
            printed += 1

    def lane(names: tuple[str, ...]) -> None:
        for name in names:
            if name in parts:
                results[name] = run_part(parts[name])

    for stage in STAGES:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(stage)) as pool:
            futures = [pool.submit(lane, names) for names in stage]
            for future in concurrent.futures.as_completed(futures):
                future.result()
        flush()
    failed = [name for name in order if not results[name].ok]
    problems = record_and_publish(results, sources)
    for problem in problems:
        print(f"  FAIL {problem}", flush=True)  # noqa: T201
    if problems:
        failed.append(f"record and safety case ({len(problems)} problems)")
    seconds = time.perf_counter() - began
    verdict = "FAILED: " + ", ".join(failed) if failed else "all parts passed"
    print(f"verify: {verdict} in {seconds:.0f} s", flush=True)  # noqa: T201
    return 1 if failed else 0


def record_and_publish(results: dict[str, Result], sources: str) -> list[str]:
    """Record the finished parts (run on ``sources``), regenerate the rule cards and the safety
    case, and return the safety case's gate problems."""
    finished = {
        name: evidence.read_part(
            name, ok=r.ok, timed_out=r.timed_out, output=r.output, sources=sources
        )
        for name, r in results.items()
    }
    evidence.record(finished)
    unread = [
        f"the summary of {name} was not understood"
        for name, f in finished.items()
        if not f["summary_read"] and not f["timed_out"]
    ]
    return unread + cards.publish(ROOT)


if __name__ == "__main__":
    sys.exit(main())
