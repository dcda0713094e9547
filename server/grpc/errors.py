"""The one mapping from kernel validation results to gRPC errors.

A request the kernel (or decoding) finds invalid becomes ``INVALID_ARGUMENT`` with a
``google.rpc.BadRequest`` detail: one field violation per offending field, its path in proto field
names and its reason. The status message names the fields only, so that a caller reading just the
message still knows where to look; neither carries anything of the response.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import grpc
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from kernel.model import FieldViolation

# The status message lists at most this many field paths (the detail always lists them all).
MESSAGE_FIELDS_SHOWN: Final = 10


def bad_request(violations: Sequence[FieldViolation]) -> error_details_pb2.BadRequest:
    """Return the ``google.rpc.BadRequest`` detail for ``violations``."""
    detail = error_details_pb2.BadRequest()
    for violation in violations:
        item = detail.field_violations.add()
        item.field = violation.field
        item.description = violation.reason
    return detail


def invalid_argument_status(violations: Sequence[FieldViolation]) -> status_pb2.Status:
    """Return the ``google.rpc.Status`` (``INVALID_ARGUMENT`` with its ``BadRequest``) for
    ``violations`` (never empty): the error of a call, or of one item of a batch."""
    fields = [violation.field for violation in violations]
    shown = ", ".join(fields[:MESSAGE_FIELDS_SHOWN])
    more = len(fields) - MESSAGE_FIELDS_SHOWN
    noun = "field" if len(fields) == 1 else "fields"
    message = (
        f"invalid request: {len(fields)} {noun} ({shown}{f', and {more} more' if more > 0 else ''})"
    )
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=message)
    status.details.add().Pack(bad_request(violations))
    return status


def invalid_argument(violations: Sequence[FieldViolation]) -> grpc.Status:
    """Return the ``INVALID_ARGUMENT`` status of a call for ``violations`` (never empty)."""
    return rpc_status.to_status(invalid_argument_status(violations))


def internal_status(message: str) -> status_pb2.Status:
    """Return the ``INTERNAL`` ``google.rpc.Status`` of one item of a batch."""
    return status_pb2.Status(code=code_pb2.INTERNAL, message=message)
