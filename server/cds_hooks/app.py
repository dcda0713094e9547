"""The CDS Hooks 2.0 HTTP service (Starlette): discovery, two order hooks, and feedback.

- ``GET /cds-services``: discovery, listing ``b12-dosing-order-select`` (hook ``order-select``)
  and ``b12-dosing-order-sign`` (hook ``order-sign``) with their prefetch templates.
- ``POST /cds-services/{id}``: reads every draft B12 ``MedicationRequest`` of
  ``context.draftOrders`` (for ``order-select``, only those named in ``context.selections``) and
  the patient facts of the prefetch (``server.cds_hooks.facts``), runs the kernel's regimen check
  and answers ``{"cards": [...]}`` (``server.cds_hooks.cards``); no card when there is nothing to
  say. A required fact the record does not give is never assumed: the order gets a card naming it.
- ``POST /cds-services/{id}/feedback``: checked and counted (``server.cds_hooks.feedback``).
- ``GET /health``: ``{"status": "ok"}``; ``GET /stats``: the feedback counts.

Every call but ``/health`` and ``/stats`` is authenticated first (``server.cds_hooks.auth``:
``401`` with the reason). Malformed input is a ``400`` with ``{"error": "..."}`` naming what is
wrong and where, never echoing what was sent; an unknown service is a ``404``; a body over the
limit is a ``413``, one too slow to arrive a ``408`` (``server.cds_hooks.limits``). Parsing,
reading and the kernel run in worker threads, off the event loop. Logs carry the service, the
status, the number of cards or the reason, and the latency, never request content.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import anyio
import anyio.to_thread
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
from server.cds_hooks.auth import (
    AuthenticationError,
    Authenticator,
    AuthSettings,
    endpoint_audiences,
)
from server.cds_hooks.facts import (
    ASSESSMENT_SYSTEM,
    DEFICIENCY_CODE,
    EGFR_LOINC,
    NEURO_CODE,
    NOT_READ,
    PLATELET_LOINC,
    B12Order,
    JsonObject,
    OrderBounds,
    as_object,
    concept_text,
    read_order,
    read_profile,
    resources,
    split_prefetch,
    text,
)
from server.cds_hooks.feedback import FEEDBACK_OUTCOMES, FeedbackCounts, read_feedback
from server.cds_hooks.jsonbody import BadRequestError, check_depth, load_json, parse_json
from server.cds_hooks.limits import DEFAULT_LIMITS, Limits

_log = logging.getLogger("b12_dosing.cds_hooks")

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
    order_paths: tuple[str, ...]  # each order's path in the request, for reasons of refusal
    bundle: tuple[JsonObject, ...]
    prefetch: JsonObject


def check_draft_orders(body: object, limits: Limits) -> None:
    """Refuse a request with more draft orders than ``limits`` allow (read without recursion)."""
    context = as_object((as_object(body) or {}).get("context")) or {}
    entries = (as_object(context.get("draftOrders")) or {}).get("entry")
    if isinstance(entries, list) and len(entries) > limits.max_draft_orders:
        message = (
            f"context.draftOrders holds more than the {limits.max_draft_orders} entries"
            " a request may hold"
        )
        raise BadRequestError(message)


def parse_hook_request(body: object, service: Service, limits: Limits) -> HookRequest:
    """Validate a hook request for ``service``; raise ``BadRequestError`` naming the problem."""
    request = as_object(body)
    if request is None:
        message = "the request body must be a JSON object"
        raise BadRequestError(message)
    hook = _required_text(request, "hook", "")
    if hook != service.hook:
        message = f"service {service.id} answers the hook {service.hook!r} only"
        raise BadRequestError(message)
    hook_instance = _required_text(request, "hookInstance", "")
    context = _required_object(request, "context", "")
    patient_id = _required_text(context, "patientId", "context.")
    draft_orders = _required_object(context, "draftOrders", "context.")
    if draft_orders.get("resourceType") != "Bundle":
        message = "context.draftOrders must be a FHIR Bundle"
        raise BadRequestError(message)
    entries = draft_orders.get("entry", [])
    check_draft_orders(request, limits)
    bundle = tuple(resources(draft_orders))
    located = [
        (f"context.draftOrders.entry[{index}].resource", resource)
        for index, entry in enumerate(entries if isinstance(entries, list) else [])
        if (resource := as_object((as_object(entry) or {}).get("resource"))) is not None
        and resource.get("resourceType") == "MedicationRequest"
    ]
    if service.hook == "order-select":
        selections = context.get("selections")
        if not isinstance(selections, list) or not all(isinstance(s, str) for s in selections):
            message = "context.selections is required and must be an array of references"
            raise BadRequestError(message)
        located = [
            (path, r) for path, r in located if f"MedicationRequest/{r.get('id')}" in selections
        ]
    prefetch = request.get("prefetch", {})
    if prefetch is not None and as_object(prefetch) is None:
        message = "prefetch must be a JSON object"
        raise BadRequestError(message)
    return HookRequest(
        hook_instance,
        patient_id,
        tuple(resource for _, resource in located),
        tuple(path for path, _ in located),
        bundle,
        as_object(prefetch) or {},
    )


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


def answer(
    request: HookRequest, today: datetime.date, source_url: str | None, limits: Limits
) -> list[JsonObject]:
    """Return every card for the request's draft B12 orders (``BadRequestError`` for an order
    over the limits)."""
    bounds = OrderBounds(limits.max_dosages_per_order, limits.max_dates_per_dosage)
    read: list[B12Order] = []
    for index, resource in enumerate(request.orders):
        order = read_order(resource, request.bundle, today, bounds, request.order_paths[index])
        if order is not None:
            read.append(order)
            if len(read) > limits.max_b12_orders:
                message = (
                    f"context.draftOrders holds more than the {limits.max_b12_orders} B12 orders"
                    " a request may hold"
                )
                raise BadRequestError(message)
    found: list[JsonObject] = []
    for index, order in enumerate(read):
        found.extend(order_cards(request, order, index, today, source_url))
    return found


def _utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


class _TooLargeError(Exception):
    pass


class _TooSlowError(Exception):
    pass


async def _read_body(request: Request, limits: Limits) -> bytes:
    """Return the request body: at most ``max_body_bytes``, within ``body_seconds``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise _TooLargeError
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(limits.body_seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limits.max_body_bytes:
                    raise _TooLargeError
                chunks.append(chunk)
    except TimeoutError:
        raise _TooSlowError from None
    return b"".join(chunks)


def _service(request: Request) -> Service | None:
    return SERVICES.get(str(request.path_params["service_id"]))


def _no_service() -> JSONResponse:
    return _error(404, "no such CDS service: see GET /cds-services")


async def _authenticate(request: Request, name: str) -> JSONResponse | None:
    """Return the ``401`` for a call that is not authenticated, else None (``auth``)."""
    authenticator: Authenticator | None = request.app.state.settings.authenticator
    if authenticator is None:
        return None
    audiences = endpoint_audiences(authenticator.settings.service_url, request.url.path)
    try:
        await authenticator.authenticate(request.headers.get("authorization"), audiences)
    except AuthenticationError as error:
        _log.info("%s 401 %s", name, error)
        return JSONResponse(
            {"error": str(error)},
            status_code=401,
            headers={"www-authenticate": 'Bearer error="invalid_token"'},
        )
    return None


async def _list_services(request: Request) -> JSONResponse:
    refused = await _authenticate(request, "discovery")
    if refused is not None:
        return refused
    _log.info("discovery 200")
    return JSONResponse(discovery())


@dataclass(frozen=True)
class _Answer:
    status: int
    body: JsonObject
    note: str  # for the log line: never request content


def _hook_answer(body: bytes, service: Service, settings: Settings) -> _Answer:
    """Parse, read and check one hook call (run off the event loop)."""
    limits = settings.limits
    try:
        value = load_json(body)
        check_draft_orders(value, limits)  # the cheap count first: a long list is not walked
        check_depth(value, limits.max_json_depth)
        hook_request = parse_hook_request(value, service, limits)
        found = answer(hook_request, settings.today(), settings.source_url, limits)
    except BadRequestError as error:
        return _Answer(400, {"error": str(error)}, str(error))
    return _Answer(200, {"cards": found}, f"cards={len(found)}")


async def _run_off_loop(request: Request, function: Callable[[], _Answer]) -> _Answer:
    """Run ``function`` in a worker thread, at most ``kernel_threads`` at once."""
    state = request.app.state
    if getattr(state, "limiter", None) is None:
        state.limiter = anyio.CapacityLimiter(state.settings.limits.kernel_threads)
    limiter: anyio.CapacityLimiter = state.limiter
    return await anyio.to_thread.run_sync(function, limiter=limiter)


async def _respond(request: Request, name: str, work: Callable[[bytes], _Answer]) -> JSONResponse:
    """Read the body, run ``work`` on it off the loop, log one line, and answer."""
    settings: Settings = request.app.state.settings
    started = time.perf_counter()
    try:
        body = await _read_body(request, settings.limits)
        result = await _run_off_loop(request, lambda: work(body))
    except _TooLargeError:
        limit = settings.limits.max_body_bytes
        result = _Answer(413, {"error": f"the request body is larger than {limit} bytes"}, "")
    except _TooSlowError:
        seconds = settings.limits.body_seconds
        result = _Answer(
            408, {"error": f"the request body did not arrive within {seconds:g} s"}, ""
        )
    except Exception as error:  # noqa: BLE001 (a bug must not take the request's content to the log)
        frame = traceback.extract_tb(error.__traceback__)[-1]
        _log.error("%s 500 %s at %s:%s", name, type(error).__name__, frame.filename, frame.lineno)
        return _error(500, "internal error")
    elapsed_ms = (time.perf_counter() - started) * 1000
    _log.info("%s %d %s ms=%.1f", name, result.status, result.note, elapsed_ms)
    return JSONResponse(result.body, status_code=result.status)


async def _call_service(request: Request) -> JSONResponse:
    service = _service(request)
    refused = await _authenticate(request, service.id if service else "unknown service")
    if refused is not None:
        return refused
    if service is None:
        _log.info("POST unknown service 404")
        return _no_service()
    settings: Settings = request.app.state.settings
    return await _respond(request, service.id, lambda body: _hook_answer(body, service, settings))


def _feedback_answer(
    body: bytes, service: Service, settings: Settings, counts: FeedbackCounts
) -> _Answer:
    try:
        outcomes = read_feedback(parse_json(body, settings.limits.max_json_depth))
    except BadRequestError as error:
        return _Answer(400, {"error": str(error)}, str(error))
    counts.add(service.id, outcomes)
    tally = " ".join(f"{outcome}={outcomes.count(outcome)}" for outcome in FEEDBACK_OUTCOMES)
    return _Answer(200, {}, tally)


async def _feedback(request: Request) -> JSONResponse:
    service = _service(request)
    refused = await _authenticate(
        request, f"{service.id if service else 'unknown service'}/feedback"
    )
    if refused is not None:
        return refused
    if service is None:
        _log.info("POST unknown service feedback 404")
        return _no_service()
    settings: Settings = request.app.state.settings
    counts: FeedbackCounts = request.app.state.feedback_counts
    return await _respond(
        request,
        f"{service.id}/feedback",
        lambda body: _feedback_answer(body, service, settings, counts),
    )


async def _health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _stats(request: Request) -> JSONResponse:
    counts: FeedbackCounts = request.app.state.feedback_counts
    return JSONResponse({"feedback": counts.snapshot()})


@dataclass(frozen=True)
class Settings:
    """The application's settings (see ``create_app``)."""

    today: Callable[[], datetime.date]
    source_url: str | None
    limits: Limits
    authenticator: Authenticator | None  # None: authentication is off (--insecure-no-auth)


def create_app(
    *,
    auth: AuthSettings | None,
    today: Callable[[], datetime.date] = _utc_today,
    source_url: str | None = None,
    cors_origins: Sequence[str] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> Starlette:
    """Build the CDS Hooks application.

    ``today`` gives the date ages are computed at (the service's clock by default; tests pass a
    fixed date). ``source_url`` is the URL every card's source links to, if any.
    ``cors_origins`` are the browser origins (EHR web clients) allowed to call the service; none
    by default. ``limits`` bound what a request may hold and how long it may take
    (``server.cds_hooks.limits``). ``auth`` says whom to trust (``server.cds_hooks.auth``);
    ``None`` turns authentication off, which only an explicit choice may do (the parameter has
    no default).
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
            Route("/stats", _stats, methods=["GET"]),
        ],
    )
    authenticator = Authenticator(auth) if auth is not None else None
    app.state.settings = Settings(
        today=today, source_url=source_url, limits=limits, authenticator=authenticator
    )
    app.state.limiter = None
    app.state.feedback_counts = FeedbackCounts(SERVICES)
    return app
