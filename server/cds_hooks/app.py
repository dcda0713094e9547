"""The CDS Hooks 2.0 HTTP service (Starlette): discovery, two order hooks, and feedback.

- ``GET /cds-services``: discovery, listing ``b12-dosing-order-select`` (hook ``order-select``)
  and ``b12-dosing-order-sign`` (hook ``order-sign``) with their prefetch templates.
- ``POST /cds-services/{id}``: reads every draft B12 ``MedicationRequest`` of
  ``context.draftOrders`` (for ``order-select``, only those named in ``context.selections``) and
  the patient facts of the prefetch (``server.cds_hooks.facts``), runs the kernel's regimen check
  and answers ``{"cards": [...]}`` (``server.cds_hooks.cards``): the cards of each order, then
  one card of the facts assumed (D-CDS-DISCLOSE), so the list is empty only when no B12 order is
  drafted (or selected) or when every fact was read and the kernel found nothing. A required fact
  the record does not give is never assumed: the order gets a card naming it.
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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

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
from server.cds_hooks import cards, prefetch
from server.cds_hooks.auth import (
    AuthenticationError,
    Authenticator,
    AuthSettings,
    endpoint_audiences,
)
from server.cds_hooks.codes import ASSESSMENT_SYSTEM
from server.cds_hooks.facts import (
    B12Order,
    JsonObject,
    OrderBounds,
    as_object,
    concept_text,
    read_order,
    resources,
    text,
)
from server.cds_hooks.feedback import FEEDBACK_OUTCOMES, FeedbackCounts, read_feedback
from server.cds_hooks.jsonbody import BadRequestError, check_depth, load_json, parse_json
from server.cds_hooks.limits import DEFAULT_LIMITS, Limits
from server.cds_hooks.prefetch import FhirAccess, read_access
from server.cds_hooks.record import (
    Reading,
    Resources,
    Used,
    folic_acid_before,
    read_record,
    sort_resources,
)

_log = logging.getLogger("b12_dosing.cds_hooks")
_T = TypeVar("_T")

SERVICE_PREFIX: Final = "b12-dosing-"


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
                "prefetch": dict(prefetch.PREFETCH),
                "usageRequirements": (
                    "Prefetch every template, or give fhirServer and fhirAuthorization so that"
                    " the service fetches what is not prefetched (without either: 412). Record"
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
    context: JsonObject
    access: FhirAccess | None


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
        context,
        read_access(request),
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


def _profile(reading: Reading, order: B12Order, *, folic_acid: bool) -> PatientProfile:
    """Return the kernel profile of the record's reading for one order."""
    return PatientProfile(
        formulation=order.formulation,
        age_years=reading.age_years,
        deficiency_status=reading.deficiency_status,
        neurological_involvement=reading.neurological_involvement,
        platelets_10e9_per_l=reading.platelets_10e9_per_l,
        egfr_ml_min_1_73m2=reading.egfr_ml_min_1_73m2,
        renal_impairment_reported=reading.renal_impairment_reported,
        diabetic_nephropathy=reading.diabetic_nephropathy,
        folic_acid_started_before_b12=folic_acid,
        hypersensitivity_cobalt_or_b12=reading.hypersensitivity_cobalt_or_b12,
        leber_disease_or_tobacco_amblyopia=reading.leber_disease_or_tobacco_amblyopia,
        ileal_resection=reading.ileal_resection,
        ileal_resection_length_cm=reading.ileal_resection_length_cm,
        crohn_ileal_involvement=reading.crohn_ileal_involvement,
        crohn_ileal_involvement_length_cm=reading.crohn_ileal_involvement_length_cm,
        bariatric_procedure=reading.bariatric_procedure,
        site_request=order.regimen.site,
        # A record holds no maintenance preference (D-CDS-READ lists none): absent, it is
        # STANDARD (D-FIELDS), so an order is judged against the standard interval rules
        # (D-PROPOSED-CDS-MAINTENANCE-PREFERENCE).
        maintenance_preference=None,
        pregnant=reading.pregnant,
        anticoagulant_therapy=reading.anticoagulant_therapy,
    )


def order_cards(
    request: HookRequest,
    order: B12Order,
    index: int,
    reading: Reading,
    source_url: str | None,
) -> tuple[list[JsonObject], list[str]]:
    """Return the cards for one draft B12 order, and the facts it assumed."""
    folic_acid, folic_note = folic_acid_before(reading, order.start)
    used = [item.sentence() for item in reading.used]
    assumed = [item.sentence() for item in reading.assumed]
    if isinstance(folic_note, Used):
        used.append(folic_note.sentence())
    else:
        assumed.append(folic_note.sentence())
    medication = order.resource.get("medicationCodeableConcept")
    label = concept_text(medication) or f"draft order {index + 1}"
    assumed.extend(f"{label}: {note} (not read from the order)" for note in order.unread)
    profile = _profile(reading, order, folic_acid=folic_acid)
    context = cards.CardContext(
        hook_instance=request.hook_instance,
        order_key=str(index),
        order_label=label,
        patient_reference=f"Patient/{request.patient_id}",
        draft_id=text(order.resource.get("id")),
        draft_intent=text(order.resource.get("intent")) or "proposal",
        source_url=source_url,
        today=reading.today,
        used=tuple(used),
    )
    if reading.missing:
        return [cards.missing_facts_card(reading.missing, context)], assumed
    result = kernel.check_regimen(CheckRequest(profile=profile, regimen=order.regimen))
    if isinstance(result, InvalidInput):
        violations = [
            f"{v.field.removeprefix('profile.').replace('_', ' ')}: {v.reason}"
            for v in result.violations
        ]
        return [cards.invalid_card(violations, context)], assumed
    plans: dict[Formulation | None, RegimenPlan | None] = {
        None: _plan(order, profile, order.formulation)
    }
    for alternative in cards.ALTERNATIVE_FORMULATION.values():
        plans[alternative] = _plan(order, profile, alternative)
    found = [
        cards.finding_card(finding, context, plans, order.formulation)
        for finding in result.findings
    ]
    return found, assumed


def read_orders(request: HookRequest, today: datetime.date, limits: Limits) -> list[B12Order]:
    """Return the request's draft B12 orders (``BadRequestError`` for one over the limits)."""
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
    return read


def answer(
    request: HookRequest,
    orders: Sequence[B12Order],
    record: Resources,
    today: datetime.date,
    source_url: str | None,
) -> list[JsonObject]:
    """Return every card for the draft B12 orders, then the one card of assumed facts."""
    reading = read_record(record, today)
    found: list[JsonObject] = []
    assumed: list[str] = []
    for index, order in enumerate(orders):
        order_found, order_assumed = order_cards(request, order, index, reading, source_url)
        found.extend(order_found)
        assumed.extend(note for note in order_assumed if note not in assumed)
    if orders and assumed:
        found.append(cards.assumed_facts_card(assumed, request.hook_instance, today, source_url))

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


@dataclass(frozen=True)
class _Parsed:
    request: HookRequest
    orders: tuple[B12Order, ...]
    record: tuple[object, ...]  # the prefetched values
    needed: tuple[str, ...]  # prefetch keys neither prefetched nor yet fetched
    today: datetime.date


def _parse_call(body: bytes, service: Service, settings: Settings) -> _Answer | _Parsed:
    """Parse a hook call and read its orders (run off the event loop)."""
    limits = settings.limits
    try:
        value = load_json(body)
        check_draft_orders(value, limits)  # the cheap count first: a long list is not walked
        check_depth(value, limits.max_json_depth)
        hook_request = parse_hook_request(value, service, limits)
        today = settings.today()
        orders = read_orders(hook_request, today, limits)
        record, needed = prefetch.split(hook_request.prefetch)
    except BadRequestError as error:
        return _Answer(400, {"error": str(error)}, str(error))
    return _Parsed(hook_request, tuple(orders), tuple(record), tuple(needed), today)


def _check_call(parsed: _Parsed, fetched: Sequence[object], settings: Settings) -> _Answer:
    """Read the record and check every order (run off the event loop)."""
    record = sort_resources([*parsed.record, *fetched])
    found = answer(parsed.request, parsed.orders, record, parsed.today, settings.source_url)
    return _Answer(200, {"cards": found}, f"cards={len(found)}")


async def _hook_call(request: Request, service: Service, body: bytes) -> _Answer:
    settings: Settings = request.app.state.settings
    parsed = await _run_off_loop(request, lambda: _parse_call(body, service, settings))
    if isinstance(parsed, _Answer):
        return parsed
    fetched: list[object] = []
    if parsed.orders and parsed.needed:
        access = parsed.request.access
        if access is None:
            message = (
                "the record is incomplete: not prefetched, and no fhirServer with"
                f" fhirAuthorization to fetch it: {', '.join(parsed.needed)}"
            )
            return _Answer(412, {"error": message}, message)
        try:
            fetched = await prefetch.fetch(
                list(parsed.needed), parsed.request.context, access, settings.limits
            )
        except prefetch.PrefetchUnavailableError as error:
            message = f"the record is incomplete: {error}"
            return _Answer(412, {"error": message}, message)
    return await _run_off_loop(request, lambda: _check_call(parsed, fetched, settings))


async def _run_off_loop(request: Request, function: Callable[[], _T]) -> _T:
    """Run ``function`` in a worker thread, at most ``kernel_threads`` at once."""
    state = request.app.state
    if getattr(state, "limiter", None) is None:
        state.limiter = anyio.CapacityLimiter(state.settings.limits.kernel_threads)
    limiter: anyio.CapacityLimiter = state.limiter
    return await anyio.to_thread.run_sync(function, limiter=limiter)


async def _respond(
    request: Request, name: str, work: Callable[[bytes], Awaitable[_Answer]]
) -> JSONResponse:
    """Read the body, answer it with ``work``, log one line, and answer."""
    settings: Settings = request.app.state.settings
    started = time.perf_counter()
    try:
        body = await _read_body(request, settings.limits)
        result = await work(body)
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
    return await _respond(request, service.id, lambda body: _hook_call(request, service, body))


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
        lambda body: _run_off_loop(
            request, lambda: _feedback_answer(body, service, settings, counts)
        ),
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
