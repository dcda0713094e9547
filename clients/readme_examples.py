r"""Run the README's examples against live servers, and write or check what the README prints.

``python clients/readme_examples.py`` (what ``make readme`` runs) starts the gRPC server and the
CDS Hooks service on free loopback ports, runs every example of README.md and writes each one's
output into the README; ``--check`` (what the test suite runs) writes nothing and fails, with a
diff per example, when the README differs from what the examples print now. So the README cannot
go stale: a change of wording, of the rule-set version or of a response shows up as a failing
test, and one command brings the README up to date.

An example is a fenced block preceded by ``<!-- example: NAME -->`` (optionally ``exit=N``, the
exit status every command of the block must end with):

- ``console``: lines starting with ``$ `` (continued by a trailing ``\`` or an open quote) are
  commands, run by bash from the repository root; the lines after each, up to the next command,
  are its output (standard output and standard error, as a terminal shows them, 100 columns);
- ``python``: run by the repository's interpreter;
- ``ts``: compiled by the TypeScript package's own ``tsc`` (strict) in a fresh npm project that
  installs ``clients/typescript`` as a user would, then run by Node;

the output of a ``python`` or ``ts`` example is the ``text`` block preceded by
``<!-- output: NAME -->``. The README names the default addresses (127.0.0.1:50051 for gRPC,
127.0.0.1:8080 for CDS Hooks): they are swapped for the live servers' ports when an example runs,
and back in what it prints. A ``--timeline FILE`` written by an example is compared with the
committed FILE under ``--check``, and rewritten otherwise.
"""

# ruff: noqa: INP001, T201 (a stand-alone script run by `make readme` and the tests)

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
README: Final = ROOT / "README.md"
TYPESCRIPT: Final = ROOT / "clients" / "typescript"
GRPC_DEFAULT: Final = "127.0.0.1:50051"
CDS_DEFAULT: Final = "127.0.0.1:8080"
EXAMPLE: Final = re.compile(
    r"<!-- example: (?P<name>[\w-]+)(?P<options>[^>]*?)\s*-->\n"
    r"```(?P<lang>\w+)\n(?P<body>.*?)```\n",
    re.DOTALL,
)
TIMELINE: Final = re.compile(r"--timeline (\S+)")
TIMEOUT_SECONDS: Final = 180


@dataclass(frozen=True)
class Servers:
    """The live servers' addresses."""

    grpc: str
    cds: str

    def to_live(self, text: str) -> str:
        """Swap the README's default addresses for the live ones."""
        return text.replace(GRPC_DEFAULT, self.grpc).replace(CDS_DEFAULT, self.cds)

    def to_readme(self, text: str) -> str:
        """Swap the live addresses back for the README's defaults."""
        return text.replace(self.grpc, GRPC_DEFAULT).replace(self.cds, CDS_DEFAULT)


@dataclass(frozen=True)
class Result:
    """One example: its name, the README's text of its output, and the text it prints now."""

    name: str
    span: tuple[int, int]  # where the output text sits in the README
    readme: str
    fresh: str
    problems: tuple[str, ...] = ()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(servers: Servers) -> dict[str, str]:
    environment = {
        **os.environ,
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "B12_DOSING_ADDRESS": servers.grpc,
    }
    environment.pop("FORCE_COLOR", None)
    return environment


@contextlib.contextmanager
def live_servers() -> Iterator[Servers]:
    """Start the gRPC server (contracts off, as `make run`) and the CDS Hooks service."""
    python = sys.executable
    grpc_server = subprocess.Popen(  # noqa: S603 (our own modules)
        [python, "-O", "-m", "server", "--address", "127.0.0.1:0", "--access-log", "off"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    cds_port = _free_port()
    cds_server = subprocess.Popen(  # noqa: S603 (our own modules)
        [
            python,
            "-O",
            "-m",
            "server.cds_hooks",
            "--host",
            "127.0.0.1",
            "--port",
            str(cds_port),
            "--insecure-no-auth",
        ],  # as `make run` serves it
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert grpc_server.stdout is not None
        port = None
        for line in grpc_server.stdout:
            found = re.search(r"serving \S+ on 127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found[1])
                break
        if port is None:
            message = "the gRPC server did not start"
            raise SystemExit(message)
        _wait_for(cds_port)
        yield Servers(f"127.0.0.1:{port}", f"127.0.0.1:{cds_port}")
    finally:
        for process in (grpc_server, cds_server):
            process.terminate()
            process.wait(timeout=30)
        if grpc_server.stdout is not None:
            grpc_server.stdout.close()


def _wait_for(port: int) -> None:
    for _ in range(200):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        subprocess.run(["sleep", "0.05"], check=True)  # noqa: S607 (coreutils)
    message = f"the CDS Hooks service did not start on port {port}"
    raise SystemExit(message)


def _continues(command: str) -> bool:
    """Whether a command goes on to the next line: a trailing backslash, or an open quote."""
    return command.endswith("\\") or command.count("'") % 2 == 1


def _commands(body: str) -> list[str]:
    """Return the commands of a console block (each with its continuation lines), in order."""
    commands: list[str] = []
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].startswith("$ "):
            command = [lines[index][2:]]
            while _continues("\n".join(command)) and index + 1 < len(lines):
                index += 1
                command.append(lines[index])
            commands.append("\n".join(command))
        index += 1
    return commands


def _run_console(
    body: str, servers: Servers, scratch: Path, *, check: bool, exit_status: int
) -> tuple[str, list[str]]:
    blocks: list[str] = []
    problems: list[str] = []
    for command in _commands(body):
        live = servers.to_live(command)
        timelines: list[tuple[str, Path]] = []
        if check:
            for target in TIMELINE.findall(command):
                fresh = scratch / Path(target).name
                timelines.append((target, fresh))
                live = live.replace(f"--timeline {target}", f"--timeline {fresh}")
        result = subprocess.run(  # noqa: S603 (the README's own commands)
            ["bash", "-c", live],  # noqa: S607
            cwd=ROOT,
            env=_environment(servers),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=TIMEOUT_SECONDS,
        )
        if result.returncode != exit_status:
            problems.append(f"exit status {result.returncode}, the README says {exit_status}")
        output = servers.to_readme(result.stdout)
        for target, fresh in timelines:
            committed = ROOT / target
            if not committed.exists() or committed.read_bytes() != fresh.read_bytes():
                problems.append(f"{target} differs from what the example draws now")
            output = output.replace(str(fresh), target)
        blocks.append(f"$ {command}\n{_ended(output)}")
    return "\n".join(blocks), problems


def _run_python(body: str, servers: Servers) -> tuple[str, list[str]]:
    result = subprocess.run(  # noqa: S603 (the README's own snippet)
        [sys.executable, "-c", servers.to_live(body)],
        cwd=ROOT,
        env=_environment(servers),
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )
    problems = [] if result.returncode == 0 else [f"exit status {result.returncode}"]
    return _ended(servers.to_readme(result.stdout + result.stderr)), problems


def _ended(output: str) -> str:
    """Return ``output`` without trailing spaces on its lines (rich pads some) and ending with a
    newline, so that the closing fence stays on its own line."""
    lines = [line.rstrip() for line in output.splitlines()]
    return "".join(f"{line}\n" for line in lines)


def _typescript_project(scratch: Path) -> Path:
    """Make a fresh npm project that installs the TypeScript package from clients/typescript."""
    project = scratch / "ts-project"
    project.mkdir()
    (project / "package.json").write_text(
        '{"name": "readme-example", "private": true, "type": "module"}\n', encoding="utf-8"
    )
    npm = shutil.which("npm")
    if npm is None or not (TYPESCRIPT / "dist" / "src" / "index.js").exists():
        message = "the TypeScript package is not built: run `make test-tools`"
        raise SystemExit(message)
    subprocess.run(  # noqa: S603 (npm installs our own package)
        [
            npm,
            "install",
            "--no-audit",
            "--no-fund",
            "--prefer-offline",
            "--silent",
            str(TYPESCRIPT),
        ],
        cwd=project,
        check=True,
        timeout=TIMEOUT_SECONDS,
    )
    return project


def _run_typescript(body: str, servers: Servers, project: Path) -> tuple[str, list[str]]:
    source = project / "example.ts"
    source.write_text(servers.to_live(body), encoding="utf-8")
    tsc = TYPESCRIPT / "node_modules" / ".bin" / "tsc"
    compiled = subprocess.run(  # noqa: S603 (the package's own compiler)
        [str(tsc), "--strict", "--target", "es2022", "--module", "nodenext",
         "--moduleResolution", "nodenext", "--skipLibCheck", str(source)],
        cwd=project, capture_output=True, text=True, check=False, timeout=TIMEOUT_SECONDS,
    )  # fmt: skip
    if compiled.returncode != 0:
        return compiled.stdout + compiled.stderr, ["tsc rejects the snippet"]
    node = shutil.which("node") or "node"
    result = subprocess.run(  # noqa: S603 (the compiled snippet)
        [node, str(project / "example.js")],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )
    problems = [] if result.returncode == 0 else [f"exit status {result.returncode}"]
    return _ended(servers.to_readme(result.stdout + result.stderr)), problems


def run_examples(text: str, *, check: bool, only: Sequence[str] = ()) -> list[Result]:
    """Run every example of the README ``text``; return each one's README and fresh output."""
    results: list[Result] = []
    with live_servers() as servers, tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        project: Path | None = None
        for match in EXAMPLE.finditer(text):
            name, lang, body = match["name"], match["lang"], match["body"]
            if only and name not in only:
                continue
            options = dict(re.findall(r"(\w+)=(\S+)", match["options"]))
            if lang == "console":
                fresh, problems = _run_console(
                    body, servers, scratch, check=check, exit_status=int(options.get("exit", 0))
                )
                span = match.span("body")
            else:
                output = re.compile(
                    rf"<!-- output: {re.escape(name)} -->\n```text\n(?P<body>.*?)```\n", re.DOTALL
                ).search(text, match.end())
                if output is None:
                    message = f"example {name}: no <!-- output: {name} --> text block after it"
                    raise SystemExit(message)
                span = output.span("body")
                if lang == "python":
                    fresh, problems = _run_python(body, servers)
                elif lang == "ts":
                    project = project or _typescript_project(scratch)
                    fresh, problems = _run_typescript(body, servers, project)
                else:
                    message = f"example {name}: cannot run a {lang} block"
                    raise SystemExit(message)
            results.append(Result(name, span, text[span[0] : span[1]], fresh, tuple(problems)))
    return results


def rewrite(text: str, results: Sequence[Result]) -> str:
    """Return ``text`` with every example's output replaced by its fresh output."""
    for result in sorted(results, key=lambda item: item.span, reverse=True):
        text = text[: result.span[0]] + result.fresh + text[result.span[1] :]
    return text


def main() -> int:
    """Write the README's example outputs, or with ``--check`` report stale ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if an output is stale")
    parser.add_argument("--readme", type=Path, default=README, help="the README (README.md)")
    parser.add_argument("--only", action="append", default=[], help="run only this example")
    arguments = parser.parse_args()
    text = arguments.readme.read_text(encoding="utf-8")
    results = run_examples(text, check=arguments.check, only=arguments.only)
    stale = 0
    for result in results:
        problems = list(result.problems)
        if result.fresh != result.readme:
            problems.append("output differs")
        status = "ok" if not problems else "; ".join(problems)
        print(f"example {result.name}: {status}")
        if arguments.check and result.fresh != result.readme:
            diff = difflib.unified_diff(
                result.readme.splitlines(keepends=True),
                result.fresh.splitlines(keepends=True),
                f"README ({result.name})",
                "what it prints now",
            )
            sys.stdout.writelines(diff)
        stale += bool(problems)
    print(f"{len(results)} examples run, {stale} stale or failing")
    if not arguments.check:
        # An example that failed keeps the README's text: a broken run never overwrites it.
        passing = [result for result in results if not result.problems]
        arguments.readme.write_text(rewrite(text, passing), encoding="utf-8")
        return 0 if len(passing) == len(results) else 1
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
