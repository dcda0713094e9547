"""``b12-dosing plan|check|assess --batch FILE``: JSON lines in, one JSON result per line out, in
the order of the file, each a response or its own error; batches split at the server's maximum."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from b12.dosing.cli import cli
from b12.dosing.cli.calling import EXIT_INVALID_REQUEST
from b12.dosing.client import MAX_BATCH_REQUESTS
from click.testing import CliRunner

from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e

PLAN = {
    "profile": {
        "formulation": "cyanocobalamin_1000_mcg_per_ml",
        "age_years": 52,
        "deficiency_status": "confirmed",
        "neurological_involvement": "absent",
        "platelets_10e9_per_l": 210,
    },
    "start_date": "2026-01-05",
}


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    server, port = create_server("127.0.0.1:0", ServerConfig())
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None).wait()


def _run(address: str, *arguments: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(cli, ["--address", address, *arguments], catch_exceptions=False)
    return result.exit_code, [json.loads(line) for line in result.output.splitlines() if line]


def test_plans_in_a_batch_answer_line_by_line_in_order(address: str, tmp_path: Path) -> None:
    invalid = {**PLAN, "profile": {**PLAN["profile"], "age_years": 177}}  # type: ignore[dict-item]
    lines = [json.dumps(PLAN), "", json.dumps(invalid), json.dumps(PLAN)]
    batch = tmp_path / "plans.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, results = _run(address, "plan", "--batch", str(batch))
    assert code == EXIT_INVALID_REQUEST  # one request got an error
    assert [result["line"] for result in results] == [1, 3, 4]
    assert "plan" in results[0]["response"]  # type: ignore[operator]
    error = results[1]["error"]
    assert isinstance(error, dict)
    assert [item["field"] for item in error["fieldViolations"]] == ["profile.age_years"]
    assert results[2]["response"] == results[0]["response"]


def test_more_lines_than_one_batch_holds_go_in_several_calls(address: str, tmp_path: Path) -> None:
    batch = tmp_path / "many.jsonl"
    batch.write_text(
        "\n".join(json.dumps(PLAN) for _ in range(MAX_BATCH_REQUESTS + 5)) + "\n",
        encoding="utf-8",
    )
    code, results = _run(address, "plan", "--batch", str(batch))
    assert code == 0
    assert len(results) == MAX_BATCH_REQUESTS + 5
    assert [result["line"] for result in results] == list(range(1, MAX_BATCH_REQUESTS + 6))


def test_checks_and_courses_take_a_batch_too(address: str, tmp_path: Path) -> None:
    check = {"profile": PLAN["profile"], "regimen": {"dose_per_injection_mcg": 500}}
    course = {
        "profile": PLAN["profile"],
        "start_date": "2026-01-05",
        "reference_date": "2026-03-01",
        "injection_dates": ["2026-01-05", "2026-01-07"],
        "neurological_status": "none",
    }
    for command, request in (("check", check), ("assess", course)):
        batch = tmp_path / f"{command}.jsonl"
        batch.write_text(json.dumps(request) + "\n", encoding="utf-8")
        code, results = _run(address, command, "--batch", str(batch))
        assert code == 0, results
        assert [list(result) for result in results] == [["line", "response"]]


def test_a_line_that_is_not_a_request_is_a_usage_error(address: str, tmp_path: Path) -> None:
    batch = tmp_path / "bad.jsonl"
    batch.write_text(json.dumps(PLAN) + "\n[1, 2]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--address", address, "plan", "--batch", str(batch)])
    assert result.exit_code == 2
    assert "line 2" in result.output
