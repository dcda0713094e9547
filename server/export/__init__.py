"""Exports of a plan: FHIR R4 (``server.export.fhir``) and iCalendar (``server.export.ical``)."""
