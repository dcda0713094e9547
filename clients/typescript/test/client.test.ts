// Calls every RPC of the Python server from Node, over a real port on 127.0.0.1.
//
// The server is started as `python -m server --address 127.0.0.1:0` (the repository's virtual
// environment, or $B12_PYTHON) and its port read from its "serving ..." log line.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

import {
  Code as FindingCode,
  CourseNeurologicalStatus,
  CoursePhase,
  DeficiencyStatus,
  ExportFormat,
  FhirIntent,
  Formulation,
  LoadingPattern,
  NeurologicalInvolvement,
  PatientProfileSchema,
  ReferReason,
  Route,
  Severity,
  MAX_BATCH_REQUESTS,
  createDosingClient,
  date,
  fieldViolations,
  statusFieldViolations,
  type DosingClient,
  type ProtoDate,
} from "../src/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
const python = process.env["B12_PYTHON"] ?? join(root, ".venv", "bin", "python");

let server: ChildProcess | undefined;
let client: DosingClient;

function startServer(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    assert.ok(existsSync(python), `no Python at ${python}: run \`make venv\``);
    const child = spawn(python, ["-m", "server", "--address", "127.0.0.1:0"], {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    server = child;
    let log = "";
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30_000);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      log += chunk;
      const match = /serving \S+ on 127\.0\.0\.1:(\d+)/.exec(log);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${String(code)}:\n${log}`));
    });
  });
}

before(async () => {
  const port = await startServer();
  client = createDosingClient(`http://127.0.0.1:${port}`);
});

after(() => {
  server?.removeAllListeners("exit");
  server?.kill("SIGTERM");
});

const profile: MessageInitShape<typeof PatientProfileSchema> = {
  formulation: Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
  ageYears: 45,
  deficiencyStatus: DeficiencyStatus.CONFIRMED,
  neurologicalInvolvement: NeurologicalInvolvement.ABSENT,
  platelets10e9PerL: 200,
};

function iso(value: ProtoDate | undefined): string {
  assert.ok(value !== undefined);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${value.year}-${pad(value.month)}-${pad(value.day)}`;
}

describe("DosingService from Node", () => {
  it("PlanRegimen: standard loading on days 0, 2, 4, 7, 9, 11, then monthly", async () => {
    const response = await client.planRegimen({
      profile,
      startDate: date(2025, 1, 6),
      horizonDate: date(2025, 6, 30),
      route: Route.INTRAMUSCULAR,
    });
    assert.equal(response.outcome.case, "plan");
    const plan = response.outcome.value;
    assert.equal(plan.loading?.pattern, LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS);
    assert.deepEqual(plan.loading?.injectionDates.map(iso), [
      "2025-01-06",
      "2025-01-08",
      "2025-01-10",
      "2025-01-13",
      "2025-01-15",
      "2025-01-17",
    ]);
    assert.equal(plan.maintenance?.dueIntervalMonths, 1);
    assert.equal(iso(plan.maintenance?.firstDueDate), "2025-02-17");
    assert.equal(plan.maintenance?.lifelong, true);
  });

  it("PlanRegimen: a referral under 16, citing the rule", async () => {
    const response = await client.planRegimen({
      profile: { ...profile, ageYears: 15 },
      startDate: date(2025, 1, 6),
      route: Route.INTRAMUSCULAR,
    });
    assert.equal(response.outcome.case, "referral");
    assert.deepEqual(response.outcome.value.reasons, [ReferReason.OUT_OF_SCOPE_AGE]);
    assert.ok(response.outcome.value.ruleIds.includes("D-SCOPE-AGE"));
  });

  it("CheckRegimen: 100 mcg is the dose finding, citing R-DOSE-1000", async () => {
    const response = await client.checkRegimen({
      profile,
      regimen: { dosePerInjectionMcg: 100, maintenanceIntervalMonths: 1 },
    });
    const finding = response.findings.find((f) => f.code === FindingCode.DOSE_BELOW_RECOMMENDED);
    assert.ok(finding, "DOSE_BELOW_RECOMMENDED");
    assert.equal(finding.severity, Severity.WARNING);
    assert.ok(finding.ruleIds.includes("R-DOSE-1000"));
    assert.ok(finding.ruleIds.includes("D-CHECK"));
  });

  it("AssessCourse: the third loading dose is due two days after the second", async () => {
    const response = await client.assessCourse({
      profile,
      startDate: date(2025, 1, 6),
      referenceDate: date(2025, 1, 9),
      injectionDates: [date(2025, 1, 6), date(2025, 1, 8)],
      neurologicalStatus: CourseNeurologicalStatus.NONE,
    });
    assert.equal(response.phase, CoursePhase.STANDARD_LOADING);
    assert.equal(iso(response.nextDueDate), "2025-01-10");
    assert.equal(response.daysOverdue, 0);
  });

  it("DescribeRuleSet: every rule with its text and references", async () => {
    const response = await client.describeRuleSet({});
    assert.match(response.ruleSetVersion, /^\d+\.\d+\.\d+$/);
    const renal = response.rules.find((rule) => rule.ruleId === "R-RENAL");
    assert.ok(renal);
    assert.ok(renal.text.length > 0);
    assert.deepEqual(renal.sourceReferences, ["1"]);
  });

  it("ExportPlan: the plan as a FHIR MedicationRequest and as an iCalendar file", async () => {
    const plan = {
      profile,
      startDate: date(2025, 1, 6),
      horizonDate: date(2025, 6, 30),
      route: Route.INTRAMUSCULAR,
    };
    const fhir = await client.exportPlan({
      plan,
      format: ExportFormat.FHIR_R4_JSON,
      fhirIntent: FhirIntent.PLAN,
      fhirSubjectReference: "Patient/42",
    });
    assert.equal(fhir.mediaType, "application/fhir+json");
    const resource = JSON.parse(fhir.content) as Record<string, unknown>;
    assert.equal(resource["resourceType"], "MedicationRequest");
    assert.equal(resource["intent"], "plan");
    assert.deepEqual(resource["subject"], { reference: "Patient/42" });
    assert.equal(fhir.outcome?.outcome.case, "plan");

    const calendar = await client.exportPlan({ plan, format: ExportFormat.ICALENDAR });
    assert.equal(calendar.mediaType, "text/calendar");
    assert.match(calendar.content, /^BEGIN:VCALENDAR\r\n/);
    const starts = [...calendar.content.matchAll(/DTSTART;VALUE=DATE:(\d{8})/g)].map((m) => m[1]);
    for (const day of ["20250106", "20250108", "20250110", "20250113", "20250115", "20250117"]) {
      assert.ok(starts.includes(day), day);
    }
  });

  it("a rejected call carries google.rpc.BadRequest field violations", async () => {
    const { ageYears: _age, ...withoutAge } = profile;
    await assert.rejects(
      client.planRegimen({
        profile: { ...withoutAge, platelets10e9PerL: -1 },
        startDate: date(2025, 1, 6),
        route: Route.INTRAMUSCULAR,
      }),
      (error: unknown) => {
        assert.ok(error instanceof ConnectError);
        assert.equal(error.code, Code.InvalidArgument);
        const violations = fieldViolations(error);
        assert.ok(violations);
        const fields = violations.map((v) => v.field).sort();
        assert.deepEqual(fields, ["profile.age_years", "profile.platelets_10e9_per_l"]);
        for (const violation of violations) {
          assert.ok(violation.description.length > 0);
        }
        return true;
      },
    );
  });

  it("BatchPlanRegimens: each request its own answer, in order, one bad item failing alone", async () => {
    const valid = { profile, startDate: date(2025, 1, 6), route: Route.INTRAMUSCULAR };
    const response = await client.batchPlanRegimens({
      requests: [valid, { ...valid, profile: { ...profile, ageYears: 177 } }, valid],
    });
    assert.deepEqual(
      response.results.map((result) => result.result.case),
      ["response", "error", "response"],
    );
    const [first, second] = response.results;
    assert.equal(first?.result.case, "response");
    if (second?.result.case !== "error") {
      assert.fail("the second request has an error");
    }
    assert.equal(second.result.value.code, Code.InvalidArgument);
    assert.deepEqual(
      statusFieldViolations(second.result.value).map((v) => v.field),
      ["profile.age_years"],
    );
    await assert.rejects(
      client.batchPlanRegimens({ requests: Array(MAX_BATCH_REQUESTS + 1).fill(valid) }),
      (error: unknown) => {
        assert.deepEqual(fieldViolations(error)?.map((v) => v.field), ["requests"]);
        return true;
      },
    );
  });

  it("fieldViolations is undefined for other errors", () => {
    assert.equal(fieldViolations(new ConnectError("no", Code.Unavailable)), undefined);
  });
});
