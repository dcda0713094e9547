"""The CDS Hooks 2.0 HTTP service (Starlette): discovery, two order hooks, and feedback.

- ``GET /cds-services``: discovery, listing ``b12-dosing-order-select`` (hook ``order-select``)
  and ``b12-dosing-order-sign`` (hook ``order-sign``) with their prefetch templates.
- ``POST /cds-services/{id}``: reads every draft B12 ``MedicationRequest`` of
  ``context.draftOrders`` (for ``order-select``, only those named in ``context.selections``) and
  the patient facts of the prefetch (``server.cds_hooks.facts``), runs the kernel's regimen check
  and answers ``{"cards": [...]}`` (``server.cds_hooks.cards``); no card when there is nothing to
  say. A required fact the record does not give is never assumed: the order gets a card naming it.
- ``POST /cds-services/{id}/feedback``: accepted (``200``) and not stored.
- ``GET /health``: ``{"status": "ok"}``.

Malformed input is a ``400`` with ``{"error": "..."}`` naming what is wrong (not JSON, not an
object, wrong hook, missing ``hookInstance`` / ``context.patientId`` / ``context.draftOrders``,
...); an unknown service is a ``404``; a body over ``MAX_BODY_BYTES`` is a ``413``.

The service does not fetch from the EHR's FHIR server (``fhirServer`` / ``fhirAuthorization``):
facts not prefetched are absent. It does not verify the EHR's JWT either: run it behind a
gateway that does, on a network only the EHR reaches. Logs carry the service, the number of
cards and the status, never request content.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

import kernel
from kernel.model import (
    CheckRequest,
    Formulation,
    InvalidInput,
    PatientProfile,
    PlanRequest,
    RegimenPlan,
)
from kernel.model import Route as KernelRoute
from server.cds_hooks import cards
from server.cds_hooks.facts import (
    ASSESSMENT_SYSTEM,
    DEFICIENCY_CODE,
    EGFR_LOINC,
    NEURO_CODE,
    NOT_READ,
    PLATELET_LOINC,
    B12Order,
    JsonObject,
    as_object,
    concept_text,
    objects,
    read_order,
    read_profile,
    resources,
    split_prefetch,
    text,
)

_log = logging.getLogger("b12_dosing.cds_hooks")

MAX_BODY_BYTES: Final = 1024 * 1024
SERVICE_PREFIX: Final = "b12-dosing-"

_OBSERVATION_CODES: Final = ",".join(
    [f"http://loinc.org|{code}" for code in sorted(PLATELET_LOINC | EGFR_LOINC)]
    + [f"{ASSESSMENT_SYSTEM}|{code}" for code in (DEFICIENCY_CODE, NEURO_CODE)]
)
PREFETCH: Final = {
    "patient": "Patient/{{context.patientId}}",
    "observations": (
        "Observation?patient={{context.patientId}}&status=final,amended,corrected"
        f"&code={_OBSERVATION_CODES}&_sort=-date"
    ),
    "conditions": (
        "Condition?patient={{context.patientId}}&clinical-status=active,recurrence,relapse"
    ),
}


@dataclass(frozen=True)
class Service:
    """One CDS service: its id, hook, and text."""

    id: str
    hook: str
    title: str
    description: str


SERVICES: Final = {
    service.id: service
    for service in (
        Service(
            id=f"{SERVICE_PREFIX}order-select",
            hook="order-select",
            title="Vitamin B12 injection dosing check (order select)",
            description=(
                "Checks a selected draft order of intramuscular cyanocobalamin or"
                " hydroxocobalamin 1000 mcg/mL against the B12 dosing rules (dose, route,"
                " interval, loading, lifelong therapy, renal, platelets, neurological"
                " involvement) and suggests the recommended regimen."
            ),
        ),
        Service(
            id=f"{SERVICE_PREFIX}order-sign",
            hook="order-sign",
            title="Vitamin B12 injection dosing check (order sign)",
            description=(
                "Checks every draft order of intramuscular cyanocobalamin or hydroxocobalamin"
                " 1000 mcg/mL being signed against the B12 dosing rules and suggests the"
                " recommended regimen."
            ),
        ),
    )
}


class BadRequestError(ValueError):
    """The request does not follow CDS Hooks 2.0 for this service (an HTTP 400)."""


def discovery() -> JsonObject:
    """Return the discovery document."""
    return {
        "services": [
            {
                "hook": service.hook,
                "id": service.id,
                "title": service.title,
                "description": service.description,
                "prefetch": PREFETCH,
                "usageRequirements": (
                    "Prefetch 'patient', 'observations' and 'conditions' as templated; record"
                    " the B12 deficiency and neurological-involvement assessments as"
                    f" Observations coded in {ASSESSMENT_SYSTEM} or as ICD-10 Conditions."
                ),
            }
            for service in SERVICES.values()
        ]
    }


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _required_object(parent: Mapping[str, object], key: str, where: str) -> JsonObject:
    value = as_object(parent.get(key))
    if value is None:
        message = f"{where}{key} is required and must be a JSON object"
        raise BadRequestError(message)
    return value


def _required_text(parent: Mapping[str, object], key: str, where: str) -> str:
    value = text(parent.get(key))
    if not value:
        message = f"{where}{key} is required and must be a non-empty string"
        raise BadRequestError(message)
    return value


@dataclass(frozen=True)
class HookRequest:
    """The parts of a validated hook request the service reads."""

    hook_instance: str
    patient_id: str
    orders: tuple[JsonObject, ...]
    bundle: tuple[JsonObject, ...]
    prefetch: JsonObject


def parse_hook_request(body: object, service: Service) -> HookRequest:
    """Validate a hook request for ``service``; raise ``BadRequestError`` naming the problem."""
    request = as_object(body)
    if request is None:
        message = "the request body must be a JSON object"
        raise BadRequestError(message)
    hook = _required_text(request, "hook", "")
    if hook != service.hook:
        message = f"service {service.id} answers the hook {service.hook!r}, not {hook!r}"
        raise BadRequestError(message)
    hook_instance = _required_text(request, "hookInstance", "")
    context = _required_object(request, "context", "")
    patient_id = _required_text(context, "patientId", "context.")
    draft_orders = _required_object(context, "draftOrders", "context.")
    if draft_orders.get("resourceType") != "Bundle":
        message = "context.draftOrders must be a FHIR Bundle"
        raise BadRequestError(message)
    bundle = tuple(resources(draft_orders))
    orders = [r for r in bundle if r.get("resourceType") == "MedicationRequest"]
    if service.hook == "order-select":
        selections = context.get("selections")
        if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
            message = "context.selections is required and must be an array of references"
            raise BadRequestError(message)
        orders = [r for r in orders if f"MedicationRequest/{r.get('id')}" in selections]
    prefetch = request.get("prefetch", {})
    if prefetch is not None and as_object(prefetch) is None:
        message = "prefetch must be a JSON object"
        raise BadRequestError(message)
    return HookRequest(hook_instance, patient_id, tuple(orders), bundle, as_object(prefetch) or {})


def _plan(order: B12Order, profile: PatientProfile, formulation: Formulation) -> RegimenPlan | None:
    """Return the kernel's plan for ``profile`` with ``formulation``, from the order's start."""
    outcome = kernel.plan_regimen(
        PlanRequest(
            profile=dataclasses.replace(profile, formulation=formulation),
            start_date=order.start,
            route=KernelRoute.INTRAMUSCULAR,
        )
    )
    return outcome if isinstance(outcome, RegimenPlan) else None


def order_cards(
    request: HookRequest,
    order: B12Order,
    index: int,
    today: datetime.date,
    source_url: str | None,
) -> list[JsonObject]:
    """Return the cards for one draft B12 order."""
    facts = split_prefetch(request.prefetch)
    profile, reading = read_profile(facts, order, today)
    unread = [*order.unread, *reading.unread]
    unread.extend(f"prefetch '{key}' was not sent" for key in PREFETCH if key not in facts.sent)
    medication = order.resource.get("medicationCodeableConcept")
    context = cards.CardContext(
        hook_instance=request.hook_instance,
        order_key=str(index),
        order_label=concept_text(medication) or f"draft order {index + 1}",
        patient_reference=f"Patient/{request.patient_id}",
        draft_id=text(order.resource.get("id")),
        draft_intent=text(order.resource.get("intent")) or "proposal",
        source_url=source_url,
        not_read=NOT_READ,
        unread=tuple(unread),
    )
    if reading.missing:
        return [cards.missing_facts_card(reading.missing, context)]
    result = kernel.check_regimen(CheckRequest(profile=profile, regimen=order.regimen))
    if isinstance(result, InvalidInput):
        violations = [f"{v.field}: {v.reason}" for v in result.violations]
        return [cards.invalid_card(violations, context)]
    plans: dict[Formulation | None, RegimenPlan | None] = {
        None: _plan(order, profile, order.formulation)
    }
    for alternative in cards.ALTERNATIVE_FORMULATION.values():
        plans[alternative] = _plan(order, profile, alternative)
    found = [
        cards.finding_card(finding, context, plans, order.formulation)
        for finding in result.findings
    ]
    if unread:
        found.append(cards.unread_card(context))
    return found


def answer(request: HookRequest, today: datetime.date, source_url: str | None) -> list[JsonObject]:
    """Return every card for the request's draft B12 orders."""
    found: list[JsonObject] = []
    for index, resource in enumerate(request.orders):
        order = read_order(resource, request.bundle, today)
        if order is not None:
            found.extend(order_cards(request, order, index, today, source_url))
    return found


def _utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


async def _read_json(request: Request) -> object:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLargeError
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _TooLargeError
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        message = f"the request body is not valid JSON: {error}"
        raise BadRequestError(message) from error


class _TooLargeError(Exception):
    pass


def _service(request: Request) -> Service | None:
    return SERVICES.get(str(request.path_params["service_id"]))


def _no_service(request: Request) -> JSONResponse:
    return _error(404, f"no CDS service {request.path_params['service_id']!r}")


def _too_large() -> JSONResponse:
    return _error(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")


async def _list_services(_request: Request) -> JSONResponse:
    return JSONResponse(discovery())


async def _call_service(request: Request) -> JSONResponse:
    service = _service(request)
    if service is None:
        return _no_service(request)
    try:
        hook_request = parse_hook_request(await _read_json(request), service)
    except BadRequestError as error:
        _log.info("%s: 400 %s", service.id, error)
        return _error(400, str(error))
    except _TooLargeError:
        return _too_large()
    settings: Settings = request.app.state.settings
    found = answer(hook_request, settings.today(), settings.source_url)
    _log.info("%s: 200, %d card(s)", service.id, len(found))
    return JSONResponse({"cards": found})


async def _feedback(request: Request) -> JSONResponse:
    if _service(request) is None:
        return _no_service(request)
    try:
        body = as_object(await _read_json(request))
    except BadRequestError as error:
        return _error(400, str(error))
    except _TooLargeError:
        return _too_large()
    if body is None or not objects(body.get("feedback")):
        return _error(400, "feedback must be a JSON object with a non-empty feedback array")
    return JSONResponse({})


async def _health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@dataclass(frozen=True)
class Settings:
    """The application's settings (see ``create_app``)."""

    today: Callable[[], datetime.date]
    source_url: str | None


def create_app(
    *,
    today: Callable[[], datetime.date] = _utc_today,
    source_url: str | None = None,
    cors_origins: Sequence[str] = (),
) -> Starlette:
    """Build the CDS Hooks application.

    ``today`` gives the date ages are computed at (the service's clock by default; tests pass a
    fixed date). ``source_url`` is the URL every card's source links to, if any.
    ``cors_origins`` are the browser origins (EHR web clients) allowed to call the service; none
    by default.
    """
    middleware = (
        [
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type"],
            )
        ]
        if cors_origins
        else []
    )
    app = Starlette(
        middleware=middleware,
        routes=[
            Route("/cds-services", _list_services, methods=["GET"]),
            Route("/cds-services/{service_id}", _call_service, methods=["POST"]),
            Route("/cds-services/{service_id}/feedback", _feedback, methods=["POST"]),
            Route("/health", _health, methods=["GET"]),
        ],
    )
    app.state.settings = Settings(today=today, source_url=source_url)
    return app
