"""The README is true: every example in it (the CLI, buf curl, grpcurl, the Python and TypeScript
snippets, a CDS Hooks request, the timeline picture) is run against live servers and compared with
what the README prints. `make readme` rewrites the outputs after a deliberate change."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

pytestmark = pytest.mark.e2e

ROOT: Final = Path(__file__).resolve().parents[2]
RUNNER: Final = ROOT / "clients" / "readme_examples.py"
README: Final = ROOT / "README.md"
EXPECTED: Final = {
    "cli-plan", "cli-timeline", "cli-invalid", "cli-unreachable", "cli-version", "cli-assess",
    "buf-curl",
    "grpcurl-list", "grpcurl-invalid", "python-client", "typescript-client", "cds-hooks",
}  # fmt: skip


def check(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own script)
        [sys.executable, str(RUNNER), "--check", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_every_readme_example_prints_what_the_readme_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = check()
    reported = dict(re.findall(r"^example ([\w-]+): (.*)$", result.stdout, re.MULTILINE))
    with capsys.disabled():
        print(f"\n[readme] {result.stdout.splitlines()[-1] if result.stdout else result.stderr}")  # noqa: T201
    assert set(reported) >= EXPECTED
    assert result.returncode == 0, result.stdout + result.stderr + "\nrun `make readme`"
    assert set(reported.values()) == {"ok"}


def test_a_stale_output_and_a_failing_command_are_caught(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    version = re.search(r"(\$ \.venv/bin/b12-dosing --version\n)(b12-dosing .*)\n", text)
    assert version is not None
    stale = text.replace(version[0], version[1] + "b12-dosing 0.0.1 (an older client)\n")
    broken = text.replace("--neuro absent --platelets 210 --egfr 48", "--neuro nowhere --egfr 48")
    assert broken != text
    for name, changed in (("cli-version", stale), ("cli-plan", broken)):
        readme = tmp_path / f"{name}.md"
        readme.write_text(changed, encoding="utf-8")
        result = check("--readme", str(readme), "--only", name)
        assert result.returncode == 1, result.stdout
        assert re.search(rf"^example {name}: .*(differs|exit status)", result.stdout, re.MULTILINE)
