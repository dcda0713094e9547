"""The profile-class cache key misses no field of PatientProfile.

``kernel.profile`` reads each profile once per class of profiles that the rules cannot tell
apart. A field left out of the key would make a rule that reads it silently never fire (every
profile of the class would get the reading of whichever came first). The key is derived from the
dataclass fields; these tests show that every field, including one added later, changes the key
when its value changes class, and that a number field without thresholds cannot be imported.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Any

import pytest

from kernel import model
from kernel.model import (
    DeficiencyStatus,
    Formulation,
    NeurologicalInvolvement,
    PatientProfile,
)
from kernel.profile import (
    CLASS_KEY_READERS,
    NUMBER_CLASSES,
    _read_profile_class,
    profile_class_key,
    read_profile,
)

BASE = PatientProfile(
    formulation=Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
    age_years=40,
    deficiency_status=DeficiencyStatus.CONFIRMED,
    neurological_involvement=NeurologicalInvolvement.ABSENT,
)
HINTS = typing.get_type_hints(PatientProfile, vars(model))

# Two values of each number field in different classes of the rules (one below a threshold, one
# at it). A new number field needs its pair here, or the test below fails naming it.
NUMBER_PAIRS: dict[str, tuple[float, float]] = {
    "age_years": (15, 16),
    "platelets_10e9_per_l": (24.99, 25.0),
    "egfr_ml_min_1_73m2": (59.99, 60.0),
    "ileal_resection_length_cm": (19.99, 20.0),
    "crohn_ileal_involvement_length_cm": (29.99, 30.0),
}


def _distinct_values(field: dataclasses.Field[object]) -> list[object]:
    """Values of ``field`` that belong to different classes."""
    hint = HINTS[field.name]
    arguments = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
    kind = arguments[0]
    if kind is bool:
        return [None, False, True]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [None, *kind]
    if field.name in NUMBER_PAIRS:
        return [None, *NUMBER_PAIRS[field.name]]
    pytest.fail(f"PatientProfile.{field.name}: no class values for its type {hint!r}")


@pytest.mark.covers("INV-DETERMINISTIC")
@pytest.mark.parametrize("field", dataclasses.fields(PatientProfile), ids=lambda f: f.name)
def test_every_profile_field_is_part_of_the_class_key(field: dataclasses.Field[object]) -> None:
    changes: list[dict[str, Any]] = [{field.name: value} for value in _distinct_values(field)]
    keys = {profile_class_key(dataclasses.replace(BASE, **change)) for change in changes}
    assert len(keys) == len(_distinct_values(field)), f"{field.name} does not change the key"


def test_the_key_reads_every_field_once_in_declaration_order() -> None:
    assert [name for name, _ in CLASS_KEY_READERS] == [
        f.name for f in dataclasses.fields(PatientProfile)
    ]
    assert set(NUMBER_CLASSES) == set(NUMBER_PAIRS)


@pytest.mark.covers("D-PREGNANCY", "D-ANTICOAGULANT")
def test_a_cached_reading_is_never_served_to_a_profile_of_another_class() -> None:
    """Read one profile, then one that differs only in a revision-2 field: each gets its own
    warnings (a key missing the field would serve the first reading to the second)."""
    _read_profile_class.cache_clear()
    plain = read_profile(BASE)
    pregnant = read_profile(dataclasses.replace(BASE, pregnant=True))
    anticoagulated = read_profile(dataclasses.replace(BASE, anticoagulant_therapy=True))
    assert pregnant.safety_warnings != plain.safety_warnings
    assert anticoagulated.safety_warnings != plain.safety_warnings
    assert anticoagulated.anticoagulant
    assert not plain.anticoagulant


def test_a_number_field_without_classes_cannot_be_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A number field that NUMBER_CLASSES does not know fails at import, never silently."""

    @dataclasses.dataclass(frozen=True)
    class Wider(PatientProfile):
        haemoglobin_g_per_l: float | None = None

    from kernel import profile  # noqa: PLC0415 - the module under test, re-read with a new type

    monkeypatch.setattr(profile, "PatientProfile", Wider)
    with pytest.raises(TypeError, match="haemoglobin_g_per_l"):
        profile._class_key_readers()  # noqa: SLF001 - the import-time derivation itself


def test_a_number_is_replaced_by_the_representative_of_its_class() -> None:
    """A value becomes the least threshold at or below it (-1 below them all), and a value
    strictly above the "> threshold" one a number just above it: values either side of a
    threshold get different representatives, values of one class the same one (built afresh here,
    not the closures the module built at import)."""
    from kernel import profile  # noqa: PLC0415 - the module's private builder, called afresh

    platelets = profile._classes((0, 10, 25, 50), strict_above=50)  # noqa: SLF001
    values = (None, -1.0, 0, 9.99, 10, 24.99, 25, 50, 50.01, 2000)
    assert [platelets(v) for v in values] == [None, -1.0, 0, 0, 10, 10, 25, 50, 50.5, 50.5]
    age = profile._classes((0, 16))  # noqa: SLF001
    assert [age(v) for v in (0, 15, 15.99, 16, 120)] == [0, 0, 0, 16, 16]


def test_the_readers_derived_again_are_those_derived_at_import() -> None:
    """Deriving the key's readers again from the dataclass gives what the module derived at
    import: every field in order, each number field with its classes and only those."""
    from kernel import profile  # noqa: PLC0415 - the import-time derivation, called afresh

    assert profile._class_key_readers() == CLASS_KEY_READERS  # noqa: SLF001
    numbers = [name for name, reader in CLASS_KEY_READERS if reader is not None]
    assert numbers == list(NUMBER_PAIRS)


def test_classes_for_a_number_the_profile_lacks_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Classes kept for a number PatientProfile does not have (left behind by a rename) fail at
    import, so the table of classes cannot drift from the dataclass."""
    from kernel import profile  # noqa: PLC0415 - the module under test, re-read with new classes

    monkeypatch.setattr(profile, "NUMBER_CLASSES", {**NUMBER_CLASSES, "haemoglobin_g_per_l": abs})
    with pytest.raises(TypeError, match=r"does not have: \['haemoglobin_g_per_l'\]"):
        profile._class_key_readers()  # noqa: SLF001 - the import-time derivation itself
