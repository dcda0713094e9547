"""``b12-dosing plan --timeline FILE.svg`` against a live server, rendered in headless Chromium
(Debian's ``chromium``; ``make test-tools`` installs it): the picture is not blank, every dated
mark is drawn where its date puts it, and the marks' dates are the plan's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from b12.dosing.cli import cli, timeline
from b12.dosing.client import DosingClient
from b12.dosing.v1 import dosing_pb2 as pb
from click.testing import CliRunner
from google.protobuf import json_format
from google.type import date_pb2

from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e

CHROMIUM_FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
)
BASE = [
    "--age", "52", "--deficiency", "confirmed", "--platelets", "210",
    "--start", "2026-01-31", "--horizon", "2026-12-31",
]  # fmt: skip
CASES: Final = {
    "standard loading, renal warning": [*BASE, "--formulation", "cyano", "--neuro", "absent",
                                        "--egfr", "40"],
    "open-ended neurological loading and review": [*BASE, "--formulation", "hydroxo",
                                                   "--neuro", "present"],
    "supervised, platelets 40": [*BASE, "--formulation", "cyano", "--neuro", "absent",
                                 "--platelets", "40"],
    "pregnancy review, anticoagulant": [*BASE, "--formulation", "cyano", "--neuro", "absent",
                                        "--pregnant", "--anticoagulant-therapy"],
}  # fmt: skip

# Draws the SVG onto a canvas to count the pixels that are not white, and reads every dated
# mark's box as laid out; writes both as JSON into <pre id="out">, which --dump-dom prints.
PAGE: Final = """<!doctype html><html><body style="margin:0">{svg}<pre id="out"></pre>
<script>
const svg = document.querySelector("svg");
const marks = [...svg.querySelectorAll("[data-date]")].map((element) => {{
  const box = element.getBoundingClientRect();
  return {{kind: element.dataset.kind, date: element.dataset.date, x: box.x + box.width / 2,
          width: box.width, height: box.height,
          title: element.querySelector("title")?.textContent ?? ""}};
}});
const image = new Image();
image.onload = () => {{
  const canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < pixels.length; i += 4) {{
    const dark = pixels[i] < 200 || pixels[i + 1] < 200 || pixels[i + 2] < 200;
    if (pixels[i + 3] > 0 && dark) inked += 1;
  }}
  document.getElementById("out").textContent = JSON.stringify(
    {{marks, inked, total: pixels.length / 4, width: canvas.width, height: canvas.height}});
}};
image.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(svg.outerHTML)));
</script></body></html>
"""


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None).wait()


def render(svg: str) -> dict[str, object]:
    """Load ``svg`` in headless Chromium; return what the page measured."""
    chromium = shutil.which("chromium")
    assert chromium is not None, "chromium is not installed: run `make test-tools`"
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "page.html"
        body = svg.split("?>", 1)[-1]  # inline: no XML declaration inside HTML
        page.write_text(PAGE.format(svg=body), encoding="utf-8")
        result = subprocess.run(  # noqa: S603 (a fixed browser command on our own file)
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={folder}/profile", "--dump-dom",
             page.as_uri()],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    found = re.search(r'<pre id="out">(.*?)</pre>', result.stdout, re.DOTALL)
    assert found is not None, result.stdout[-2000:]
    assert found[1], "the page measured nothing"
    return dict(json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&")))


def iso(day: date_pb2.Date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def expected_marks(plan: pb.RegimenPlan) -> list[tuple[str, str]]:
    marks = [("loading", iso(day)) for day in plan.loading.injection_dates]
    marks += [("maintenance", iso(day)) for day in plan.maintenance.injection_dates]
    marks += [("labs", iso(day)) for day in plan.monitoring.lab_check_dates]
    if plan.loading.HasField("review_date"):
        marks.append(("review", iso(plan.loading.review_date)))
    if plan.monitoring.HasField("pregnancy_review_date"):
        marks.append(("review", iso(plan.monitoring.pregnancy_review_date)))
    return sorted(marks)


@pytest.mark.parametrize("case", list(CASES))
def test_the_timeline_renders_with_the_plan_s_dates(
    address: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = CASES[case]
    svg_file = tmp_path / "plan.svg"
    result = CliRunner().invoke(
        cli, ["--address", address, "plan", *arguments, "--timeline", str(svg_file), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert f"timeline written to {svg_file}" in result.stderr
    plan = pb.PlanRegimenResponse()
    json_format.Parse(result.stdout, plan)
    measured = render(svg_file.read_text(encoding="utf-8"))
    marks = measured["marks"]
    assert isinstance(marks, list)
    drawn = sorted((mark["kind"], mark["date"]) for mark in marks)
    assert drawn == expected_marks(plan.plan)
    assert all(mark["width"] > 0 and mark["height"] > 0 for mark in marks)
    assert all(mark["title"].startswith(mark["date"]) for mark in marks)
    by_date = sorted(marks, key=lambda mark: mark["date"])
    positions = [mark["x"] for mark in by_date]
    assert positions == sorted(positions)  # later dates are drawn further right
    assert positions[0] < positions[-1]
    inked, total = measured["inked"], measured["total"]
    assert isinstance(inked, int)
    assert isinstance(total, int)
    assert 0.01 < inked / total < 0.5, (inked, total)  # not blank, not a filled box
    with capsys.disabled():
        print(  # noqa: T201 (what the browser measured)
            f"\n[timeline] {case}: {len(marks)} marks drawn at the plan's dates,"
            f" {inked / total:.1%} of {measured['width']}x{measured['height']} px inked"
        )


def test_a_referral_writes_no_timeline(address: str, tmp_path: Path) -> None:
    svg_file = tmp_path / "referral.svg"
    result = CliRunner().invoke(
        cli,
        ["--address", address, "plan", *BASE, "--formulation", "cyano", "--neuro", "absent",
         "--age", "12", "--timeline", str(svg_file)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "no timeline written" in result.stderr
    assert not svg_file.exists()


def test_a_blank_or_misdated_drawing_would_fail(address: str) -> None:
    """The checks above catch a drawing with its marks removed or a date moved."""
    request = pb.PlanRegimenRequest()
    request.profile.formulation = pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML
    request.profile.age_years = 52
    request.profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    request.profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    request.start_date.year, request.start_date.month, request.start_date.day = 2026, 1, 31
    with DosingClient(address) as client:
        plan = client.plan_regimen(request).plan
    svg = timeline.draw(timeline.plan_timeline(plan))
    blank = render(
        re.sub(r"<(text|circle|rect|path)[^>]*?(/>|>.*?</\1>)", "", svg, flags=re.DOTALL)
    )
    assert blank["inked"] == 0
    first = expected_marks(plan)[0][1]
    moved = render(svg.replace(f'data-date="{first}"', 'data-date="2099-01-01"', 1))
    assert isinstance(moved["marks"], list)
    assert sorted((m["kind"], m["date"]) for m in moved["marks"]) != expected_marks(plan)


def test_a_course_s_forward_schedule_renders_with_its_dates(address: str, tmp_path: Path) -> None:
    svg_file = tmp_path / "course.svg"
    injections = ["2026-01-05", "2026-01-07", "2026-01-09", "2026-01-11", "2026-01-13"]
    result = CliRunner().invoke(
        cli,
        ["--address", address, "assess", "--formulation", "hydroxo", "--age", "60",
         "--deficiency", "confirmed", "--neuro", "present", "--platelets", "210",
         "--start", "2026-01-05", "--reference", "2026-04-01", "--neurological-status",
         "plateaued", *[a for day in injections for a in ("--injection", day)],
         "--horizon", "2027-04-01", "--timeline", str(svg_file), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    response = pb.AssessCourseResponse()
    json_format.Parse(result.stdout, response)
    schedule = response.schedule
    expected = [("maintenance", iso(day)) for day in schedule.maintenance_dates]
    expected += [("labs", iso(day)) for day in schedule.lab_check_dates]
    expected += [("loading", iso(day)) for day in schedule.loading_dates]
    if schedule.HasField("review_date"):
        expected.append(("review", iso(schedule.review_date)))
    assert len(schedule.maintenance_dates) >= 6  # dated monthly-to-2-monthly maintenance
    measured = render(svg_file.read_text(encoding="utf-8"))
    marks = measured["marks"]
    assert isinstance(marks, list)
    assert sorted((mark["kind"], mark["date"]) for mark in marks) == sorted(expected)
    inked, total = measured["inked"], measured["total"]
    assert isinstance(inked, int)
    assert isinstance(total, int)
    assert 0.01 < inked / total < 0.5
