"""Prometheus metrics: every call counted by method and status code, with its latency, summed
over the worker processes on the launcher's one metrics port; bounded labels whatever a caller
sends; failed TLS handshakes counted. Real server processes on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench import harness, workload

pytestmark = pytest.mark.e2e

SERVICE = "b12.dosing.v1.DosingService"


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _key(
    name: str, method: str, code: str, service: str = SERVICE
) -> tuple[str, tuple[tuple[str, str], ...]]:
    labels = {"grpc_service": service, "grpc_method": method, "grpc_code": code}
    return name, tuple(sorted(labels.items()))


@pytest.mark.parametrize("workers", [1, 2], ids=["1-worker", "2-workers"])
def test_calls_are_counted_by_method_and_code_over_all_workers(
    workers: int, capsys: pytest.CaptureFixture[str]
) -> None:
    plans, invalid, unknown = 40, 7, 3
    command = harness.workers_command("--workers", str(workers), "--metrics-address", "127.0.0.1:0")
    bad = workload.typical_plan()
    bad.profile.age_years = 177
    with harness.serving(command) as server:
        options = [("grpc.use_local_subchannel_pool", 1)]
        for index in range(plans + invalid):
            with grpc.insecure_channel(server.target, options=options) as channel:  # spread
                plan = channel.unary_unary(
                    workload.PLAN_PATH, request_serializer=None, response_deserializer=None
                )
                if index < plans:
                    plan(workload.typical_plan().SerializeToString(), timeout=10)
                else:
                    with pytest.raises(grpc.RpcError) as raised:
                        plan(bad.SerializeToString(), timeout=10)
                    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        with grpc.insecure_channel(server.target) as channel:
            for index in range(unknown):
                path = f"/{SERVICE}/Nope{index}\\u00e9\\r\\nx" if index else "/no.Such/Method"
                call = channel.unary_unary(
                    path, request_serializer=None, response_deserializer=None
                )
                with pytest.raises(grpc.RpcError):
                    call(b"", timeout=10)
        text = harness.scrape_metrics(server)
        code = server.stop()
    samples = _samples(text)
    handled = {
        key: value for key, value in samples.items() if key[0] == "grpc_server_handled_total"
    }
    _report = f"{workers} worker(s): {len(text.splitlines())} lines; handled {handled}"
    with capsys.disabled():
        print(f"\n[metrics] {_report}")  # noqa: T201 (the counts belong in CI's log)
    assert samples[_key("grpc_server_handled_total", "PlanRegimen", "OK")] == plans
    assert samples[_key("grpc_server_handled_total", "PlanRegimen", "INVALID_ARGUMENT")] == invalid
    assert samples[_key("grpc_server_handling_seconds_count", "PlanRegimen", "OK")] == plans
    assert (
        samples[_key("grpc_server_handled_total", "unknown", "UNIMPLEMENTED", "unknown")] == unknown
    )
    # Bounded labels: the services are the server's own, or "unknown".
    services = {dict(labels)["grpc_service"] for name, labels in handled}
    assert services <= {SERVICE, "grpc.health.v1.Health", "unknown"}
    assert "Nope" not in text
    assert code == 0


def test_a_single_server_process_serves_its_own_metrics(tmp_path: Path) -> None:
    command = harness.wrapped_kernel_command(
        "count", 0, tmp_path / "stats.json", "--metrics-address", "127.0.0.1:0"
    )
    with harness.serving(command) as server:
        with grpc.insecure_channel(server.target) as channel:
            rules = channel.unary_unary(
                workload.RULES_PATH, request_serializer=None, response_deserializer=None
            )
            for _ in range(5):
                rules(b"", timeout=10)
        text = harness.scrape_metrics(server)
        code = server.stop()
    samples = _samples(text)
    assert samples[_key("grpc_server_handled_total", "DescribeRuleSet", "OK")] == 5
    assert samples[_key("grpc_server_handling_seconds_count", "DescribeRuleSet", "OK")] == 5
    assert code == 0
