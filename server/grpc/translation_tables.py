"""The tables the translation between the wire (``b12.dosing.v1``) and the kernel is made from,
and the helpers its generated readers and writers call.

The kernel's dataclasses and the proto descriptors share field names (``RENAMES`` lists the one
exception) and enum member names (the wire name is the kernel name with the enum's prefix).
``field_pairs`` and ``enum_table`` fail when either side has a field or a member the other lacks,
so the two cannot drift apart silently: ``server.grpc.translation_generator`` reads these tables
to write ``server.grpc.translation_generated``, and its check fails on any difference.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from b12.dosing.v1 import dosing_pb2 as pb
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.type import date_pb2

from kernel import model

DATE_REASON: Final = (
    "must be a calendar date: year 1-9999, month 1-12 and a day that exists in that month"
)

# Kernel value type -> wire message type, one for one. Nested fields find their kernel type here
# by the wire type of the field.
PAIRS: Final[tuple[tuple[type[Any], type[Message]], ...]] = (
    # Requests.
    (model.PlanRequest, pb.PlanRegimenRequest),
    (model.CheckRequest, pb.CheckRegimenRequest),
    (model.CourseRequest, pb.AssessCourseRequest),
    (model.PatientProfile, pb.PatientProfile),
    (model.ProposedRegimen, pb.ProposedRegimen),
    (model.LabResult, pb.LabResult),
    # Responses.
    (model.RegimenPlan, pb.RegimenPlan),
    (model.Referral, pb.Referral),
    (model.ReferralReason, pb.ReferralReason),
    (model.LoadingPhase, pb.LoadingPhase),
    (model.MaintenancePhase, pb.MaintenancePhase),
    (model.AdministrationGuidance, pb.AdministrationGuidance),
    (model.MonitoringSchedule, pb.MonitoringSchedule),
    (model.Finding, pb.Finding),
    (model.Item, pb.Item),
    (model.IntervalRule, pb.IntervalRule),
    (model.RegimenCheck, pb.CheckRegimenResponse),
    (model.CourseAssessment, pb.AssessCourseResponse),
    (model.CourseSchedule, pb.CourseSchedule),
    (model.RuleSet, pb.DescribeRuleSetResponse),
    (model.RuleDescription, pb.RuleDescription),
)
#: The request types (read from the wire); the others are written to it.
REQUEST_TYPES: Final = PAIRS[:6]

# (kernel type, kernel field) -> wire field, where the names differ.
RENAMES: Final[Mapping[tuple[type[Any], str], str]] = {
    (model.RuleSet, "version"): "rule_set_version",
}

# Values without dates, which recur from call to call (the same warning, guidance, item or
# interval rule for many patients): each is written once and copied into later responses, which
# halves their cost. The values are hashable (frozen dataclasses of strings, numbers, enums and
# tuples); each cache keeps at most CACHE_LIMIT values and then stops growing.
CACHED: Final = (
    model.AdministrationGuidance,
    model.Finding,
    model.Item,
    model.IntervalRule,
    model.RuleDescription,
)
CACHE_LIMIT: Final = 2048


def descriptor_of(message: type[Message] | Message) -> Descriptor:
    """Return the descriptor of a wire message type or message."""
    return cast("Descriptor", message.DESCRIPTOR)


DATE_NAME: Final = descriptor_of(date_pb2.Date).full_name
KERNEL_TYPE_OF: Final = {descriptor_of(message).full_name: kernel for kernel, message in PAIRS}
WIRE_TYPE_OF: Final[Mapping[type[Any], type[Message]]] = dict(PAIRS)


# ---------------------------------------------------------------------------------------------
# Enums: mapped by name.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnumTable:
    """The mapping between one kernel enum and its wire enum."""

    kernel: type[enum.Enum]
    to_wire: Mapping[enum.Enum, int]
    to_kernel: Mapping[int, enum.Enum]
    wire_name: str


def wire_enum_prefix(enum_name: str) -> str:
    """``CourseNeurologicalStatus`` -> ``COURSE_NEUROLOGICAL_STATUS_``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_name).upper() + "_"


def enum_table(descriptor: Any) -> EnumTable:  # noqa: ANN401 (an EnumDescriptor of either kind)
    """Map one wire enum to the kernel enum of the same name, member by member."""
    kernel: type[enum.Enum] = getattr(model, descriptor.name)
    prefix = wire_enum_prefix(descriptor.name)
    wire_numbers = {value.name: value.number for value in descriptor.values}
    to_wire: dict[enum.Enum, int] = {}
    for member in kernel:
        name = prefix + member.name
        if name not in wire_numbers:
            message = f"{descriptor.full_name} has no value {name} for kernel {member!r}"
            raise TypeError(message)
        to_wire[member] = wire_numbers[name]
    # Every wire value but a zero `_UNSPECIFIED` the kernel does not have maps to a kernel member.
    unmapped = set(wire_numbers.values()) - set(to_wire.values()) - {0}
    if unmapped:
        message = f"{descriptor.full_name} values {sorted(unmapped)} have no kernel member"
        raise TypeError(message)
    return EnumTable(
        kernel=kernel,
        to_wire=to_wire,
        to_kernel={number: member for member, number in to_wire.items()},
        wire_name=descriptor.full_name,
    )


# The enums of the fields of the paired messages: the kernel's enums on the wire. (The proto may
# hold enums of its own that are no kernel value.)
ENUMS: Final[Mapping[str, EnumTable]] = {
    field.enum_type.full_name: enum_table(field.enum_type)
    for _, message in PAIRS
    for field in message.DESCRIPTOR.fields
    if field.enum_type is not None
}
#: The same tables by kernel enum name (what the generated code refers to).
ENUMS_BY_KERNEL_NAME: Final[Mapping[str, EnumTable]] = {
    table.kernel.__name__: table for table in ENUMS.values()
}


def unknown_enum_reason(table: EnumTable, number: int) -> str:
    """Return the reason for an enum number the proto does not define."""
    return f"value {number} is not defined in {table.wire_name}"


# ---------------------------------------------------------------------------------------------
# Fields.
# ---------------------------------------------------------------------------------------------


def message_type(field: FieldDescriptor) -> Descriptor:
    """Return the message type of a message field."""
    if field.message_type is None:  # pragma: no cover (called for message fields only)
        raise TypeError(field.full_name)
    return field.message_type


def enum_table_of(field: FieldDescriptor) -> EnumTable:
    """Return the enum table of an enum field."""
    if field.enum_type is None:  # pragma: no cover (called for enum fields only)
        raise TypeError(field.full_name)
    return ENUMS[field.enum_type.full_name]


def nested_kernel_type(field: FieldDescriptor) -> type[Any]:
    """Return the kernel type of a message field's wire type."""
    name = message_type(field).full_name
    kernel = KERNEL_TYPE_OF.get(name)
    if kernel is None:
        message = f"{field.full_name}: no kernel type for {name}"
        raise TypeError(message)
    return kernel


def field_pairs(kernel: type[Any], descriptor: Descriptor) -> list[tuple[str, FieldDescriptor]]:
    """Pair each kernel field with its wire field; fail unless both sides have the same set."""
    pairs = [
        (field.name, descriptor.fields_by_name.get(RENAMES.get((kernel, field.name), field.name)))
        for field in dataclasses.fields(kernel)
    ]
    missing = [name for name, wire in pairs if wire is None]
    extra = set(descriptor.fields_by_name) - {wire.name for _, wire in pairs if wire is not None}
    if missing or extra:
        message = (
            f"{kernel.__name__} <-> {descriptor.full_name}: kernel fields without a wire field"
            f" {missing}, wire fields without a kernel field {sorted(extra)}"
        )
        raise TypeError(message)
    for name, wire in pairs:
        if wire is not None and not (name.isidentifier() and wire.name.isidentifier()):
            raise TypeError(f"{kernel.__name__}.{name}: not an identifier")  # noqa: EM102, TRY003
    return [(name, wire) for name, wire in pairs if wire is not None]


# ---------------------------------------------------------------------------------------------
# Dates.
# ---------------------------------------------------------------------------------------------


def to_date(message: date_pb2.Date) -> datetime.date | None:
    """Return the calendar date of a ``google.type.Date``, or ``None`` if it is not one (a
    partial date, or an impossible one)."""
    try:
        return datetime.date(message.year, message.month, message.day)
    except ValueError:
        return None


def set_date(message: date_pb2.Date, day: datetime.date) -> None:
    """Write ``day`` into ``message`` in place."""
    message.year = day.year
    message.month = day.month
    message.day = day.day


# ---------------------------------------------------------------------------------------------
# What the generated readers call.
# ---------------------------------------------------------------------------------------------


@dataclass
class Sink:
    """What decoding found that the kernel cannot see."""

    violations: list[model.FieldViolation] = dataclasses.field(default_factory=list)
    # List path -> the request indices of the items kept, where items were dropped.
    kept: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)


def bad_date(path: str, sink: Sink) -> None:
    """Name a field that is not a calendar date."""
    sink.violations.append(model.FieldViolation(path, DATE_REASON))


def read_dates(items: Sequence[date_pb2.Date], path: str, sink: Sink) -> tuple[datetime.date, ...]:
    """Read a list of dates; an item that is not a date is named and dropped (and the request
    index of every item kept is recorded, for the kernel's violations)."""
    days: list[datetime.date] = []
    kept: list[int] = []
    for index, item in enumerate(items):
        day = to_date(item)
        if day is None:
            bad_date(f"{path}[{index}]", sink)
        else:
            days.append(day)
            kept.append(index)
    if len(kept) != len(items):
        sink.kept[path] = tuple(kept)
    return tuple(days)


def bad_enum(table: EnumTable, number: int, path: str, sink: Sink) -> None:
    """Name a field whose enum number the proto does not define."""
    sink.violations.append(model.FieldViolation(path, unknown_enum_reason(table, number)))


def read_enums(
    table: EnumTable, numbers: Sequence[int], path: str, sink: Sink
) -> tuple[enum.Enum, ...]:
    """Read a list of enum numbers; an unknown one is named and dropped."""
    members = []
    for index, number in enumerate(numbers):
        member = table.to_kernel.get(number)
        if member is None:
            bad_enum(table, number, f"{path}[{index}]", sink)
        else:
            members.append(member)
    return tuple(members)


# ---------------------------------------------------------------------------------------------
# What the generated writers call.
# ---------------------------------------------------------------------------------------------

MessageWriter = Callable[[Any, Any], None]


def cached_message(
    value: object,
    write: MessageWriter,
    wire_type: type[Message],
    cache: dict[object, Message],
) -> Message:
    """Return the wire message of ``value``, built once and kept while the cache has room."""
    message = wire_type()
    write(value, message)
    if len(cache) < CACHE_LIMIT:
        cache[value] = message
    return message
