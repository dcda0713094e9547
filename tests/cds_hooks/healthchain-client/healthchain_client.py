"""Drive the CDS Hooks service with healthchain's sandbox client (an independent CDS Hooks client),
run with the interpreter of this folder's environment (``make test-tools`` installs it into
``.tools/healthchain-client``), never with the project's.

Reads a JSON plan from standard input: ``{"base_url": ..., "calls": [{"service", "hook",
"context", "prefetch"}, ...]}``. For each call, healthchain builds the request
(``CdsRequestConstructor``, which validates the hook's context with healthchain's own context
models), its ``SandboxClient`` sends it and parses the answer into healthchain's ``CDSResponse``;
the discovery document is read into healthchain's ``CDSServiceInformation``. Writes a JSON report
to standard output: the discovery as healthchain read it, and for each call the request as
healthchain dumps it, the request as it was sent, and the response as healthchain parsed it (or
why it could not).

The workaround: healthchain 0.16.1 types ``CDSRequest.context`` as its base context model, so
pydantic serialises only the base's fields (``userId``, ``patientId``) and drops ``draftOrders``
and ``selections`` from order-select and order-sign requests. The request is therefore rebuilt as
a ``CDSRequest`` whose ``context`` is typed as the hook's own context model, so that every field
healthchain validated is sent; the report keeps healthchain's own dump to show the drop.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from healthchain.models import (  # type: ignore[import-not-found]
    CDSRequest,
    CDSResponse,
    CDSServiceInformation,
)
from healthchain.models.hooks import (  # type: ignore[import-not-found]
    OrderSelectContext,
    OrderSignContext,
)
from healthchain.sandbox import SandboxClient  # type: ignore[import-not-found]
from healthchain.sandbox.requestconstructors import (  # type: ignore[import-not-found]
    CdsRequestConstructor,
)
from healthchain.sandbox.workflows import Workflow  # type: ignore[import-not-found]


class OrderSignRequest(CDSRequest):  # type: ignore[misc]
    """An order-sign request whose context serialises every field of ``OrderSignContext``."""

    context: OrderSignContext


class OrderSelectRequest(CDSRequest):  # type: ignore[misc]
    """An order-select request whose context serialises every field of ``OrderSelectContext``."""

    context: OrderSelectContext


NARROWED: dict[str, type[Any]] = {
    "order-sign": OrderSignRequest,
    "order-select": OrderSelectRequest,
}


def drive(plan: dict[str, Any]) -> dict[str, Any]:
    """Send every call of ``plan`` with healthchain and return the report."""
    base_url = str(plan["base_url"]).rstrip("/")
    discovery = httpx.get(f"{base_url}/cds-services", timeout=10)
    discovery.raise_for_status()
    services = CDSServiceInformation.model_validate(discovery.json())
    report: dict[str, Any] = {
        "discovery": services.model_dump(mode="json", exclude_none=True),
        "calls": [],
    }
    for call in plan["calls"]:
        workflow = Workflow(call["hook"])
        # Positional: 0.16.1's workflow check reads the workflow from the keywords when any
        # keyword is given.
        built = CdsRequestConstructor().construct_request(
            call["prefetch"], workflow, call["context"]
        )
        request = NARROWED[call["hook"]].model_validate(dict(built))
        client = SandboxClient(url=f"{base_url}/cds-services/{call['service']}", workflow=workflow)
        client.requests.append(request)
        (answer,) = client.send_requests()
        entry: dict[str, Any] = {
            "healthchain_dump": built.model_dump(exclude_none=True, mode="json"),
            "sent": request.model_dump(exclude_none=True, mode="json"),
            "response": answer,
            "error": None,
        }
        if answer == {}:
            entry["error"] = "healthchain received an error status (it answers {} and logs it)"
        else:
            try:
                CDSResponse.model_validate(answer)
            except ValueError as error:  # pydantic's ValidationError is a ValueError
                entry["error"] = f"healthchain's CDSResponse does not read the answer: {error}"
        report["calls"].append(entry)
    return report


def main() -> int:
    """Read the plan from standard input, write the report to standard output."""
    json.dump(drive(json.load(sys.stdin)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
