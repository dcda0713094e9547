"""The options every command shares: one per ``PatientProfile`` field, ``--file`` and ``--json``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, TypeVar

import click
from google.protobuf.descriptor import FieldDescriptor

from b12.dosing.cli.values import EnumChoice
from b12.dosing.v1 import dosing_pb2 as pb

F = TypeVar("F", bound=Callable[..., Any])

# Short aliases of profile options (the long form is always the field name, hyphenated).
PROFILE_ALIASES: Final[Mapping[str, str]] = {
    "age_years": "--age",
    "deficiency_status": "--deficiency",
    "neurological_involvement": "--neuro",
    "platelets_10e9_per_l": "--platelets",
    "egfr_ml_min_1_73m2": "--egfr",
}


def _profile_option(field: FieldDescriptor) -> Callable[[F], F]:
    long = "--" + field.name.replace("_", "-")
    names = [long, *([PROFILE_ALIASES[field.name]] if field.name in PROFILE_ALIASES else [])]
    destination = "profile_" + field.name
    if field.type == FieldDescriptor.TYPE_BOOL:
        return click.option(
            f"{long}/--no-{long[2:]}",
            destination,
            default=None,
            help=f"profile.{field.name}",
        )
    if field.enum_type is not None:
        kind: click.ParamType[Any, Any] | type = EnumChoice(field.enum_type)
    elif field.type == FieldDescriptor.TYPE_DOUBLE:
        kind = float
    else:
        kind = int
    return click.option(*names, destination, type=kind, default=None, help=f"profile.{field.name}")


def profile_options(function: F) -> F:
    """Add an option per ``PatientProfile`` field."""
    descriptor = pb.PatientProfile.DESCRIPTOR
    for field in reversed(descriptor.fields):
        function = _profile_option(field)(function)
    return function


def common_options(function: F) -> F:
    """Add ``--file`` and ``--json``."""
    function = click.option(
        "--json", "as_json", is_flag=True, help="print the response in the proto's JSON mapping"
    )(function)
    return click.option(
        "--file",
        "request_file",
        type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
        help="JSON or YAML file with the request (- reads standard input); options override it",
    )(function)


def apply_profile(profile: pb.PatientProfile, options: Mapping[str, Any]) -> None:
    """Set the profile fields given as options (``profile_*``; ``None``: not given)."""
    for key, value in options.items():
        if key.startswith("profile_") and value is not None:
            setattr(profile, key.removeprefix("profile_"), value)
