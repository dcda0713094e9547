"""Multi-core serving: several server processes sharing one port (SO_REUSEPORT).

    python -O -m server.grpc.workers --workers 2 [any flag of ``python -m server``]
    B12_DOSING_WORKERS=2 python -O -m server.grpc.workers --address 0.0.0.0:50051

A Python process runs Python code on one core at a time, so one server process uses about one
core however many threads it has. This launcher starts ``--workers`` copies of the server
(``server.grpc.main``, each with every flag given here), each in its own process, all listening on
the same address with SO_REUSEPORT: the operating system spreads new connections over them.
A gRPC connection stays with the worker that accepted it, so clients that open one connection
and keep it use one worker; spread load with several connections (or several clients).

- Signals: SIGTERM and SIGINT are forwarded to every worker, which drains and stops gracefully
  (``server.grpc.main``); a second signal is forwarded too and cuts the grace period short. The
  launcher exits 0 once every worker has exited 0.
- A worker killed by a signal (a crash, the out-of-memory killer, SIGKILL), or stopped by a
  signal sent to it alone, is started again, at most ``RESTART_LIMIT`` times within
  ``RESTART_WINDOW_SECONDS``; the other workers keep serving meanwhile.
- A hung worker is noticed: the launcher checks each worker's health over a pipe of its own
  every ``HEALTH_INTERVAL_SECONDS`` (the worker's event loop answers); a worker that has not
  answered for ``HEALTH_TIMEOUT_SECONDS`` (stopped by SIGSTOP, or its loop stuck) is killed
  (SIGKILL), which closes its connections at once, so that their clients fail fast
  (UNAVAILABLE) and reconnect to the other workers; it is then started again like a crashed one,
  within the same restart budget. A worker that exits
  with a non-zero status (it cannot serve: the address is taken, a TLS file is missing) stops
  the group, and the launcher exits with a non-zero status.
- Workers die with the launcher (``PR_SET_PDEATHSIG``), so none is left behind.
- Port 0: the launcher reserves a free port for its lifetime (a bound, not listening
  SO_REUSEPORT socket, which never receives connections) and gives it to every worker; it logs
  the address it serves: ``serving 127.0.0.1:PORT with N workers``.

Any process of the same user can join a SO_REUSEPORT port; run the service under its own user.
Linux only (SO_REUSEPORT balancing and ``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Final

from kernel import model
from server.grpc import config as configuration
from server.grpc import metrics
from server.grpc.service import KernelPort

_log = logging.getLogger("b12_dosing.workers")

WORKERS_ENV: Final = configuration.ENV_PREFIX + "WORKERS"
RESTART_LIMIT: Final = 5
RESTART_WINDOW_SECONDS: Final = 60.0
# After the workers' own drain and grace periods, how long the launcher waits before it kills
# the workers that are still running.
STOP_MARGIN_SECONDS: Final = 10.0
POLL_SECONDS: Final = 0.1
STATS_INTERVAL_SECONDS: Final = 0.2
HEALTH_INTERVAL_SECONDS: Final = 0.5
HEALTH_TIMEOUT_SECONDS: Final = 2.0
# A worker has this long to answer its first health check (interpreter start and imports).
STARTUP_SECONDS: Final = 30.0
_HEALTH_PING: Final = b"?"
EXIT_FAILED: Final = 1
_PR_SET_PDEATHSIG: Final = 1


def usable_cores() -> int:
    """Return the number of cores this process may run on."""
    return len(os.sched_getaffinity(0))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        message = f"must be at least 1: {text}"
        raise argparse.ArgumentTypeError(message)
    return value


def _cpu_list(text: str) -> tuple[int, ...]:
    try:
        cpus = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error
    if not cpus or min(cpus) < 0:
        message = f"not a list of core numbers: {text!r}"
        raise argparse.ArgumentTypeError(message)
    return cpus


def parser(prog: str = "python -m server.grpc.workers") -> argparse.ArgumentParser:
    """Return the parser of the launcher's own flags (every other flag goes to the workers)."""
    result = argparse.ArgumentParser(
        prog=prog,
        description="Serve with several worker processes sharing one port (SO_REUSEPORT). "
        "Every other flag is a flag of `python -m server` (see its --help) and applies to "
        "each worker.",
        allow_abbrev=False,
    )
    result.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help=f"worker processes; env {WORKERS_ENV} (default: the usable cores,"
        f" {usable_cores()} here)",
    )
    result.add_argument(
        "--cpus",
        type=_cpu_list,
        default=None,
        metavar="LIST",
        help="pin worker i to core LIST[i %% len(LIST)], e.g. 0,1 (default: not pinned)",
    )
    result.add_argument(
        "--stats-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="benchmark hook: each worker writes the number of calls the kernel answered to"
        " DIR/calls.<pid>, five times a second",
    )
    # Internal: how the launcher starts a worker.
    result.add_argument("--worker-cpu", type=int, default=None, help=argparse.SUPPRESS)
    result.add_argument("--health-fd", type=int, default=None, help=argparse.SUPPRESS)
    result.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return result


@dataclass(frozen=True)
class LaunchOptions:
    """The launcher's own flags, and the flags left for the workers."""

    workers: int
    cpus: tuple[int, ...] | None
    stats_dir: Path | None
    worker: bool
    worker_cpu: int | None
    health_fd: int | None
    server_argv: tuple[str, ...]


def parse(argv: Sequence[str] | None, prog: str = "python -m server.grpc.workers") -> LaunchOptions:
    """Split ``argv`` into the launcher's flags and the workers' flags."""
    command_line = parser(prog)
    own, rest = command_line.parse_known_args(argv)
    workers = own.workers
    if workers is None:
        text = os.environ.get(WORKERS_ENV, "")
        try:
            workers = _positive(text) if text else usable_cores()
        except (ValueError, argparse.ArgumentTypeError) as error:
            command_line.error(f"{WORKERS_ENV}: {error}")
    return LaunchOptions(
        workers=workers,
        cpus=own.cpus,
        stats_dir=own.stats_dir,
        worker=own.worker,
        worker_cpu=own.worker_cpu,
        health_fd=own.health_fd,
        server_argv=tuple(rest),
    )


# ---------------------------------------------------------------------------------------------
# In a worker.
# ---------------------------------------------------------------------------------------------


def die_with_parent() -> None:
    """Have the kernel send SIGTERM to this process when its parent dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def pin(cpu: int | None) -> None:
    """Run this process on core ``cpu`` only (no-op for ``None``)."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


class CallCounter:
    """A thread-safe count of answered calls, written to ``DIR/calls.<pid>`` by a daemon thread
    (the benchmark compares it with its load generator's count of successes)."""

    def __init__(self) -> None:
        """Start at zero."""
        self._lock = threading.Lock()
        self._count = 0

    def add(self, calls: int = 1) -> None:
        """Count answered calls (one by default)."""
        with self._lock:
            self._count += calls

    @property
    def count(self) -> int:
        """The calls counted so far."""
        with self._lock:
            return self._count

    def write(self, path: Path) -> None:
        """Write the count to ``path`` atomically (write, then rename)."""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(str(self.count), encoding="ascii")
        temporary.replace(path)

    def publish(self, stats_dir: Path) -> None:
        """Write the count to ``stats_dir`` now, every ``STATS_INTERVAL_SECONDS`` and when the
        process exits."""
        stats_dir.mkdir(parents=True, exist_ok=True)
        path = stats_dir / f"calls.{os.getpid()}"
        self.write(path)
        atexit.register(self.write, path)

        def loop() -> None:
            while True:
                time.sleep(STATS_INTERVAL_SECONDS)
                with contextlib.suppress(OSError):
                    self.write(path)

        threading.Thread(target=loop, name="call-counter", daemon=True).start()


class CountingKernel:
    """The kernel, counting the calls it answers (the benchmark's per-process count)."""

    def __init__(self, kernel: KernelPort, counter: CallCounter) -> None:
        """Wrap ``kernel`` (the ``kernel`` package or any KernelPort)."""
        self._kernel = kernel
        self._counter = counter

    def plan_regimen(self, request: model.PlanRequest, /) -> model.PlanOutcome:
        """Plan a regimen (counted)."""
        result = self._kernel.plan_regimen(request)
        self._counter.add()
        return result

    def check_regimen(self, request: model.CheckRequest, /) -> model.CheckOutcome:
        """Check a regimen (counted)."""
        result = self._kernel.check_regimen(request)
        self._counter.add()
        return result

    def assess_course(self, request: model.CourseRequest, /) -> model.CourseOutcomeResult:
        """Assess a course (counted)."""
        result = self._kernel.assess_course(request)
        self._counter.add()
        return result

    def describe_rules(self) -> model.RuleSet:
        """Describe the rule set (counted)."""
        result = self._kernel.describe_rules()
        self._counter.add()
        return result

    def validate_plan_request(
        self, request: model.PlanRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        """Validate a plan request (not counted: part of an invalid call)."""
        return self._kernel.validate_plan_request(request)

    def validate_check_request(
        self, request: model.CheckRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        """Validate a check request (not counted: part of an invalid call)."""
        return self._kernel.validate_check_request(request)

    def validate_course_request(
        self, request: model.CourseRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        """Validate a course request (not counted: part of an invalid call)."""
        return self._kernel.validate_course_request(request)


def answer_health_checks(health_fd: int | None) -> None:
    """Answer the launcher's health checks on ``health_fd`` from the running event loop (no-op
    for ``None``), so that an answer proves the loop runs. Call it once the server serves."""
    if health_fd is None:
        return
    channel = socket.socket(fileno=health_fd)
    channel.settimeout(0.0)
    loop = asyncio.get_running_loop()

    def answer() -> None:
        try:
            asked = channel.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            asked = b""
        if not asked:  # the launcher has gone
            loop.remove_reader(channel)
            return
        with contextlib.suppress(OSError):
            channel.send(asked)

    loop.add_reader(channel, answer)


def run_worker(options: LaunchOptions) -> int:
    """Serve as one worker: ``server.grpc.main`` with the flags the launcher gave."""
    import kernel as kernel_package  # noqa: PLC0415 (only a worker needs the kernel)
    from server.grpc import main as server_main  # noqa: PLC0415

    die_with_parent()
    pin(options.worker_cpu)
    port: KernelPort = kernel_package
    if options.stats_dir is not None:
        counter = CallCounter()
        counter.publish(options.stats_dir)
        port = CountingKernel(kernel_package, counter)
    return server_main.main(
        list(options.server_argv),
        kernel=port,
        on_started=lambda _: answer_health_checks(options.health_fd),
    )


# ---------------------------------------------------------------------------------------------
# In the launcher.
# ---------------------------------------------------------------------------------------------


def reserve_port(address: str) -> tuple[str, socket.socket | None]:
    """Return ``address`` with a concrete port, and the socket that holds a port picked for
    port 0 (keep it open while the workers run; ``None`` when the port was given)."""
    host, port = configuration.split_address(address)
    if port != 0:
        return address, None
    family, kind, protocol, _, where = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0]
    holder = socket.socket(family, kind, protocol)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(where)
    chosen = holder.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{chosen}", holder


def _interpreter() -> list[str]:
    """Return the interpreter and the flags that change what runs (-O strips contracts)."""
    return [sys.executable, *(["-" + "O" * sys.flags.optimize] if sys.flags.optimize else [])]


def worker_command(module: str, options: LaunchOptions, index: int, address: str) -> list[str]:
    """Return the command line of worker ``index``: ``module`` in worker mode, bound to
    ``address`` with SO_REUSEPORT (the flags given last win; the launcher adds the descriptor
    of the worker's health pipe, ``--health-fd N``, when it starts it)."""
    command = [*_interpreter(), "-m", module, "--worker"]
    if options.cpus:
        command += ["--worker-cpu", str(options.cpus[index % len(options.cpus)])]
    if options.stats_dir is not None:
        command += ["--stats-dir", str(options.stats_dir)]
    return [*command, *options.server_argv, "--address", address, "--reuse-port", "true"]


class Supervisor:
    """Runs worker processes: forwards signals, restarts crashed workers, reports the status."""

    def __init__(self, commands: Sequence[Sequence[str]], stop_timeout: float) -> None:
        """Prepare to run one process per command; ``stop_timeout`` bounds the wait after a
        stop signal before the remaining workers are killed."""
        self._commands = [list(command) for command in commands]
        self._stop_timeout = stop_timeout
        self._processes: list[subprocess.Popen[bytes] | None] = [None] * len(commands)
        self._health: list[_HealthCheck | None] = [None] * len(commands)
        self._signals: list[int] = []
        self._wake = threading.Event()
        self._restarts: list[float] = []

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals.append(signum)
        self._wake.set()

    def _start(self, index: int) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            command = [*self._commands[index], "--health-fd", str(theirs.fileno())]
            process = subprocess.Popen(command, pass_fds=(theirs.fileno(),))  # noqa: S603 (our own interpreter and module)
        self._processes[index] = process
        previous = self._health[index]
        if previous is not None:
            previous.close()
        self._health[index] = _HealthCheck(ours)
        _log.info("worker %d started (pid %d)", index, process.pid)

    def _check_health(self) -> None:
        """Ask every live worker whether it answers; kill the ones that stopped answering."""
        now = time.monotonic()
        for index, process in enumerate(self._processes):
            check = self._health[index]
            if process is None or check is None or process.poll() is not None:
                continue
            silent = check.look(now)
            if silent is not None:
                _log.error(
                    "worker %d (pid %d) has not answered its health check for %.1fs: killed",
                    index,
                    process.pid,
                    silent,
                )
                with contextlib.suppress(ProcessLookupError):
                    process.kill()

    def _live(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in self._processes if p is not None and p.poll() is None]

    def _forward(self, signum: int) -> None:
        for process in self._live():
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signum)

    def _may_restart(self) -> bool:
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW_SECONDS]
        if len(self._restarts) >= RESTART_LIMIT:
            return False
        self._restarts.append(now)
        return True

    def run(self) -> int:
        """Start every worker and supervise until all have exited; return the exit status."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            return self._supervise()
        finally:
            for process in self._live():
                process.kill()
                process.wait()
            for check in self._health:
                if check is not None:
                    check.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _reap(self, *, stopping: bool) -> int:
        """Handle the workers that exited since the last look; return a non-zero status when
        one of them failed."""
        status = 0
        for index, process in enumerate(self._processes):
            if process is None or process.poll() is None:
                continue
            code = process.returncode
            self._processes[index] = None
            if stopping:
                # A worker still starting, or already past its own handlers, dies of the
                # forwarded signal itself: with nothing in progress, that is a clean stop.
                if code != 0 and -code not in self._signals:
                    _log.warning("worker %d exited with status %d", index, code)
                    status = EXIT_FAILED
            elif code <= 0 and self._may_restart():
                # Killed by a signal, or stopped by one sent to it alone: start it again.
                how = f"killed by {signal.Signals(-code).name}" if code else "stopped"
                _log.warning("worker %d (pid %d) %s: starting it again", index, process.pid, how)
                self._start(index)
            else:
                _log.error("worker %d exited with status %d: stopping", index, code)
                status = EXIT_FAILED
                self._on_signal(signal.SIGTERM, None)
        return status

    def _supervise(self) -> int:
        for index in range(len(self._commands)):
            self._start(index)
        status = 0
        stopping_since: float | None = None
        forwarded = 0
        while True:
            while forwarded < len(self._signals):
                signum = self._signals[forwarded]
                forwarded += 1
                if stopping_since is None:
                    stopping_since = time.monotonic()
                    _log.info("%s: stopping the workers", signal.Signals(signum).name)
                self._forward(signum)
            status = self._reap(stopping=stopping_since is not None) or status
            if all(process is None for process in self._processes):
                return status
            if stopping_since is None:
                self._check_health()
            if (
                stopping_since is not None
                and time.monotonic() - stopping_since > self._stop_timeout
            ):
                _log.error("workers still running %gs after the stop: killed", self._stop_timeout)
                for process in self._live():
                    process.kill()
                status = EXIT_FAILED
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()


class _HealthCheck:
    """The launcher's end of one worker's health pipe: asks every ``HEALTH_INTERVAL_SECONDS``
    and tells how long the worker has been silent once that is over the limit."""

    def __init__(self, channel: socket.socket) -> None:
        """Check over ``channel`` (a connected socket; the worker holds the other end)."""
        channel.settimeout(0.0)
        self._channel = channel
        started = time.monotonic()
        self._last_answer: float | None = None
        self._started = started
        self._next_ask = started

    def look(self, now: float) -> float | None:
        """Read the answers, ask again when it is time; return the seconds of silence when the
        worker is over the limit (``None`` while it is healthy or still starting)."""
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while self._channel.recv(4096):
                self._last_answer = now
        if now >= self._next_ask:
            self._next_ask = now + HEALTH_INTERVAL_SECONDS
            with contextlib.suppress(BlockingIOError, OSError):
                self._channel.send(_HEALTH_PING)
        if self._last_answer is None:
            silent = now - self._started
            return silent if silent > STARTUP_SECONDS else None
        silent = now - self._last_answer
        return silent if silent > HEALTH_TIMEOUT_SECONDS else None

    def close(self) -> None:
        """Close the launcher's end."""
        self._channel.close()


def launch(argv: Sequence[str] | None, module: str, prog: str) -> int:
    """Run the launcher (or, with the internal ``--worker`` flag, one worker) of ``module``,
    whose ``run_worker``-like entry point serves with ``options.server_argv``."""
    options = parse(argv, prog)
    config = configuration.load(list(options.server_argv))  # exits 2 on a bad flag
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        address, holder = reserve_port(config.address)
    except (OSError, ValueError) as error:
        _log.error("cannot listen on %s: %s", config.address, error)
        return EXIT_FAILED
    with (
        holder if holder is not None else contextlib.nullcontext(),
        tempfile.TemporaryDirectory(prefix="b12-metrics-") as metrics_dir,
    ):
        # Every worker records its metrics into files here; the launcher serves their sum.
        os.environ[metrics.MULTIPROCESS_ENV] = metrics_dir
        if config.metrics_address:
            try:
                host, metrics_port = metrics.serve(config.metrics_address)
            except (OSError, ValueError) as error:
                _log.error("cannot serve metrics on %s: %s", config.metrics_address, error)
                return EXIT_FAILED
            _log.info("metrics of all workers on http://%s:%d/metrics", host, metrics_port)
        commands = [
            [*worker_command(module, options, index, address), "--metrics-address", ""]
            for index in range(options.workers)
        ]
        _log.info("serving %s with %d workers", address, options.workers)
        stop_timeout = config.drain_seconds + config.grace_seconds + STOP_MARGIN_SECONDS
        status = Supervisor(commands, stop_timeout).run()
    _log.info("all workers stopped (status %d)", status)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m server.grpc.workers``: the launcher, or one worker."""
    options = parse(argv)
    if options.worker:
        return run_worker(options)
    return launch(argv, "server.grpc.workers", "python -m server.grpc.workers")


if __name__ == "__main__":
    sys.exit(main())
