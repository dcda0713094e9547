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
half as much as keyword constructors.
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
    (model.LoadingPhase, pb.LoadingPhase),
    (model.MaintenancePhase, pb.MaintenancePhase),
    (model.AdministrationGuidance, pb.AdministrationGuidance),
    (model.MonitoringSchedule, pb.MonitoringSchedule),
    (model.Finding, pb.Finding),
    (model.Item, pb.Item),
    (model.IntervalRule, pb.IntervalRule),
    (model.RegimenCheck, pb.CheckRegimenResponse),
    (model.CourseAssessment, pb.AssessCourseResponse),
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
# Wire -> kernel.
# ---------------------------------------------------------------------------------------------


@dataclass
class _Sink:
    """What decoding found that the kernel cannot see."""

    violations: list[model.FieldViolation] = dataclasses.field(default_factory=list)
    # List path -> the request indices of the items kept, where items were dropped.
    kept: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)


_FieldReader = Callable[[Message, dict[str, Any], str, _Sink], None]
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


def _read_date(name: str, key: str) -> _FieldReader:
    def read(message: Message, out: dict[str, Any], prefix: str, sink: _Sink) -> None:
        if not message.HasField(name):
            out[key] = None
            return
        day = to_date(getattr(message, name))
        if day is None:
            sink.violations.append(model.FieldViolation(prefix + name, DATE_REASON))
        out[key] = day

    return read


def _read_dates(name: str, key: str) -> _FieldReader:
    def read(message: Message, out: dict[str, Any], prefix: str, sink: _Sink) -> None:
        days: list[datetime.date] = []
        kept: list[int] = []
        items = getattr(message, name)
        for index, item in enumerate(items):
            day = to_date(item)
            if day is None:
                sink.violations.append(
                    model.FieldViolation(f"{prefix}{name}[{index}]", DATE_REASON)
                )
            else:
                days.append(day)
                kept.append(index)
        if len(kept) != len(items):
            sink.kept[prefix + name] = tuple(kept)
        out[key] = tuple(days)

    return read


def _read_message(name: str, key: str, reader: Callable[[], _MessageReader]) -> _FieldReader:
    def read(message: Message, out: dict[str, Any], prefix: str, sink: _Sink) -> None:
        out[key] = reader()(getattr(message, name), f"{prefix}{name}.", sink)

    return read


def _read_messages(name: str, key: str, reader: Callable[[], _MessageReader]) -> _FieldReader:
    def read(message: Message, out: dict[str, Any], prefix: str, sink: _Sink) -> None:
        read_one = reader()
        out[key] = tuple(
            read_one(item, f"{prefix}{name}[{index}].", sink)
            for index, item in enumerate(getattr(message, name))
        )

    return read


def _read_enum(name: str, key: str, table: EnumTable, *, presence: bool) -> _FieldReader:
    to_kernel = table.to_kernel

    def read(message: Message, out: dict[str, Any], prefix: str, sink: _Sink) -> None:
        if presence and not message.HasField(name):
            out[key] = None
            return
        number = getattr(message, name)
        member = to_kernel.get(number)
        if member is None:
            sink.violations.append(
                model.FieldViolation(prefix + name, _unknown_enum_reason(table, number))
            )
        out[key] = member

    return read


def _read_enums(name: str, key: str, table: EnumTable) -> _FieldReader:
    to_kernel = table.to_kernel

    def read(message: Message, out: dict[str, Any], prefix: str, sink: _Sink) -> None:
        members: list[enum.Enum] = []
        for index, number in enumerate(getattr(message, name)):
            member = to_kernel.get(number)
            if member is None:
                sink.violations.append(
                    model.FieldViolation(
                        f"{prefix}{name}[{index}]", _unknown_enum_reason(table, number)
                    )
                )
            else:
                members.append(member)
        out[key] = tuple(members)

    return read


def _read_scalar(name: str, key: str, *, presence: bool, repeated: bool) -> _FieldReader:
    def read(message: Message, out: dict[str, Any], _prefix: str, _sink: _Sink) -> None:
        if repeated:
            out[key] = tuple(getattr(message, name))
        elif presence and not message.HasField(name):
            out[key] = None
        else:
            out[key] = getattr(message, name)

    return read


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
    exec(compile(source, f"<{__name__} writers>", "exec"), namespace)  # noqa: S102
    return {kernel: namespace[_writer_name(kernel)] for kernel, _ in PAIRS}


# ---------------------------------------------------------------------------------------------
# Compiling the tables.
# ---------------------------------------------------------------------------------------------

_READERS: dict[type[Any], _MessageReader] = {}


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


def _reader(name: str, field: FieldDescriptor) -> _FieldReader:
    """Return how to read wire ``field`` into kernel field ``name``."""
    wire = field.name
    repeated = field.is_repeated
    if field.type == FieldDescriptor.TYPE_MESSAGE and _message_type(field).full_name == _DATE_NAME:
        return _read_dates(wire, name) if repeated else _read_date(wire, name)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        nested = _nested_kernel_type(field)

        # Looked up at call time: a message type may be compiled after the fields that hold it.
        def reader() -> _MessageReader:
            return _READERS[nested]

        if repeated:
            return _read_messages(wire, name, reader)
        return _read_message(wire, name, reader)
    if field.type == FieldDescriptor.TYPE_ENUM:
        table = _enum_table_of(field)
        if repeated:
            return _read_enums(wire, name, table)
        return _read_enum(wire, name, table, presence=field.has_presence)
    return _read_scalar(wire, name, presence=field.has_presence, repeated=repeated)


def _compile_reader(kernel: type[Any], descriptor: Descriptor) -> _MessageReader:
    readers = tuple(_reader(name, field) for name, field in _field_names(kernel, descriptor))

    def read_message(message: Message, prefix: str, sink: _Sink) -> Any:  # noqa: ANN401
        values: dict[str, Any] = {}
        for read in readers:
            read(message, values, prefix, sink)
        return kernel(**values)

    return read_message


for _kernel, _message in PAIRS:
    _READERS[_kernel] = _compile_reader(_kernel, descriptor_of(_message))
_WRITERS: Final = _compile_writers()


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
