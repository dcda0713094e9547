"""The record a hook call needs: the prefetch templates the discovery response declares, which
of them a request satisfied, and fetching the rest from the EHR's FHIR server (D-CDS-READ,
D-CDS-PREFETCH).

A prefetch key is satisfied when the request carries it with a resource, a Bundle, or ``null``
(CDS Hooks 2.0: the client had no data for it). A key that is absent, or whose value is an
``OperationOutcome`` (the client failed to fetch it), is not: the service then fetches it from
``fhirServer`` with ``fhirAuthorization``'s bearer token, following a search's ``next`` pages on
the same server (at most ``Limits.fhir_max_pages``), with bounded time-outs and response sizes.
A failure (a time-out, a status other than 200, a response that is not a FHIR resource) is never
read as "no": when a key can be neither prefetched nor fetched, the call is answered ``412``.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import httpx

from server.cds_hooks import codes
from server.cds_hooks.facts import JsonObject, as_object, objects, text
from server.cds_hooks.jsonbody import BadRequestError, check_depth, load_json
from server.cds_hooks.limits import Limits

_OBSERVATION_CODES: Final = ",".join(
    sorted(
        {
            f"{row.system}|{row.code}"
            for fact in (codes.Fact.PLATELETS, codes.Fact.EGFR, codes.Fact.PREGNANCY)
            for row in codes.rows_of(fact)
            if row.system == codes.LOINC
        }
    )
    + [
        f"{codes.ASSESSMENT_SYSTEM}|{code}"
        for code in ("deficiency-status", "neurological-involvement")
    ]
)
PATIENT: Final = "{{context.patientId}}"
PREFETCH: Final[Mapping[str, str]] = {
    "patient": f"Patient/{PATIENT}",
    "observations": (
        f"Observation?patient={PATIENT}&status=final,amended,corrected"
        f"&code={_OBSERVATION_CODES}&_sort=-date"
    ),
    "conditions": f"Condition?patient={PATIENT}",
    "allergies": f"AllergyIntolerance?patient={PATIENT}",
    "medicationRequests": f"MedicationRequest?patient={PATIENT}",
    "medicationStatements": f"MedicationStatement?patient={PATIENT}",
    "procedures": f"Procedure?patient={PATIENT}",
}
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


class PrefetchUnavailableError(Exception):
    """Required data can be neither prefetched nor fetched (an HTTP 412); the message says which
    and why."""


def split(prefetch: Mapping[str, object]) -> tuple[list[object], list[str]]:
    """Return the satisfied prefetch values and the keys still needed, in template order."""
    values: list[object] = []
    needed: list[str] = []
    for key in PREFETCH:
        if key not in prefetch:
            needed.append(key)
            continue
        value = prefetch[key]
        if value is None:
            continue
        node = as_object(value)
        if node is None:
            message = f"prefetch.{key} must be a FHIR resource, a Bundle or null"
            raise BadRequestError(message)
        if node.get("resourceType") == "OperationOutcome":
            needed.append(key)
        else:
            values.append(node)
    return values, needed


@dataclass(frozen=True)
class FhirAccess:
    """Where and how to fetch: the EHR's FHIR base URL and the bearer token it gave."""

    base_url: str
    token: str


def read_access(request: Mapping[str, object]) -> FhirAccess | None:
    """Return the FHIR access a hook request grants, or None; raise ``BadRequestError`` for one
    that is malformed (CDS Hooks 2.0: fhirServer is required with fhirAuthorization)."""
    server, authorization = request.get("fhirServer"), request.get("fhirAuthorization")
    if authorization is None:
        return None
    grant = as_object(authorization)
    token = text((grant or {}).get("access_token"))
    if grant is None or not token or text(grant.get("token_type")) != "Bearer":
        message = "fhirAuthorization must hold an access_token with token_type 'Bearer'"
        raise BadRequestError(message)
    base = text(server)
    if base is None:
        message = "fhirServer is required with fhirAuthorization"
        raise BadRequestError(message)
    parsed = urllib.parse.urlsplit(base)
    if parsed.scheme != "https" and not (
        parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS
    ):
        message = "fhirServer must be an https URL"
        raise BadRequestError(message)
    return FhirAccess(base.rstrip("/"), token)


def query(key: str, context: Mapping[str, object]) -> str:
    """Return the relative FHIR URL of prefetch ``key`` for this hook's context."""
    patient = text(context.get("patientId")) or ""
    return PREFETCH[key].replace(PATIENT, urllib.parse.quote(patient, safe=""))


async def fetch(
    keys: list[str], context: Mapping[str, object], access: FhirAccess, limits: Limits
) -> list[object]:
    """Fetch ``keys`` from the EHR's FHIR server; raise ``PrefetchUnavailableError`` when any
    cannot be fetched."""
    timeout = httpx.Timeout(limits.fhir_read_seconds, connect=limits.fhir_connect_seconds)
    headers = {"authorization": f"Bearer {access.token}", "accept": "application/fhir+json"}
    async with httpx.AsyncClient(timeout=timeout, headers=headers, follow_redirects=False) as http:
        try:
            async with asyncio.timeout(limits.fhir_total_seconds):
                pages = await asyncio.gather(
                    *(_fetch_key(http, key, context, access, limits) for key in keys)
                )
        except TimeoutError:
            message = (
                f"the EHR's FHIR server did not answer within {limits.fhir_total_seconds:g} s"
                f" for: {', '.join(keys)}"
            )
            raise PrefetchUnavailableError(message) from None
    return [page for key_pages in pages for page in key_pages]


async def _fetch_key(
    http: httpx.AsyncClient,
    key: str,
    context: Mapping[str, object],
    access: FhirAccess,
    limits: Limits,
) -> list[object]:
    url: str | None = f"{access.base_url}/{query(key, context)}"
    found: list[object] = []
    for _ in range(limits.fhir_max_pages):
        if url is None:
            return found
        page = await _get(http, url, key, limits)
        found.append(page)
        url = _next_page(page, access.base_url)
    if url is not None:
        message = f"{key}: the EHR's FHIR server has more than {limits.fhir_max_pages} pages"
        raise PrefetchUnavailableError(message)
    return found


async def _get(http: httpx.AsyncClient, url: str, key: str, limits: Limits) -> JsonObject:
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != httpx.codes.OK:
                message = f"{key}: the EHR's FHIR server answered {response.status_code}"
                raise PrefetchUnavailableError(message)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limits.fhir_max_response_bytes:
                    message = f"{key}: the EHR's FHIR server sent more than the size limit"
                    raise PrefetchUnavailableError(message)
    except httpx.HTTPError as error:
        message = f"{key}: the EHR's FHIR server cannot be reached ({type(error).__name__})"
        raise PrefetchUnavailableError(message) from None
    try:
        value = load_json(bytes(body))
        check_depth(value, limits.max_json_depth)
    except BadRequestError:
        message = f"{key}: the EHR's FHIR server sent something that is not FHIR JSON"
        raise PrefetchUnavailableError(message) from None
    resource = as_object(value)
    if resource is None or not isinstance(resource.get("resourceType"), str):
        message = f"{key}: the EHR's FHIR server sent something that is not a FHIR resource"
        raise PrefetchUnavailableError(message)
    if resource["resourceType"] == "OperationOutcome":
        message = f"{key}: the EHR's FHIR server answered with an error (OperationOutcome)"
        raise PrefetchUnavailableError(message)
    return resource


def _next_page(page: JsonObject, base_url: str) -> str | None:
    if page.get("resourceType") != "Bundle":
        return None
    for link in objects(page.get("link")):
        target = text(link.get("url"))
        if link.get("relation") == "next" and target:
            if not target.startswith(f"{base_url}/"):
                # Never follow a link off the EHR's own server, and never drop the rest silently.
                message = "a search's next page is not on the EHR's FHIR server"
                raise PrefetchUnavailableError(message)
            return target
    return None
