"""Write the translation between the wire and the kernel: ``server/grpc/translation_generated.py``.

One reader per request type and one writer per value type, as straight-line code generated from
``server.grpc.translation_tables`` (the way ``dataclasses`` builds ``__init__``): against a loop
over per-field closures they cost about a fifth less CPU per call, and against keyword
constructors half as much. The generated module is committed, type-checked and covered like any
other; ``--check`` fails when it differs from what the tables give (``make lint`` runs it).

Run ``python -m server.grpc.translation_generator`` after changing the proto or the kernel's
values (``make generate`` does, with the protobuf code).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Final

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from server.grpc.translation_tables import (
    CACHED,
    DATE_NAME,
    ENUMS,
    PAIRS,
    EnumTable,
    descriptor_of,
    enum_table_of,
    field_pairs,
    message_type,
    nested_kernel_type,
)

TARGET: Final = Path(__file__).resolve().parent / "translation_generated.py"
HEADER: Final = '''"""The translation between the wire and the kernel (generated: do not edit).

Written by ``python -m server.grpc.translation_generator`` from the tables of
``server.grpc.translation_tables`` (the kernel's dataclasses and the proto descriptors);
``make lint`` fails when it is stale.
``read_<Type>(m, p, sink)`` reads wire message ``m`` (field paths prefixed by ``p``; what the kernel
cannot see goes to ``sink``); ``write_<Type>(v, m)`` writes kernel value ``v`` into ``m`` in place.
"""

# ruff: noqa: N802, PLR0915, C901, PLR0912, ARG001 - generated straight-line code named after the
# types, every reader with the same signature

from __future__ import annotations

import datetime
from typing import Any, Final

from b12.dosing.v1 import dosing_pb2 as pb
from google.protobuf.message import Message

from kernel import model
from server.grpc.translation_tables import (
{imports}
)

DATE: Final = datetime.date
'''
HELPERS: Final = (
    "ENUMS_BY_KERNEL_NAME",
    "WIRE_TYPE_OF",
    "MessageWriter",
    "Sink",
    "bad_date",
    "bad_enum",
    "cached_message",
    "read_dates",
    "read_enums",
)


def _wire_name(message: Descriptor) -> str:
    return f"pb.{message.name}"


def _reader_lines(name: str, field: FieldDescriptor) -> list[str]:  # noqa: PLR0911 (one per kind)
    """Return the lines that read wire ``field`` of ``m`` into the local ``f_<name>``; a path
    (prefix ``p``) is only built for a violation."""
    wire, local = field.name, f"f_{name}"
    if field.type == FieldDescriptor.TYPE_MESSAGE and message_type(field).full_name == DATE_NAME:
        if field.is_repeated:
            return [f"{local}: Any = read_dates(m.{wire}, p + {wire!r}, sink)"]
        return [
            f"{local}: Any = None",
            f"if m.HasField({wire!r}):",
            f"    d_{name} = m.{wire}",
            "    try:",
            f"        {local} = DATE(d_{name}.year, d_{name}.month, d_{name}.day)",
            "    except ValueError:",
            f"        bad_date(p + {wire!r}, sink)",
        ]
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        nested = f"read_{nested_kernel_type(field).__name__}"
        if field.is_repeated:
            item = f"{nested}(x, f'{{p}}{wire}[{{i}}].', sink)"
            return [f"{local}: Any = tuple({item} for i, x in enumerate(m.{wire}))"]
        return [f"{local}: Any = {nested}(m.{wire}, p + {wire + '.'!r}, sink)"]
    if field.type == FieldDescriptor.TYPE_ENUM:
        table = f"TABLE_{enum_table_of(field).kernel.__name__}"
        if field.is_repeated:
            return [f"{local}: Any = read_enums({table}, m.{wire}, p + {wire!r}, sink)"]
        lines = [
            f"n_{name} = m.{wire}",
            f"{local} = {table}.to_kernel.get(n_{name})",
            f"if {local} is None:",
            f"    bad_enum({table}, n_{name}, p + {wire!r}, sink)",
        ]
        if field.has_presence:
            present = [f"    {line}" for line in lines]
            return [f"{local}: Any = None", f"if m.HasField({wire!r}):", *present]
        return [f"{local}: Any", *lines]
    if field.is_repeated:
        return [f"{local}: Any = tuple(m.{wire})"]
    if field.has_presence:
        return [f"{local}: Any = m.{wire} if m.HasField({wire!r}) else None"]
    return [f"{local}: Any = m.{wire}"]


def _reader_source(kernel: type[Any], descriptor: Descriptor) -> str:
    fields = field_pairs(kernel, descriptor)
    signature = (
        f"def read_{kernel.__name__}(m: {_wire_name(descriptor)}, p: str, sink: Sink)"
        f" -> model.{kernel.__name__}:"
    )
    lines = [signature, f'    """Read a {descriptor.name} into a {kernel.__name__}."""']
    for name, field in fields:
        lines.extend(f"    {line}" for line in _reader_lines(name, field))
    arguments = ", ".join(f"{name}=f_{name}" for name, _ in fields)
    lines.append(f"    return model.{kernel.__name__}({arguments})")
    return "\n".join(lines) + "\n"


def _writer_name(kernel: type[Any]) -> str:
    return f"write_{kernel.__name__}"


def _enum_expression(table: EnumTable, variable: str) -> str:
    """Return the expression giving the wire number of the kernel member in ``variable``."""
    if all(number == member.value for member, number in table.to_wire.items()):
        return f"{variable}._value_"  # the same numbers on both sides: no lookup needed
    return f"TO_WIRE_{table.kernel.__name__}[{variable}]"


def _writer_lines(name: str, field: FieldDescriptor) -> list[str]:  # noqa: PLR0911 (one per kind)
    """Return the lines that write kernel field ``name`` into wire ``field`` (of ``v`` into
    ``m``). Every temporary is named after its field, so each has one type."""
    wire = field.name
    if field.type == FieldDescriptor.TYPE_MESSAGE and message_type(field).full_name == DATE_NAME:
        if field.is_repeated:
            return [
                f"add_{name} = m.{wire}.add",
                f"for d_{name} in v.{name}:",
                f"    x_{name} = add_{name}()",
                f"    x_{name}.year = d_{name}.year",
                f"    x_{name}.month = d_{name}.month",
                f"    x_{name}.day = d_{name}.day",
            ]
        return [
            f"d_{name} = v.{name}",
            f"if d_{name} is not None:",
            f"    x_{name} = m.{wire}",
            f"    x_{name}.year = d_{name}.year",
            f"    x_{name}.month = d_{name}.month",
            f"    x_{name}.day = d_{name}.day",
        ]
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        nested_type = nested_kernel_type(field)
        nested = _writer_name(nested_type)
        cache = f"CACHE_{nested_type.__name__}"
        wire_type = f"WIRE_{nested_type.__name__}"
        if field.is_repeated and nested_type in CACHED:
            return [
                f"add_{name} = m.{wire}.add",
                f"for y_{name} in v.{name}:",
                f"    c_{name}: Any = {cache}.get(y_{name})",
                f"    if c_{name} is None:",
                f"        c_{name} = cached_message(y_{name}, {nested}, {wire_type}, {cache})",
                f"    add_{name}().CopyFrom(c_{name})",
            ]
        if field.is_repeated:
            return [
                f"add_{name} = m.{wire}.add",
                f"for y_{name} in v.{name}:",
                f"    {nested}(y_{name}, add_{name}())",
            ]
        if nested_type in CACHED:
            return [
                f"y_{name} = v.{name}",
                f"if y_{name} is not None:",
                f"    c_{name}: Any = {cache}.get(y_{name})",
                f"    if c_{name} is None:",
                f"        c_{name} = cached_message(y_{name}, {nested}, {wire_type}, {cache})",
                f"    m.{wire}.CopyFrom(c_{name})",
            ]
        return [
            f"y_{name} = v.{name}",
            f"if y_{name} is not None:",
            f"    {nested}(y_{name}, m.{wire})",
        ]
    if field.type == FieldDescriptor.TYPE_ENUM:
        table = enum_table_of(field)
        if field.is_repeated:
            item = _enum_expression(table, f"e_{name}")
            return [
                f"es_{name}: Any = v.{name}",
                f"if es_{name}:",
                f"    m.{wire}.extend([{item} for e_{name} in es_{name}])",
            ]
        return [
            f"e_{name}: Any = v.{name}",
            f"if e_{name} is not None:",
            f"    m.{wire} = {_enum_expression(table, f'e_{name}')}",
        ]
    if field.is_repeated:
        return [f"if v.{name}:", f"    m.{wire}.extend(v.{name})"]
    return [f"s_{name} = v.{name}", f"if s_{name} is not None:", f"    m.{wire} = s_{name}"]


def _writer_source(kernel: type[Any], descriptor: Descriptor) -> str:
    lines = [
        (
            f"def {_writer_name(kernel)}(v: model.{kernel.__name__}, m: {_wire_name(descriptor)})"
            " -> None:"
        ),
        f'    """Write a {kernel.__name__} into a {descriptor.name}."""',
    ]
    for name, field in field_pairs(kernel, descriptor):
        lines.extend(f"    {line}" for line in _writer_lines(name, field))
    return "\n".join(lines) + "\n"


def source() -> str:
    """Return the generated module's text (formatted by ruff)."""
    parts = []
    for table in sorted(ENUMS.values(), key=lambda t: t.kernel.__name__):
        name = table.kernel.__name__
        parts.append(f'TABLE_{name}: Final = ENUMS_BY_KERNEL_NAME["{name}"]')
        parts.append(f"TO_WIRE_{name}: Final[Any] = TABLE_{name}.to_wire")
    for kernel in CACHED:
        name = kernel.__name__
        parts.append(f"CACHE_{name}: Final[dict[object, Message]] = {{}}")
        parts.append(f"WIRE_{name}: Final = WIRE_TYPE_OF[model.{name}]")
    parts.append("\n# Wire -> kernel: every value type (responses too, for clients and tests).\n")
    parts.extend(_reader_source(kernel, descriptor_of(message)) for kernel, message in PAIRS)
    parts.append("\n# Kernel -> wire: every value type.\n")
    parts.extend(_writer_source(kernel, descriptor_of(message)) for kernel, message in PAIRS)
    readers = ", ".join(f"model.{k.__name__}: read_{k.__name__}" for k, _ in PAIRS)
    writers = ", ".join(f"model.{k.__name__}: {_writer_name(k)}" for k, _ in PAIRS)
    parts.append(f"READERS: Final[dict[type[Any], Any]] = {{{readers}}}")
    parts.append(f"WRITERS: Final[dict[type[Any], MessageWriter]] = {{{writers}}}")
    body = "\n".join(parts) + "\n"
    used = [name for name in HELPERS if re.search(rf"\b{name}\b", body)]
    header = HEADER.replace("{imports}", "\n".join(f"    {name}," for name in used))
    return _formatted(header + body)


def _formatted(text: str) -> str:
    ruff = Path(sys.executable).parent / "ruff"
    completed = subprocess.run(  # noqa: S603 - the environment's ruff, fixed arguments
        [str(ruff), "format", "--stdin-filename", str(TARGET), "-"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def main(argv: list[str] | None = None) -> int:
    """Write the module, or with ``--check`` fail (status 1) when the committed one is stale."""
    parser = argparse.ArgumentParser(description="Generate server/grpc/translation_generated.py")
    parser.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    arguments = parser.parse_args(argv)
    text = source()
    if arguments.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET.name} is stale: run python -m server.grpc.translation_generator")  # noqa: T201
            return 1
        print(f"{TARGET.name} is current")  # noqa: T201
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
