"""The two distributions, built as wheels and installed as a user would, each into a fresh virtual
environment outside the source tree:

- ``b12-dosing-client`` (clients/python): the generated code, the typed client and the CLI, with
  version ranges and nothing of the kernel or the servers;
- ``b12-dosing-server`` (the repository root): the kernel and the servers, depending on the
  client for its wire code.

The service is started from its installed wheel, and the client wheel, installed alone, plans a
regimen against it, from the command line and from Python.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from typing import Final

import pytest

pytestmark = pytest.mark.e2e

ROOT: Final = Path(__file__).resolve().parents[2]
SNIPPET: Final = """
import sys
from b12.dosing.client import DosingClient
from b12.dosing.v1 import dosing_pb2 as pb

request = pb.PlanRegimenRequest()
request.profile.formulation = pb.FORMULATION_HYDROXOCOBALAMIN_1000_MCG_PER_ML
request.profile.age_years = 47
request.profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
request.profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
request.start_date.year, request.start_date.month, request.start_date.day = 2026, 3, 2
with DosingClient(sys.argv[1]) as client:
    plan = client.plan_regimen(request).plan
print(plan.loading.injection_dates[0].day, plan.maintenance.due_interval_months)
"""


def uv() -> str:
    """The uv that `make` installs (.tools/uv-VERSION), else one on PATH."""
    found = sorted(ROOT.glob(".tools/uv-*/bin/uv"))
    path = str(found[-1]) if found else shutil.which("uv")
    assert path is not None, "uv not found: run `make venv`"
    return path


def run(*command: str, cwd: Path) -> str:
    result = subprocess.run(  # noqa: S603 (our own build and install commands)
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@dataclass(frozen=True)
class Wheels:
    client: Path
    server: Path
    folder: Path


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    out = tmp_path_factory.mktemp("wheels")
    for project in (ROOT / "clients" / "python", ROOT):
        # An sdist first, then the wheel from it (uv's default): the build happens outside the
        # source tree, and the wheel holds only what the sdist ships.
        run(uv(), "build", "--out-dir", str(out), str(project), cwd=out)
    (client,) = out.glob("b12_dosing_client-*.whl")
    (server,) = out.glob("b12_dosing_server-*.whl")
    return Wheels(client, server, out)


def metadata(wheel: Path) -> tuple[set[str], list[str]]:
    """Return a wheel's top-level packages and its Requires-Dist lines."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (meta,) = [name for name in names if name.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(meta).decode())
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    return tops, message.get_all("Requires-Dist") or []


def test_the_client_wheel_holds_only_the_client_with_version_ranges(wheels: Wheels) -> None:
    tops, requires = metadata(wheels.client)
    assert tops == {"b12"}
    with zipfile.ZipFile(wheels.client) as archive:
        names = set(archive.namelist())
    assert {"b12/py.typed", "b12/dosing/v1/dosing_pb2.pyi", "b12/dosing/cli/plan.py"} <= names
    assert requires, "the client declares its dependencies"
    assert not [line for line in requires if "==" in line]
    assert all(re.search(r">=[\d.]+,\s*<\d+|<\d+,\s*>=[\d.]+", line) for line in requires), requires


def test_the_server_wheel_holds_the_kernel_and_servers_and_depends_on_the_client(
    wheels: Wheels,
) -> None:
    tops, requires = metadata(wheels.server)
    assert tops == {"kernel", "server"}
    assert "b12-dosing-client" in requires


@dataclass(frozen=True)
class Environments:
    client_bin: Path
    address: str


@pytest.fixture(scope="module")
def environments(
    wheels: Wheels, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Environments]:
    """A fresh environment with the server wheel (serving on a free port) and another with the
    client wheel alone."""
    python = sys.executable
    server_env = tmp_path_factory.mktemp("server-env")
    client_env = tmp_path_factory.mktemp("client-env")
    for env in (server_env, client_env):
        run(uv(), "venv", "--quiet", "--python", python, str(env / "venv"), cwd=env)
    install = (uv(), "pip", "install", "--quiet", "--find-links", str(wheels.folder))
    run(
        *install,
        "--python",
        str(server_env / "venv/bin/python"),
        str(wheels.server),
        cwd=server_env,
    )
    run(
        *install,
        "--python",
        str(client_env / "venv/bin/python"),
        str(wheels.client),
        cwd=client_env,
    )
    server = subprocess.Popen(  # noqa: S603 (the installed server's own command)
        [str(server_env / "venv/bin/b12-dosing-server"), "--address", "127.0.0.1:0"],
        cwd=server_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            found = re.search(r"serving \S+ on 127\.0\.0\.1:(\d+)", line)
            if found:
                break
        else:
            pytest.fail("the installed server never served")
        drain = threading.Thread(target=server.stdout.read, daemon=True)  # the access log
        drain.start()
        yield Environments(client_env / "venv" / "bin", f"127.0.0.1:{found[1]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def test_the_installed_client_holds_neither_kernel_nor_server(environments: Environments) -> None:
    python = str(environments.client_bin / "python")
    probe = (
        "import importlib.util as u; print([u.find_spec(m) is None for m in ('kernel', 'server')])"
    )
    assert run(python, "-c", probe, cwd=environments.client_bin).strip() == "[True, True]"


def test_the_installed_cli_plans_a_regimen_against_the_installed_server(
    environments: Environments,
) -> None:
    output = run(
        str(environments.client_bin / "b12-dosing"),
        "--address", environments.address, "plan", "--formulation", "cyanocobalamin",
        "--age", "52", "--deficiency", "confirmed", "--neuro", "absent",
        "--start", "2026-01-05", "--horizon", "2026-03-31",
        cwd=environments.client_bin,
    )  # fmt: skip
    assert "PLAN: HOME" in output
    assert "2026-01-16 │ loading dose 6" in output
    assert "2026-02-16 │ maintenance dose 1" in output


def test_the_installed_client_plans_a_regimen_from_python(environments: Environments) -> None:
    python = str(environments.client_bin / "python")
    output = run(python, "-c", SNIPPET, environments.address, cwd=environments.client_bin)
    # Loading from the start date (2 March); hydroxocobalamin maintenance every 2 months.
    assert output.split() == ["2", "2"]
