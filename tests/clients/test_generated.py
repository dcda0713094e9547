"""The proto, its generated code and the translation tables: lint-clean, current, and in step
with the kernel's values."""

from __future__ import annotations

import datetime
import enum
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from b12.dosing.v1 import dosing_pb2 as pb
from google.api import field_behavior_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.type import date_pb2

from kernel import model
from server.grpc import translate

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_buf_lint_is_clean() -> None:
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(BIN / "buf"), "lint"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_committed_generated_code_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "clients/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_enum_is_prefixed_with_unspecified_zero() -> None:
    for descriptor in pb.DESCRIPTOR.enum_types_by_name.values():
        prefix = translate.wire_enum_prefix(descriptor.name)
        assert descriptor.values_by_number[0].name == prefix + "UNSPECIFIED"
        assert all(value.name.startswith(prefix) for value in descriptor.values)


def test_every_kernel_enum_is_on_the_wire_with_the_kernel_s_names_and_numbers() -> None:
    kernel_enums = {
        name
        for name, value in vars(model).items()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and value.__module__ == model.__name__
    }
    assert {table.kernel.__name__ for table in translate.ENUMS.values()} == kernel_enums
    for name in kernel_enums:
        descriptor = pb.DESCRIPTOR.enum_types_by_name[name]
        prefix = translate.wire_enum_prefix(name)
        kernel_enum = getattr(model, name)
        wire = {value.name.removeprefix(prefix): value.number for value in descriptor.values}
        kernel = {member.name: member.value for member in kernel_enum}
        if "UNSPECIFIED" not in kernel:  # output enums: the kernel never returns "unspecified"
            wire.pop("UNSPECIFIED")
        assert wire == kernel, descriptor.full_name


def test_request_scalars_and_enums_that_may_be_absent_have_presence() -> None:
    """A kernel field that can be ``None`` ("not given") must be able to be absent on the wire."""
    for kernel_type, message_type in translate.PAIRS[:6]:  # the request types
        empty = kernel_type()
        nullable = {  # every nullable request field defaults to None
            field.name for field in fields(kernel_type) if getattr(empty, field.name) is None
        }
        for field in message_type.DESCRIPTOR.fields:
            if field.name in nullable:
                assert field.has_presence, field.full_name
            if field.type == FieldDescriptor.TYPE_BOOL and not field.is_repeated:
                assert field.has_presence == (field.name in nullable), field.full_name


def test_a_date_round_trips_and_impossible_dates_are_refused() -> None:
    message = date_pb2.Date()
    translate.set_date(message, datetime.date(2028, 2, 29))
    assert translate.to_date(message) == datetime.date(2028, 2, 29)
    for year, month, day in [(2027, 2, 29), (0, 1, 1), (2026, 13, 1), (2026, 1, 0), (10000, 1, 1)]:
        assert translate.to_date(date_pb2.Date(year=year, month=month, day=day)) is None


@pytest.mark.parametrize("kernel_type", [kernel for kernel, _ in translate.PAIRS])
def test_the_tables_cover_both_sides(kernel_type: type[Any]) -> None:
    wire_type = dict(translate.PAIRS)[kernel_type]
    wire_names = set(wire_type.DESCRIPTOR.fields_by_name)
    kernel_names = {
        translate.RENAMES.get((kernel_type, field.name), field.name)
        for field in fields(kernel_type)
    }
    assert wire_names == kernel_names


def _required_paths(descriptor: Descriptor, prefix: str = "") -> set[str]:
    """The paths of the fields the proto marks REQUIRED (google.api.field_behavior), nested into
    required messages (a missing message is read as an empty one, whose required fields the
    kernel then names)."""
    found: set[str] = set()
    for field in descriptor.fields:
        # The googleapis stubs type the extension as a plain FieldDescriptor.
        options: Any = field.GetOptions()
        behaviours: set[int] = set(options.Extensions[field_behavior_pb2.field_behavior])
        if field_behavior_pb2.REQUIRED not in behaviours:
            continue
        path = prefix + field.name
        if field.message_type is not None and field.message_type.full_name.startswith("b12."):
            found |= _required_paths(field.message_type, path + ".")
        else:
            found.add(path)
    return found


@pytest.mark.covers("D-FIELDS")
@pytest.mark.parametrize(
    ("message", "validate"),
    [
        (pb.PlanRegimenRequest, "validate_plan_request"),
        (pb.CheckRegimenRequest, "validate_check_request"),
        (pb.AssessCourseRequest, "validate_course_request"),
    ],
    ids=["plan", "check", "course"],
)
def test_fields_marked_required_are_exactly_those_the_kernel_requires(
    message: type[Message], validate: str
) -> None:
    """An empty request: the kernel says "is required" of exactly the fields the proto marks
    REQUIRED, so a client generated from the proto learns the same rule (D-FIELDS)."""
    import kernel  # noqa: PLC0415 - the kernel's own validators, by name

    decoded = translate.decode(message(), translate_kernel_type(message))
    violations = getattr(kernel, validate)(decoded.value)
    required = {v.field for v in violations if v.reason == "is required"}
    assert required == _required_paths(translate.descriptor_of(message))
    assert required, "an empty request misses required fields"


def translate_kernel_type(message: type[Message]) -> type[Any]:
    return next(kernel for kernel, wire in translate.PAIRS if wire is message)
