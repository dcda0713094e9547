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
from google.protobuf.descriptor import FieldDescriptor
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
