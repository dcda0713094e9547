"""Run every known-bad kernel and require each to be caught.

``python -m specs.verification.known_bad``.

Also runs the clean kernel through the same probe (contracts stripped, no patch): it must NOT be
caught, which shows the probe has no false alarms and that stripping the contracts changes
nothing. Variants run in parallel (two at a time by default). Exit status 1 when any variant
escapes, any patch no longer applies, or the clean kernel is flagged.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from specs.verification.known_bad.build import ROOT, PatchError, build
from specs.verification.known_bad.variants import VARIANTS, Variant

TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Outcome:
    """What the probe said about one kernel."""

    name: str
    invariant: str
    caught: bool
    layer: str
    detail: str
    seconds: float
    error: bool = False


def probe(variant: Variant | None, layers: str = "corpus,properties,enumeration") -> Outcome:
    """Build ``variant`` (None: the clean kernel) in a temporary directory and probe it with
    ``layers`` (a comma-separated subset of corpus, properties, enumeration)."""
    name = variant.name if variant else "clean kernel (control)"
    invariant = variant.invariant if variant else "-"
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="known-bad-") as temporary:
        try:
            directory = build(Path(temporary), variant)
        except PatchError as error:
            return Outcome(
                name,
                invariant,
                caught=False,
                layer="patch",
                detail=str(error),
                seconds=0.0,
                error=True,
            )
        environment = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join((str(directory), str(ROOT))),
            "HYPOTHESIS_PROFILE": "mutation",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        try:
            completed = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
                [
                    sys.executable,
                    "-P",
                    "-m",
                    "specs.verification.known_bad.probe",
                    str(directory),
                    layers,
                ],
                capture_output=True,
                text=True,
                env=environment,
                cwd=directory,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            seconds = time.perf_counter() - began
            detail = "the probe timed out"
            return Outcome(
                name,
                invariant,
                caught=False,
                layer="timeout",
                detail=detail,
                seconds=seconds,
                error=True,
            )
    seconds = time.perf_counter() - began
    lines = completed.stdout.strip().splitlines()
    if completed.returncode not in {0, 1} or not lines:
        detail = (completed.stdout[-1500:] + completed.stderr[-1500:]).strip()
        return Outcome(
            name, invariant, caught=False, layer="error", detail=detail, seconds=seconds, error=True
        )
    result = json.loads(lines[-1])
    return Outcome(
        name, invariant, bool(result["caught"]), result["layer"], result["detail"], seconds
    )


def run(names: list[str], workers: int, layers: str) -> list[Outcome]:
    """Probe the selected variants (all when ``names`` is empty) and the clean kernel."""
    chosen = [v for v in VARIANTS if not names or v.name in names or v.invariant in names]
    jobs: list[Variant | None] = [None, *chosen]
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: probe(job, layers), jobs))


def main(argv: list[str] | None = None) -> int:
    """Probe, print one line per kernel and the total; non-zero unless every variant is caught."""
    parser = argparse.ArgumentParser(description="Run the known-bad kernels.")
    parser.add_argument("names", nargs="*", help="variant names or INV- IDs (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="print each catch's detail")
    parser.add_argument(
        "--layers",
        default="corpus,properties,enumeration",
        help="the layers to run, comma-separated (to show each layer alone catches every bug)",
    )
    arguments = parser.parse_args(argv)
    outcomes = run(arguments.names, arguments.workers, arguments.layers)
    control, variants = outcomes[0], outcomes[1:]
    failed = False
    for outcome in variants:
        status = "CAUGHT" if outcome.caught else ("ERROR" if outcome.error else "ESCAPED")
        failed |= not outcome.caught
        line = f"  {status:8s} {outcome.invariant:22s} {outcome.name:42s} by {outcome.layer:11s}"
        print(f"{line} {outcome.seconds:5.1f} s")  # noqa: T201
        if arguments.verbose or not outcome.caught:
            print("           " + outcome.detail.replace("\n", "\n           ")[:1200])  # noqa: T201
    if control.caught or control.error:
        failed = True
        print(f"  CONTROL FLAGGED: the clean kernel was flagged: {control.detail[:1500]}")  # noqa: T201
    else:
        print(f"  control  clean kernel (contracts stripped) not flagged ({control.seconds:.1f} s)")  # noqa: T201
    invariants = {v.invariant for v in VARIANTS}
    caught = sum(outcome.caught for outcome in variants)
    print(  # noqa: T201
        f"known-bad: caught {caught} of {len(variants)} variants"
        f" ({len(invariants)} invariants with a variant; layers {arguments.layers})"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
