"""Translation between wire messages (``b12.dosing.v1``) and kernel values (``kernel.model``).

This is the only place that knows both shapes, and it holds no clinical rule. The readers and
writers are generated (``server.grpc.translation_generated``, written by
``python -m server.grpc.translation_generator`` from the tables of
``server.grpc.translation_tables``, committed and checked for staleness), so every line the
service runs to translate is ordinary code a reader, a type checker and a coverage tool can see.

Wire to kernel (``decode_*``): a field with presence that is absent becomes ``None`` ("not
given"); an ``_UNSPECIFIED`` enum becomes the kernel's ``UNSPECIFIED`` member, which the kernel
rejects. What the kernel cannot see, because it cannot be expressed in its values, becomes a
field violation here: a ``google.type.Date`` that is not a calendar date (month 13, year 0, 31
April), an enum number the proto does not define. Such a field is then left out (``None``, or the
item dropped from a list of dates) so that the kernel can still validate the rest of the request;
``merge_violations`` puts both sets of violations together, in request field order, with the list
indices of the request.

Kernel to wire (``encode``): built in place (``msg.field = ...``, ``repeated.add()``), which costs
half as much as keyword constructors; date-free values that recur from call to call are written
once and copied.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from b12.dosing.v1 import dosing_pb2 as pb
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from kernel import model
from server.grpc.translation_generated import READERS, WRITERS
from server.grpc.translation_tables import (
    DATE_REASON,
    ENUMS,
    PAIRS,
    RENAMES,
    EnumTable,
    Sink,
    descriptor_of,
    set_date,
    to_date,
    wire_enum_prefix,
)

__all__ = [
    "DATE_REASON",
    "ENUMS",
    "PAIRS",
    "RENAMES",
    "Decoded",
    "EnumTable",
    "decode",
    "decode_check_request",
    "decode_course_request",
    "decode_plan_request",
    "descriptor_of",
    "encode",
    "encode_plan_outcome",
    "merge_violations",
    "set_date",
    "to_date",
    "wire_enum_prefix",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Decoded(Generic[T]):
    """A request decoded from the wire: the kernel value, and the violations only decoding can
    see (with the request indices of list items kept where items had to be dropped)."""

    value: T
    violations: tuple[model.FieldViolation, ...]
    kept_indices: Mapping[str, tuple[int, ...]]
    # The wire request type (for ordering violations in request field order).
    descriptor: Descriptor


# ---------------------------------------------------------------------------------------------
# Public interface.
# ---------------------------------------------------------------------------------------------


def decode(message: Message, kernel: type[T]) -> Decoded[T]:
    """Decode a wire message into the kernel value of type ``kernel``."""
    sink = Sink()
    value = READERS[kernel](message, "", sink)
    return Decoded(
        value=value,
        violations=tuple(sink.violations),
        kept_indices=sink.kept,
        descriptor=descriptor_of(message),
    )


def decode_plan_request(message: pb.PlanRegimenRequest) -> Decoded[model.PlanRequest]:
    """Decode a PlanRegimen request."""
    return decode(message, model.PlanRequest)


def decode_check_request(message: pb.CheckRegimenRequest) -> Decoded[model.CheckRequest]:
    """Decode a CheckRegimen request."""
    return decode(message, model.CheckRequest)


def decode_course_request(message: pb.AssessCourseRequest) -> Decoded[model.CourseRequest]:
    """Decode an AssessCourse request."""
    return decode(message, model.CourseRequest)


def encode(value: object, message: Message) -> None:
    """Write the kernel value ``value`` (any type in ``PAIRS``) into its wire ``message``."""
    WRITERS[type(value)](value, message)


def encode_plan_outcome(
    result: model.RegimenPlan | model.Referral, message: pb.PlanRegimenResponse
) -> None:
    """Write a plan or a referral into the ``outcome`` of a PlanRegimen response."""
    if isinstance(result, model.RegimenPlan):
        WRITERS[model.RegimenPlan](result, message.plan)
    else:
        WRITERS[model.Referral](result, message.referral)


_LIST_ITEM = re.compile(r"^(?P<list>[a-z0-9_.]+)\[(?P<index>\d+)\](?P<rest>.*)$")
_SEGMENT = re.compile(r"([a-z0-9_]+)(?:\[(\d+)\])?")


def _request_index(path: str, kept: Mapping[str, tuple[int, ...]]) -> str:
    """Rewrite a kernel path into a list from which decoding dropped items to the request's
    own index of that item."""
    match = _LIST_ITEM.match(path)
    if match is None or match["list"] not in kept:
        return path
    original = kept[match["list"]][int(match["index"])]
    return f"{match['list']}[{original}]{match['rest']}"


def _field_order(path: str, descriptor: Descriptor) -> tuple[int, ...]:
    """Return the position of a field path in request field order (numbers, then indices)."""
    key: list[int] = []
    current: Descriptor | None = descriptor
    for name, index in _SEGMENT.findall(path):
        field = current.fields_by_name.get(name) if current is not None else None
        if field is None:
            return (*key, 1 << 30)
        key.append(field.number)
        key.append(int(index) if index else -1)
        current = field.message_type
    return tuple(key)


def merge_violations(
    decoded: Decoded[Any], kernel_violations: Sequence[model.FieldViolation]
) -> tuple[model.FieldViolation, ...]:
    """Put the violations decoding found together with the kernel's, for one request.

    Each field is named once: where decoding already named a field (and so left it out), the
    kernel's "is required" for it is not repeated. Kernel paths into lists from which items were
    dropped are rewritten to the request's indices. The result is in request field order.
    """
    if not decoded.violations and not decoded.kept_indices:
        return tuple(kernel_violations)
    named = {violation.field for violation in decoded.violations}
    merged = list(decoded.violations)
    for violation in kernel_violations:
        path = _request_index(violation.field, decoded.kept_indices)
        if path not in named:
            merged.append(model.FieldViolation(path, violation.reason))
    request = decoded.descriptor
    return tuple(sorted(merged, key=lambda violation: _field_order(violation.field, request)))
