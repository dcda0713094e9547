"""``--batch FILE`` of ``plan``, ``check`` and ``assess``: many requests in batch calls.

FILE holds one request per line, as JSON (the fields of ``--file``: dates as ``YYYY-MM-DD``,
enums by short name); ``-`` reads standard input. The requests go to the server in batch calls
of at most ``MAX_BATCH_REQUESTS`` (``BatchPlanRegimens``, ``BatchCheckRegimens``,
``BatchAssessCourses``), and each result is printed as one JSON line, in the order of the file:
``{"line": N, "response": {...}}`` or ``{"line": N, "error": {"code": ..., "message": ...,
"fieldViolations": [...]}}``, so that one bad request never stops the others. Exits 0 when
every request got a response, EXIT_INVALID_REQUEST when one or more got an error (and
EXIT_FAILED when the batch call itself fails).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar, cast

import click
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from b12.dosing.cli.calling import EXIT_INVALID_REQUEST, call
from b12.dosing.cli.values import STDIN, normalise
from b12.dosing.client import MAX_BATCH_REQUESTS, DosingClient

RequestT = TypeVar("RequestT", bound=Message)
ResponseT = TypeVar("ResponseT", bound=Message)

BATCH_HELP: Final = (
    "send the requests of this file, one JSON request per line (- reads standard input), in"
    f" batch calls of up to {MAX_BATCH_REQUESTS}; print one JSON result per line"
)


def batch_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--batch FILE``."""
    return click.option(
        "--batch",
        "batch_file",
        type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
        help=BATCH_HELP,
    )(function)


def read_requests(path: Path, message_type: type[RequestT]) -> list[tuple[int, RequestT]]:
    """Read one request of ``message_type`` per non-empty line of ``path``, with its line."""
    text = sys.stdin.read() if path == STDIN else path.read_text(encoding="utf-8")
    descriptor = cast("Descriptor", message_type.DESCRIPTOR)
    requests: list[tuple[int, RequestT]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                message = "not a JSON object"
                raise TypeError(message)  # noqa: TRY301 (reported below like a parse error)
            parsed = json_format.ParseDict(normalise(descriptor, data), message_type())
            requests.append((number, parsed))
        except (json.JSONDecodeError, json_format.ParseError, TypeError, ValueError) as error:
            message = f"{path}, line {number}: {error}"
            raise click.BadParameter(message, param_hint="--batch") from error
    return requests


def _error(status: status_pb2.Status) -> dict[str, Any]:
    found: dict[str, Any] = {"code": status.code, "message": status.message}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found["fieldViolations"] = [
                {"field": item.field, "description": item.description}
                for item in bad.field_violations
            ]
    return found


def run_batch(
    context: click.Context,
    path: Path,
    types: tuple[type[RequestT], type[ResponseT]],
    send: Callable[[DosingClient, Sequence[RequestT]], Sequence[Any]],
) -> None:
    """Send the requests of ``path`` in batches with ``send`` and print one result per line
    (``types``: the request and the batch response types)."""
    request_type, response_type = types
    numbered = read_requests(path, request_type)
    requests = [request for _, request in numbered]
    failed = 0

    def everything(client: DosingClient) -> ResponseT:
        merged = response_type()
        for start in range(0, len(requests), MAX_BATCH_REQUESTS):
            merged.results.extend(send(client, requests[start : start + MAX_BATCH_REQUESTS]))  # type: ignore[attr-defined] # (every batch response has results)
        return merged

    response = call(context, everything, lambda _console, _response: None, as_json=False)
    results: Sequence[Any] = response.results  # type: ignore[attr-defined] # (as above)
    for (number, _), result in zip(numbered, results, strict=True):
        if result.WhichOneof("result") == "error":
            failed += 1
            document = {"line": number, "error": _error(result.error)}
        else:
            document = {"line": number, "response": json_format.MessageToDict(result.response)}
        click.echo(json.dumps(document))
    if failed:
        context.exit(EXIT_INVALID_REQUEST)
