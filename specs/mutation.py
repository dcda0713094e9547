"""Mutation testing of ``kernel/`` with mutmut, gated on the score (``python -m specs.mutation``).

Runs ``mutmut run`` (configuration in pyproject.toml, ``[tool.mutmut]``; the Hypothesis profile
"mutation" has few examples and no shrinking), then ``mutmut export-cicd-stats`` and reads its
JSON. The score is (killed + timed out) / (every mutant but the skipped ones): a mutant no test
covers counts against it. ``mutmut run`` exits 0 even with survivors, so the gate is this score:
at least 95 % (``--threshold``). Survivors are listed; each must be killed by a test or explained
as equivalent in specs/verification.md. mutmut keeps its results in ``mutants/`` and re-tests
only functions that changed, so a second run is quick.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
STATS = ROOT / "mutants" / "mutmut-cicd-stats.json"
DEFAULT_THRESHOLD = 95.0
TIMEOUT_SECONDS = 1500


def _mutmut(*arguments: str, timeout: float = TIMEOUT_SECONDS) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HYPOTHESIS_PROFILE": "mutation", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(  # noqa: S603 - the venv's mutmut, fixed arguments
        [str(MUTMUT), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=timeout,
        check=False,
    )


def score(stats: dict[str, int]) -> float:
    """Return the mutation score in percent: (killed + timeout) / (total - skipped)."""
    considered = stats["total"] - stats.get("skipped", 0)
    if considered <= 0:
        return 0.0
    return 100.0 * (stats["killed"] + stats.get("timeout", 0)) / considered


def survivors() -> list[str]:
    """Return the names of the surviving (and untested) mutants."""
    listing = _mutmut("results", timeout=120).stdout
    return [
        line.split(":")[0].strip()
        for line in listing.splitlines()
        if line.strip().endswith(("survived", "no tests"))
    ]


def main(argv: list[str] | None = None) -> int:
    """Run mutmut, print the score and the survivors, and gate on the threshold."""
    parser = argparse.ArgumentParser(description="Mutation testing of kernel/ with a score gate.")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        run = _mutmut("run", "--max-children", str(arguments.workers))
    except subprocess.TimeoutExpired:
        print(f"mutation: mutmut run timed out after {TIMEOUT_SECONDS} s")  # noqa: T201
        return 1
    exported = _mutmut("export-cicd-stats", timeout=120)
    if run.returncode != 0 or exported.returncode != 0 or not STATS.exists():
        print(f"mutation: mutmut failed\n{run.stdout[-1500:]}{run.stderr[-1500:]}")  # noqa: T201
        print(exported.stdout[-500:] + exported.stderr[-500:])  # noqa: T201
        return 1
    stats = json.loads(STATS.read_text(encoding="utf-8"))
    value = score(stats)
    seconds = time.perf_counter() - began
    print(  # noqa: T201 - the gate's report
        f"mutation: score {value:.1f} % ({stats['killed']} killed, {stats['timeout']} timed out,"
        f" {stats['survived']} survived, {stats['no_tests']} untested, {stats['skipped']} skipped"
        f" of {stats['total']} mutants) in {seconds:.0f} s; gate {arguments.threshold:.0f} %"
    )
    for name in survivors():
        print(f"  survivor {name}")  # noqa: T201 - the gate's report
    return 0 if value >= arguments.threshold else 1


if __name__ == "__main__":
    sys.exit(main())
