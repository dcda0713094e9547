"""Translation between wire messages (``b12.dosing.v1``) and kernel values (``kernel.model``).

This is the only place that knows both shapes, and it holds no clinical rule. The translation is
table-driven: the tables are compiled once, at import, from the kernel's dataclasses and the proto
descriptors, which share field names (``RENAMES`` lists the one exception). Compiling fails at
import when either side has a field or an enum member the other lacks, so the two cannot drift
apart silently.

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

Both directions are compiled from the tables into straight-line Python functions (the way
``dataclasses`` builds ``__init__``): against a loop over per-field closures they cost about a
fifth less CPU per call. ``python -c "from server.grpc import translate; print(translate.SOURCE)"``
shows the code.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar, cast

from b12.dosing.v1 import dosing_pb2 as pb
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.type import date_pb2

from kernel import model

T = TypeVar("T")

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

# (kernel type, kernel field) -> wire field, where the names differ.
RENAMES: Final[Mapping[tuple[type[Any], str], str]] = {
    (model.RuleSet, "version"): "rule_set_version",
}


def descriptor_of(message: type[Message] | Message) -> Descriptor:
    """Return the descriptor of a wire message type or message."""
    return cast("Descriptor", message.DESCRIPTOR)


_DATE_NAME: Final = descriptor_of(date_pb2.Date).full_name
_KERNEL_TYPE_OF: Final = {descriptor_of(message).full_name: kernel for kernel, message in PAIRS}


# ---------------------------------------------------------------------------------------------
# Enums: mapped by name (the wire name is the kernel name with the enum's prefix).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnumTable:
    """The mapping between one kernel enum and its wire enum."""

    kernel: type[enum.Enum]
    to_wire: Mapping[enum.Enum, int]
    to_kernel: Mapping[int, enum.Enum]
    wire_name: str


def _prefix(enum_name: str) -> str:
    """``CourseNeurologicalStatus`` -> ``COURSE_NEUROLOGICAL_STATUS_``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum_name).upper() + "_"


def _enum_table(descriptor: Any) -> EnumTable:  # noqa: ANN401 (an EnumDescriptor)
    kernel: type[enum.Enum] = getattr(model, descriptor.name)
    prefix = _prefix(descriptor.name)
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
    field.enum_type.full_name: _enum_table(field.enum_type)
    for _, message in PAIRS
    for field in message.DESCRIPTOR.fields
    if field.enum_type is not None
}


def _unknown_enum_reason(table: EnumTable, number: int) -> str:
    return f"value {number} is not defined in {table.wire_name}"


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
# Wire -> kernel. Like the writers below, each reader is straight-line code generated from the
# tables: one local per field, then the kernel's constructor.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Sink:
    """What decoding found that the kernel cannot see."""

    violations: list[model.FieldViolation] = dataclasses.field(default_factory=list)
    # List path -> the request indices of the items kept, where items were dropped.
    kept: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)


_MessageReader = Callable[[Message, str, _Sink], Any]


@dataclass(frozen=True)
class Decoded(Generic[T]):
    """A request decoded from the wire: the kernel value, and the violations only decoding can
    see (with the request indices of list items kept where items had to be dropped)."""

    value: T
    violations: tuple[model.FieldViolation, ...]
    kept_indices: Mapping[str, tuple[int, ...]]
    # The wire request type (for ordering violations in request field order).
    descriptor: Descriptor


def _bad_date(path: str, sink: _Sink) -> None:
    sink.violations.append(model.FieldViolation(path, DATE_REASON))


def _dates(items: Sequence[date_pb2.Date], path: str, sink: _Sink) -> tuple[datetime.date, ...]:
    """Read a list of dates; an item that is not a date is named and dropped (and the request
    index of every item kept is recorded, for the kernel's violations)."""
    days: list[datetime.date] = []
    kept: list[int] = []
    for index, item in enumerate(items):
        day = to_date(item)
        if day is None:
            _bad_date(f"{path}[{index}]", sink)
        else:
            days.append(day)
            kept.append(index)
    if len(kept) != len(items):
        sink.kept[path] = tuple(kept)
    return tuple(days)


def _bad_enum(table: EnumTable, number: int, path: str, sink: _Sink) -> None:
    sink.violations.append(model.FieldViolation(path, _unknown_enum_reason(table, number)))


def _enums(
    table: EnumTable, numbers: Sequence[int], path: str, sink: _Sink
) -> tuple[enum.Enum, ...]:
    members = []
    for index, number in enumerate(numbers):
        member = table.to_kernel.get(number)
        if member is None:
            _bad_enum(table, number, f"{path}[{index}]", sink)
        else:
            members.append(member)
    return tuple(members)


def _reader_lines(name: str, field: FieldDescriptor) -> list[str]:  # noqa: PLR0911 (one per kind)
    """Return the lines that read wire ``field`` of ``m`` into the local ``f_<name>``; a path
    (prefix ``p``) is only built for a violation."""
    wire, local = field.name, f"f_{name}"
    if field.type == FieldDescriptor.TYPE_MESSAGE and _message_type(field).full_name == _DATE_NAME:
        if field.is_repeated:
            return [f"{local} = dates(m.{wire}, p + {wire!r}, sink)"]
        return [
            f"if m.HasField({wire!r}):",
            f"    d = m.{wire}",
            "    try:",
            f"        {local} = DATE(d.year, d.month, d.day)",
            "    except ValueError:",
            f"        {local} = None",
            f"        bad_date(p + {wire!r}, sink)",
            "else:",
            f"    {local} = None",
        ]
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        nested = f"read_{_nested_kernel_type(field).__name__}"
        if field.is_repeated:
            item = f"{nested}(x, f'{{p}}{wire}[{{i}}].', sink)"
            return [f"{local} = tuple({item} for i, x in enumerate(m.{wire}))"]
        return [f"{local} = {nested}(m.{wire}, p + {wire + '.'!r}, sink)"]
    if field.type == FieldDescriptor.TYPE_ENUM:
        table = f"ENUM_{_enum_table_of(field).kernel.__name__}"
        if field.is_repeated:
            return [f"{local} = enums({table}, m.{wire}, p + {wire!r}, sink)"]
        lines = [
            f"n = m.{wire}",
            f"{local} = {table}.to_kernel.get(n)",
            f"if {local} is None:",
            f"    bad_enum({table}, n, p + {wire!r}, sink)",
        ]
        if field.has_presence:
            present = [f"    {line}" for line in lines]
            return [f"if m.HasField({wire!r}):", *present, "else:", f"    {local} = None"]
        return lines
    if field.is_repeated:
        return [f"{local} = tuple(m.{wire})"]
    if field.has_presence:
        return [f"{local} = m.{wire} if m.HasField({wire!r}) else None"]
    return [f"{local} = m.{wire}"]


def _reader_source(kernel: type[Any], descriptor: Descriptor) -> str:
    fields = _field_names(kernel, descriptor)
    lines = [f"def read_{kernel.__name__}(m, p, sink):"]
    for name, field in fields:
        lines.extend(f"    {line}" for line in _reader_lines(name, field))
    arguments = ", ".join(f"{name}=f_{name}" for name, _ in fields)
    lines.append(f"    return KERNEL_{kernel.__name__}({arguments})")
    return "\n".join(lines) + "\n"


def _compile_readers() -> dict[type[Any], _MessageReader]:
    namespace: dict[str, Any] = {f"ENUM_{table.kernel.__name__}": table for table in ENUMS.values()}
    namespace.update(
        {f"KERNEL_{kernel.__name__}": kernel for kernel, _ in PAIRS},
        DATE=datetime.date,
        dates=_dates,
        bad_date=_bad_date,
        enums=_enums,
        bad_enum=_bad_enum,
    )
    source = "\n".join(_reader_source(kernel, descriptor_of(message)) for kernel, message in PAIRS)
    # Built only from identifiers of the kernel's dataclasses and the proto descriptors (checked
    # against each other by _field_names); no input reaches the source.
    _SOURCES.append(source)
    exec(compile(source, f"<{__name__} readers>", "exec"), namespace)  # noqa: S102
    return {kernel: namespace[f"read_{kernel.__name__}"] for kernel, _ in PAIRS}


# ---------------------------------------------------------------------------------------------
# Kernel -> wire. Each writer is straight-line code generated from the tables, the way
# dataclasses generates __init__: a generic loop over closures costs three times as much per
# response, and building responses is most of the service's own work per call.
# ---------------------------------------------------------------------------------------------

_MessageWriter = Callable[[Any, Message], None]

# Values without dates, which recur from call to call (the same warning, guidance, item or
# interval rule for many patients): each is written once and copied into later responses, which
# halves their cost. The
# values are hashable (frozen dataclasses of strings, numbers, enums and tuples); each cache keeps
# at most CACHE_LIMIT values and then stops growing.
CACHED: Final = (
    model.AdministrationGuidance,
    model.Finding,
    model.Item,
    model.IntervalRule,
    model.RuleDescription,
)
CACHE_LIMIT: Final = 2048


def _writer_name(kernel: type[Any]) -> str:
    return f"write_{kernel.__name__}"


def _enum_expression(table: EnumTable, variable: str) -> str:
    """Return the expression giving the wire number of the kernel member in ``variable``."""
    if all(number == member.value for member, number in table.to_wire.items()):
        return f"{variable}._value_"  # the same numbers on both sides: no lookup needed
    return f"ENUM_{table.kernel.__name__}[{variable}]"


def _writer_lines(name: str, field: FieldDescriptor) -> list[str]:  # noqa: PLR0911 (one per kind)
    """Return the lines that write kernel field ``name`` into wire ``field`` (of ``v`` into
    ``m``)."""
    wire = field.name
    if field.type == FieldDescriptor.TYPE_MESSAGE and _message_type(field).full_name == _DATE_NAME:
        if field.is_repeated:
            return [
                f"add = m.{wire}.add",
                f"for d in v.{name}:",
                "    x = add()",
                "    x.year = d.year",
                "    x.month = d.month",
                "    x.day = d.day",
            ]
        return [
            f"d = v.{name}",
            "if d is not None:",
            f"    x = m.{wire}",
            "    x.year = d.year",
            "    x.month = d.month",
            "    x.day = d.day",
        ]
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        nested_type = _nested_kernel_type(field)
        nested = _writer_name(nested_type)
        if field.is_repeated and nested_type in CACHED:
            cache = f"CACHE_{nested_type.__name__}"
            return [
                f"add = m.{wire}.add",
                f"for x in v.{name}:",
                f"    c = {cache}.get(x)",
                "    if c is None:",
                f"        c = cached(x, {nested}, WIRE_{nested_type.__name__}, {cache})",
                "    add().CopyFrom(c)",
            ]
        if field.is_repeated:
            return [f"add = m.{wire}.add", f"for x in v.{name}:", f"    {nested}(x, add())"]
        if nested_type in CACHED:
            cache = f"CACHE_{nested_type.__name__}"
            return [
                f"x = v.{name}",
                "if x is not None:",
                f"    c = {cache}.get(x)",
                "    if c is None:",
                f"        c = cached(x, {nested}, WIRE_{nested_type.__name__}, {cache})",
                f"    m.{wire}.CopyFrom(c)",
            ]
        return [f"x = v.{name}", "if x is not None:", f"    {nested}(x, m.{wire})"]
    if field.type == FieldDescriptor.TYPE_ENUM:
        table = _enum_table_of(field)
        if field.is_repeated:
            item = _enum_expression(table, "e")
            return [f"if v.{name}:", f"    m.{wire}.extend([{item} for e in v.{name}])"]
        return [
            f"e = v.{name}",
            "if e is not None:",
            f"    m.{wire} = {_enum_expression(table, 'e')}",
        ]
    if field.is_repeated:
        return [f"if v.{name}:", f"    m.{wire}.extend(v.{name})"]
    return [f"s = v.{name}", "if s is not None:", f"    m.{wire} = s"]


def _writer_source(kernel: type[Any], descriptor: Descriptor) -> str:
    lines = [f"def {_writer_name(kernel)}(v, m):"]
    for name, field in _field_names(kernel, descriptor):
        lines.extend(f"    {line}" for line in _writer_lines(name, field))
    return "\n".join(lines) + "\n"


def _cached(
    value: object,
    write: _MessageWriter,
    wire_type: type[Message],
    cache: dict[object, Message],
) -> Message:
    """Return the wire message of ``value``, built once and kept while the cache has room."""
    message = wire_type()
    write(value, message)
    if len(cache) < CACHE_LIMIT:
        cache[value] = message
    return message


def _compile_writers() -> dict[type[Any], _MessageWriter]:
    names = {f"ENUM_{table.kernel.__name__}": table.to_wire for table in ENUMS.values()}
    namespace: dict[str, Any] = dict(names)
    namespace["cached"] = _cached
    for kernel in CACHED:
        namespace[f"CACHE_{kernel.__name__}"] = {}
        namespace[f"WIRE_{kernel.__name__}"] = dict(PAIRS)[kernel]
    source = "\n".join(_writer_source(kernel, descriptor_of(message)) for kernel, message in PAIRS)
    # The source is built only from identifiers of the kernel's dataclasses and the proto
    # descriptors, both checked against each other by _field_names; no input reaches it.
    _SOURCES.append(source)
    exec(compile(source, f"<{__name__} writers>", "exec"), namespace)  # noqa: S102
    return {kernel: namespace[_writer_name(kernel)] for kernel, _ in PAIRS}


# ---------------------------------------------------------------------------------------------
# Compiling the tables.
# ---------------------------------------------------------------------------------------------


def _message_type(field: FieldDescriptor) -> Descriptor:
    if field.message_type is None:  # pragma: no cover (called for message fields only)
        raise TypeError(field.full_name)
    return field.message_type


def _enum_table_of(field: FieldDescriptor) -> EnumTable:
    if field.enum_type is None:  # pragma: no cover (called for enum fields only)
        raise TypeError(field.full_name)
    return ENUMS[field.enum_type.full_name]


def _nested_kernel_type(field: FieldDescriptor) -> type[Any]:
    name = _message_type(field).full_name
    kernel = _KERNEL_TYPE_OF.get(name)
    if kernel is None:
        message = f"{field.full_name}: no kernel type for {name}"
        raise TypeError(message)
    return kernel


def _field_names(kernel: type[Any], descriptor: Descriptor) -> list[tuple[str, FieldDescriptor]]:
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


_SOURCES: list[str] = []
_READERS: Final = _compile_readers()
_WRITERS: Final = _compile_writers()
# The generated readers and writers, for reading.
SOURCE: Final = "\n".join(_SOURCES)


# ---------------------------------------------------------------------------------------------
# Public interface.
# ---------------------------------------------------------------------------------------------


def decode(message: Message, kernel: type[T]) -> Decoded[T]:
    """Decode a wire message into the kernel value of type ``kernel``."""
    sink = _Sink()
    value = _READERS[kernel](message, "", sink)
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
    _WRITERS[type(value)](value, message)


def encode_plan_outcome(
    result: model.RegimenPlan | model.Referral, message: pb.PlanRegimenResponse
) -> None:
    """Write a plan or a referral into the ``outcome`` of a PlanRegimen response."""
    if isinstance(result, model.RegimenPlan):
        _WRITERS[model.RegimenPlan](result, message.plan)
    else:
        _WRITERS[model.Referral](result, message.referral)


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
