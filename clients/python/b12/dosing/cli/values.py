"""Values on the command line and in request files: enum names, dates, JSON/YAML requests."""

from __future__ import annotations

import datetime
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, TypeVar, cast

import click
import yaml
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.type import date_pb2

MessageT = TypeVar("MessageT", bound=Message)
STDIN: Final = Path("-")


def _enum_prefix(descriptor: EnumDescriptor) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", descriptor.name).upper() + "_"


def short_name(descriptor: EnumDescriptor, number: int) -> str:
    """Return the short, lower-case name of an enum value (``confirmed``), or its number."""
    value = descriptor.values_by_number.get(number)
    if value is None:
        return str(number)
    return value.name.removeprefix(_enum_prefix(descriptor)).lower()


def choices(descriptor: EnumDescriptor) -> dict[str, int]:
    """Return the values a caller may name, by short name: every value but ``*_UNSPECIFIED``
    (number 0), which the server always rejects."""
    prefix = _enum_prefix(descriptor)
    return {
        value.name.removeprefix(prefix): value.number
        for value in descriptor.values
        if value.number != 0
    }


def enum_number(descriptor: EnumDescriptor, text: str) -> int:
    """Return the number of the enum value named by ``text``: its full or short name, in any
    case, with ``-`` or ``_``, or a prefix of the short name that only one value has.

    Raises ``ValueError`` naming the choices when ``text`` names no value, several, or the
    ``*_UNSPECIFIED`` value.
    """
    prefix = _enum_prefix(descriptor)
    wanted = text.strip().upper().replace("-", "_")
    names = choices(descriptor)
    if wanted in names:
        return names[wanted]
    if wanted.removeprefix(prefix) in names:
        return names[wanted.removeprefix(prefix)]
    matches = [name for name in names if name.startswith(wanted)]
    if len(matches) == 1:
        return names[matches[0]]
    message = f"{text!r} is not one of {', '.join(name.lower() for name in names)}"
    raise ValueError(message)


class EnumChoice(click.ParamType[int, object]):
    """A proto enum value by name (see ``enum_number``); converts to the value's number."""

    def __init__(self, descriptor: EnumDescriptor) -> None:
        """Accept the values of ``descriptor`` but ``*_UNSPECIFIED``."""
        self.descriptor = descriptor
        self.name = descriptor.name

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:  # noqa: ARG002
        """Show the short names."""
        return "[" + "|".join(name.lower() for name in choices(self.descriptor)) + "]"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        """Return the number of the value named."""
        if isinstance(value, int):
            return value
        try:
            return enum_number(self.descriptor, str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


_DATE_PATTERN: Final = re.compile(r"^(\d{1,4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> tuple[int, int, int]:
    """Return (year, month, day) of ``YYYY-MM-DD``. The server judges whether it is a calendar
    date; only the format is checked here."""
    match = _DATE_PATTERN.match(text.strip())
    if match is None:
        message = f"{text!r} is not a date written YYYY-MM-DD"
        raise ValueError(message)
    year, month, day = (int(part) for part in match.groups())
    return year, month, day


class DateType(click.ParamType[tuple[int, int, int], object]):
    """A date written ``YYYY-MM-DD``."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:  # noqa: ARG002
        """Show the format."""
        return "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, int, int]:
        """Return (year, month, day)."""
        if isinstance(value, tuple):
            return cast("tuple[int, int, int]", value)  # a default, already converted
        try:
            return parse_date(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


DATE: Final = DateType()


def set_date(target: date_pb2.Date, value: tuple[int, int, int]) -> None:
    """Write (year, month, day) into a ``google.type.Date``."""
    target.year, target.month, target.day = value


# ---------------------------------------------------------------------------------------------
# Request files.
# ---------------------------------------------------------------------------------------------


def _field(descriptor: Descriptor, key: str) -> FieldDescriptor | None:
    for field in descriptor.fields:
        if key in {field.name, field.json_name}:
            return field
    return None


def _normalise_value(field: FieldDescriptor, value: Any) -> Any:  # noqa: ANN401
    if field.message_type is not None and field.message_type.full_name == "google.type.Date":
        if isinstance(value, datetime.date):  # YAML reads an unquoted ISO date as a date
            return {"year": value.year, "month": value.month, "day": value.day}
        if isinstance(value, str):
            year, month, day = parse_date(value)
            return {"year": year, "month": month, "day": day}
        return value
    if field.message_type is not None and isinstance(value, Mapping):
        return normalise(field.message_type, value)
    if field.enum_type is not None and isinstance(value, str):
        return enum_number(field.enum_type, value)
    return value


def normalise(descriptor: Descriptor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` in the proto's JSON form: ``YYYY-MM-DD`` strings become dates and short
    enum names become numbers, for the fields of ``descriptor`` (recursively)."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        field = _field(descriptor, str(key))
        if field is None:
            result[key] = value  # ParseDict reports the unknown field
        elif field.is_repeated and isinstance(value, list):
            result[key] = [_normalise_value(field, item) for item in value]
        else:
            result[key] = _normalise_value(field, value)
    return result


def load_request(path: Path, message_type: type[MessageT]) -> MessageT:
    """Read a request of ``message_type`` from a JSON or YAML file (``-``: standard input)."""
    try:
        text = sys.stdin.read() if path == STDIN else path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError) as error:
        message = f"{path}: {error}"
        raise click.BadParameter(message, param_hint="--file") from error
    if not isinstance(data, Mapping):
        message = f"{path}: the file must hold a mapping of request fields"
        raise click.BadParameter(message, param_hint="--file")
    descriptor = cast("Descriptor", message_type.DESCRIPTOR)
    try:
        return json_format.ParseDict(normalise(descriptor, data), message_type())
    except (json_format.ParseError, ValueError) as error:
        message = f"{path}: {error}"
        raise click.BadParameter(message, param_hint="--file") from error
