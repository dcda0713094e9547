"""Every code the CDS Hooks service reads, with its code system and the decision that makes it
read: the one home of the mapping from the record's codes to the kernel's inputs (D-CDS-READ).

Each ``CodeRow`` names what it informs (``Fact``), its system, its code (``prefix``: the code and
every code under it, as ICD-10 K50.0 covers K50.00 and K50.011), what it reads as, and the decision
it cites. ``NameRow``s are read where a record codes a substance or a product with a code outside
this table (a clinical product code, a local code): its display or text naming the ingredient.
``StatusRow``s say which statuses of an order, a statement or a procedure make it count. Where the
record (revision 2) leaves a reading open, a row also cites the proposed decision whose reading it
implements (``reading``: a ``D-PROPOSED-CDS-…`` of ``specs/proposed-decisions.md``). Nothing is
inferred beyond these rows, and a value read is shown on every card with its date.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from kernel.constants import CONCENTRATION_MCG_PER_ML
from server.export.fhir import CANONICAL_BASE

LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM: Final = "http://unitsofmeasure.org"
ICD10: Final = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_PCS: Final = "http://www.cms.gov/Medicare/Coding/ICD10"
ATC: Final = "http://www.whocc.no/atc"
ASSESSMENT_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/assessment"
# Product extensions a record may carry: the resected length on a Procedure, the length of
# Crohn's ileal involvement on a Condition (valueQuantity in UCUM cm, mm or m).
RESECTED_LENGTH_URL: Final = f"{CANONICAL_BASE}/StructureDefinition/resected-length"
INVOLVED_LENGTH_URL: Final = f"{CANONICAL_BASE}/StructureDefinition/involved-length"

# The readings this table takes where revision 2 is open (specs/proposed-decisions.md).
RESECTION_LENGTHS: Final = "D-PROPOSED-CDS-RESECTION-LENGTHS"
ANTICOAGULANT_SCOPE: Final = "D-PROPOSED-CDS-ANTICOAGULANT-SCOPE"
PREGNANCY_RECENCY: Final = "D-PROPOSED-CDS-PREGNANCY-RECENCY"
FOLIC_ACID_STATUS: Final = "D-PROPOSED-CDS-FOLIC-ACID-STATUS"
READINGS: Final = (RESECTION_LENGTHS, ANTICOAGULANT_SCOPE, PREGNANCY_RECENCY, FOLIC_ACID_STATUS)

CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ALLERGY_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION: Final = (
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
)


class Fact(enum.Enum):
    """What a code informs: an order element or a profile input of the kernel."""

    FORMULATION = "formulation"
    ROUTE = "route"
    SITE = "site"
    DOSE_UNIT = "dose unit"
    PLATELETS = "platelets"
    PLATELET_UNIT = "platelet unit"
    EGFR = "eGFR"
    EGFR_UNIT = "eGFR unit"
    LENGTH_UNIT = "length unit"
    DEFICIENCY = "deficiency status"
    NEURO = "neurological involvement"
    RENAL = "renal impairment"
    DIABETIC_NEPHROPATHY = "diabetic nephropathy"
    BARIATRIC = "bariatric surgery"
    ILEAL_RESECTION = "ileal resection"
    CROHN_ILEAL = "Crohn's disease with ileal involvement"
    CROHN_OTHER = "Crohn's disease without ileal involvement"
    HYPERSENSITIVITY = "hypersensitivity to cobalt or vitamin B12"
    LEBER = "Leber's disease or tobacco amblyopia"
    FOLIC_ACID = "folic acid"
    PREGNANCY = "pregnancy"
    ANTICOAGULANT = "anticoagulant therapy"
    ANTIPLATELET = "antiplatelet therapy (not anticoagulant therapy)"


@dataclass(frozen=True, slots=True)
class CodeRow:
    """One code read: what it informs, its system and code, what it reads as, its decision."""

    fact: Fact
    system: str
    code: str
    meaning: str
    decision: str
    value: str = ""  # the value it reads as, where a fact has several (a unit factor, a site)
    prefix: bool = False  # the code and every code under it
    reading: str | None = None  # the proposed decision whose reading the row implements

    def matches(self, system: str, code: str) -> bool:
        """Return whether a coding (system, code) is this row's."""
        if system != self.system:
            return False
        return code.startswith(self.code) if self.prefix else code == self.code


@dataclass(frozen=True, slots=True)
class NameRow:
    """A name read in a display or text (whole words, any case), for a fact whose substance or
    product a record may code outside this table."""

    fact: Fact
    pattern: str
    meaning: str
    decision: str
    reading: str | None = None  # the proposed decision whose reading the row implements

    def matches(self, words: str) -> bool:
        """Return whether ``words`` name this row's substance."""
        return re.search(self.pattern, words, re.IGNORECASE) is not None


@dataclass(frozen=True, slots=True)
class StatusRow:
    """The statuses with which a resource of one type counts for a fact, and their decisions."""

    fact: Fact
    resource_type: str
    statuses: frozenset[str]
    decision: str
    reading: str | None = None  # the proposed decision whose reading the row implements


def _rows(  # noqa: PLR0913 (keyword-only: the options every row of the group shares)
    fact: Fact,
    system: str,
    decision: str,
    codes: Iterable[tuple[str, str]],
    *,
    prefix: bool = False,
    reading: str | None = None,
) -> tuple[CodeRow, ...]:
    return tuple(
        CodeRow(fact, system, code, meaning, decision, prefix=prefix, reading=reading)
        for code, meaning in codes
    )


CODES: Final[tuple[CodeRow, ...]] = (
    # The order (D-FORMULATIONS, D-CHECK, D-SITE).
    CodeRow(
        Fact.FORMULATION,
        RXNORM,
        "309594",
        "cyanocobalamin 1000 mcg/mL injection",
        "D-FORMULATIONS",
        "cyanocobalamin",
    ),
    CodeRow(
        Fact.FORMULATION,
        RXNORM,
        "317106",
        "hydroxocobalamin 1000 mcg/mL injection",
        "D-FORMULATIONS",
        "hydroxocobalamin",
    ),
    CodeRow(Fact.ROUTE, SNOMED, "78421000", "intramuscular route", "D-CHECK", "INTRAMUSCULAR"),
    CodeRow(Fact.ROUTE, SNOMED, "34206005", "subcutaneous route", "D-CHECK", "SUBCUTANEOUS"),
    CodeRow(Fact.ROUTE, SNOMED, "47625008", "intravenous route", "D-CHECK", "INTRAVENOUS"),
    CodeRow(Fact.ROUTE, SNOMED, "26643006", "oral route", "D-CHECK", "ORAL"),
    CodeRow(Fact.SITE, SNOMED, "35259002", "deltoid muscle", "D-SITE", "DELTOID"),
    CodeRow(Fact.SITE, SNOMED, "1403006", "vastus lateralis muscle", "D-SITE", "VASTUS_LATERALIS"),
    CodeRow(
        Fact.SITE, SNOMED, "78333006", "gluteus medius (ventrogluteal)", "D-SITE", "VENTROGLUTEAL"
    ),
    CodeRow(
        Fact.SITE,
        SNOMED,
        "46862004",
        "buttock (upper outer quadrant when its text says so)",
        "D-SITE",
        "GLUTEAL",
    ),
    CodeRow(
        Fact.SITE,
        SNOMED,
        "206007",
        "gluteus maximus (a buttock, quadrant not given)",
        "D-SITE",
        "GLUTEAL",
    ),
    CodeRow(Fact.DOSE_UNIT, UCUM, "ug", "microgram", "D-CHECK", "1"),
    CodeRow(Fact.DOSE_UNIT, UCUM, "mg", "milligram (1000 mcg)", "D-CHECK", "1000"),
    CodeRow(
        Fact.DOSE_UNIT,
        UCUM,
        "mL",
        f"millilitre of either formulation ({CONCENTRATION_MCG_PER_ML} mcg)",
        "D-FORMULATIONS",
        str(CONCENTRATION_MCG_PER_ML),
    ),
    # Laboratory results (D-PLT, D-RENAL, D-CDS-RECENCY).
    *_rows(
        Fact.PLATELETS,
        LOINC,
        "D-PLT",
        [("777-3", "platelets in blood, automated count"), ("26515-7", "platelets in blood")],
    ),
    *_rows(
        Fact.EGFR,
        LOINC,
        "D-RENAL",
        [
            ("33914-3", "eGFR (MDRD)"),
            ("48642-3", "eGFR (MDRD) among non-black"),
            ("48643-1", "eGFR (MDRD) among black"),
            ("62238-1", "eGFR (CKD-EPI)"),
            ("88293-6", "eGFR (CKD-EPI) among black"),
            ("88294-4", "eGFR (CKD-EPI) among non-black"),
            ("98979-8", "eGFR (CKD-EPI 2021)"),
        ],
    ),
    CodeRow(Fact.PLATELET_UNIT, UCUM, "10*3/uL", "thousand per microlitre", "D-PLT", "1"),
    CodeRow(Fact.PLATELET_UNIT, UCUM, "10*9/L", "x10^9 per litre", "D-PLT", "1"),
    CodeRow(Fact.PLATELET_UNIT, UCUM, "/nL", "per nanolitre", "D-PLT", "1"),
    CodeRow(Fact.EGFR_UNIT, UCUM, "mL/min/{1.73_m2}", "mL/min/1.73 m2", "D-RENAL", "1"),
    CodeRow(Fact.LENGTH_UNIT, UCUM, "cm", "centimetre", "D-CDS-READ", "1"),
    CodeRow(Fact.LENGTH_UNIT, UCUM, "mm", "millimetre", "D-CDS-READ", "0.1"),
    CodeRow(Fact.LENGTH_UNIT, UCUM, "m", "metre", "D-CDS-READ", "100"),
    # Conditions (ICD-10 and ICD-10-CM unless said).
    *(
        row
        for system in (ICD10, ICD10_CM)
        for row in (
            CodeRow(
                Fact.DEFICIENCY,
                system,
                "D51",
                "vitamin B12 deficiency anaemia",
                "D-DEFICIENCY",
                prefix=True,
            ),
            CodeRow(
                Fact.DEFICIENCY,
                system,
                "E53.8",
                "deficiency of other specified B group vitamins,"
                " where its display or text names B12 or cobalamin",
                "D-CDS-READ",
            ),
            CodeRow(
                Fact.NEURO,
                system,
                "G32.0",
                "subacute combined degeneration of the spinal cord",
                "D-DEFICIENCY",
            ),
            CodeRow(Fact.RENAL, system, "N17", "acute kidney failure", "D-RENAL", prefix=True),
            CodeRow(
                Fact.RENAL,
                system,
                "N18.3",
                "chronic kidney disease, stage 3",
                "D-RENAL",
                prefix=True,
            ),
            CodeRow(Fact.RENAL, system, "N18.4", "chronic kidney disease, stage 4", "D-RENAL"),
            CodeRow(Fact.RENAL, system, "N18.5", "chronic kidney disease, stage 5", "D-RENAL"),
            CodeRow(Fact.RENAL, system, "N18.6", "end stage renal disease", "D-RENAL"),
            CodeRow(Fact.RENAL, system, "N19", "unspecified kidney failure", "D-RENAL"),
            CodeRow(
                Fact.CROHN_ILEAL,
                system,
                "K50.0",
                "Crohn's disease of small intestine (ileal involvement, length unknown)",
                "D-CDS-READ",
                prefix=True,
            ),
            CodeRow(
                Fact.CROHN_ILEAL,
                system,
                "K50.8",
                "Crohn's disease of both small and large intestine"
                " (ileal involvement, length unknown)",
                "D-CDS-READ",
                prefix=True,
            ),
            CodeRow(
                Fact.CROHN_OTHER,
                system,
                "K50.1",
                "Crohn's disease of large intestine (no ileal involvement)",
                "D-CDS-READ",
                prefix=True,
            ),
            CodeRow(
                Fact.CROHN_OTHER,
                system,
                "K50.9",
                "Crohn's disease, unspecified (no ileal involvement read)",
                "D-CDS-READ",
                prefix=True,
            ),
        )
    ),
    *_rows(
        Fact.DIABETIC_NEPHROPATHY,
        ICD10_CM,
        "D-RENAL",
        [
            (code, "diabetes with diabetic nephropathy")
            for code in ("E08.21", "E09.21", "E10.21", "E11.21", "E13.21")
        ],
    ),
    *_rows(
        Fact.DIABETIC_NEPHROPATHY,
        ICD10,
        "D-RENAL",
        [("N08.3", "glomerular disorders in diabetes mellitus")]
        + [
            (code, "diabetes mellitus with renal complications")
            for code in ("E10.2", "E11.2", "E12.2", "E13.2", "E14.2")
        ],
    ),
    CodeRow(Fact.BARIATRIC, ICD10_CM, "Z98.84", "bariatric surgery status", "D-CDS-READ", "OTHER"),
    CodeRow(Fact.LEBER, ICD10_CM, "H47.22", "hereditary optic atrophy (Leber's)", "D-CDS-READ"),
    # Pregnancy: an active condition, or the latest status, whatever its date.
    CodeRow(
        Fact.PREGNANCY,
        ICD10_CM,
        "Z33.1",
        "pregnant state, incidental",
        "D-CDS-READ",
        reading=PREGNANCY_RECENCY,
    ),
    CodeRow(
        Fact.PREGNANCY,
        ICD10_CM,
        "Z34",
        "encounter for supervision of normal pregnancy",
        "D-CDS-READ",
        prefix=True,
        reading=PREGNANCY_RECENCY,
    ),
    CodeRow(
        Fact.PREGNANCY,
        SNOMED,
        "77386006",
        "pregnancy (finding); also a pregnancy-status value",
        "D-CDS-READ",
        reading=PREGNANCY_RECENCY,
    ),
    CodeRow(
        Fact.PREGNANCY,
        LOINC,
        "82810-3",
        "pregnancy status (Observation; value SNOMED CT 77386006 pregnant)",
        "D-CDS-READ",
        reading=PREGNANCY_RECENCY,
    ),
    # Procedures (ICD-10-PCS root operations on the ileum; SNOMED CT procedures).
    # Ileal resections: every one counts, their lengths summed (unknown if any lacks one).
    *_rows(
        Fact.ILEAL_RESECTION,
        ICD10_PCS,
        "D-CDS-READ",
        [("0DTB", "resection of ileum"), ("0DBB", "excision of ileum")],
        prefix=True,
        reading=RESECTION_LENGTHS,
    ),
    # Allergies and intolerances (substances).
    CodeRow(Fact.HYPERSENSITIVITY, RXNORM, "11248", "cyanocobalamin (ingredient)", "D-CDS-READ"),
    CodeRow(Fact.HYPERSENSITIVITY, SNOMED, "419382002", "cyanocobalamin (substance)", "D-CDS-READ"),
    CodeRow(Fact.HYPERSENSITIVITY, ATC, "B03BA01", "cyanocobalamin", "D-CDS-READ"),
    CodeRow(Fact.HYPERSENSITIVITY, ATC, "B03BA03", "hydroxocobalamin", "D-CDS-READ"),
    # Medications (orders and statements).
    CodeRow(Fact.FOLIC_ACID, ATC, "B03BB01", "folic acid", "D-CDS-READ"),
    CodeRow(Fact.FOLIC_ACID, RXNORM, "4511", "folic acid (ingredient)", "D-CDS-READ"),
    # Anticoagulants, whatever the dose or purpose (heparin flushes, prophylactic doses).
    *_rows(
        Fact.ANTICOAGULANT,
        ATC,
        "D-CDS-READ",
        [
            ("B01AA", "vitamin K antagonists"),
            ("B01AB", "heparin group"),
            ("B01AE", "direct thrombin inhibitors"),
            ("B01AF", "direct factor Xa inhibitors"),
        ],
        prefix=True,
        reading=ANTICOAGULANT_SCOPE,
    ),
    CodeRow(
        Fact.ANTICOAGULANT,
        ATC,
        "B01AX05",
        "fondaparinux",
        "D-CDS-READ",
        reading=ANTICOAGULANT_SCOPE,
    ),
    # Antiplatelets are not anticoagulant therapy: read only to be named as not counted.
    CodeRow(
        Fact.ANTIPLATELET,
        ATC,
        "B01AC",
        "platelet aggregation inhibitors excluding heparin",
        "D-CDS-DISCLOSE",
        prefix=True,
        reading=ANTICOAGULANT_SCOPE,
    ),
    *_rows(
        Fact.ANTICOAGULANT,
        RXNORM,
        "D-CDS-READ",
        [
            ("11289", "warfarin (ingredient)"),
            ("5224", "heparin (ingredient)"),
            ("67108", "enoxaparin (ingredient)"),
            ("67109", "dalteparin (ingredient)"),
            ("69528", "tinzaparin (ingredient)"),
            ("321208", "fondaparinux (ingredient)"),
            ("1364430", "apixaban (ingredient)"),
            ("1114195", "rivaroxaban (ingredient)"),
            ("1037042", "dabigatran (ingredient)"),
            ("1599538", "edoxaban (ingredient)"),
        ],
        reading=ANTICOAGULANT_SCOPE,
    ),
)

NAMES: Final[tuple[NameRow, ...]] = (
    NameRow(
        Fact.HYPERSENSITIVITY,
        r"\b(cyano|hydroxo|methyl)?cobalamins?\b|\bvitamin\s*b\s*-?\s*12\b|\bb12\b|\bcobalt\b",
        "cobalamin, vitamin B12 or cobalt",
        "D-CDS-READ",
    ),
    NameRow(
        Fact.DEFICIENCY,
        r"\bcobalamin\b|\bvitamin\s*b\s*-?\s*12\b|\bb12\b",
        "B12 or cobalamin (for E53.8)",
        "D-CDS-READ",
    ),
    NameRow(Fact.FOLIC_ACID, r"\bfolic\s+acid\b|\bfolate\b", "folic acid", "D-CDS-READ"),
    NameRow(
        Fact.LEBER,
        r"\bleber'?s?\b|\btobacco\s+amblyopia\b",
        "Leber's disease or tobacco amblyopia",
        "D-CDS-READ",
    ),
    NameRow(
        Fact.ILEAL_RESECTION,
        r"\bileal\s+resection\b|\bileectomy\b|\bresection\s+of\s+(the\s+)?ileum\b",
        "ileal resection",
        "D-CDS-READ",
        RESECTION_LENGTHS,
    ),
    NameRow(
        Fact.BARIATRIC,
        r"\bgastric\s+bypass\b|\broux-en-y\b|\bsleeve\s+gastrectomy\b|\bgastric\s+band(ing)?\b|\bbiliopancreatic\s+diversion\b|\bbariatric\b",
        "bariatric surgery",
        "D-CDS-READ",
    ),
    NameRow(
        Fact.ANTICOAGULANT,
        r"\b(warfarin|acenocoumarol|phenprocoumon|heparin|enoxaparin|dalteparin|tinzaparin|fondaparinux|apixaban|rivaroxaban|dabigatran|edoxaban|argatroban|bivalirudin)\b",
        "an anticoagulant",
        "D-CDS-READ",
        ANTICOAGULANT_SCOPE,
    ),
    NameRow(
        Fact.ANTIPLATELET,
        r"\b(aspirin|acetylsalicylic\s+acid|clopidogrel|prasugrel|ticagrelor|dipyridamole|cilostazol|ticlopidine)\b",
        "an antiplatelet",
        "D-CDS-DISCLOSE",
        ANTICOAGULANT_SCOPE,
    ),
)

# Which statuses count (D-CDS-READ): an active anticoagulant; folic acid that was started; a
# procedure that was done.
_FOLIC_ACID_GIVEN: Final = frozenset({"active", "on-hold", "completed", "stopped"})
_DONE: Final = frozenset({"completed", "in-progress"})
STATUSES: Final[tuple[StatusRow, ...]] = (
    *(
        StatusRow(Fact.FOLIC_ACID, kind, _FOLIC_ACID_GIVEN, "D-CDS-READ", FOLIC_ACID_STATUS)
        for kind in ("MedicationRequest", "MedicationStatement")
    ),
    *(
        StatusRow(fact, kind, frozenset({"active"}), "D-CDS-READ", ANTICOAGULANT_SCOPE)
        for fact in (Fact.ANTICOAGULANT, Fact.ANTIPLATELET)
        for kind in ("MedicationRequest", "MedicationStatement")
    ),
    StatusRow(Fact.ILEAL_RESECTION, "Procedure", _DONE, "D-CDS-READ", RESECTION_LENGTHS),
    StatusRow(Fact.BARIATRIC, "Procedure", _DONE, "D-CDS-READ"),
)
# What counts at all (D-CDS-RECENCY): final results; active conditions and allergies that are not
# refuted or entered in error.
FINAL_OBSERVATION_STATUSES: Final = frozenset({"final", "amended", "corrected"})
ACTIVE_CONDITION_STATUSES: Final = frozenset({"active", "recurrence", "relapse"})
ACTIVE_ALLERGY_STATUSES: Final = frozenset({"active"})
NOT_COUNTED_VERIFICATION_STATUSES: Final = frozenset({"refuted", "entered-in-error"})


def rows_of(fact: Fact) -> tuple[CodeRow, ...]:
    """Return the code rows of ``fact``."""
    return tuple(row for row in CODES if row.fact is fact)


def statuses_of(fact: Fact, resource_type: str) -> frozenset[str]:
    """Return the statuses with which a ``resource_type`` counts for ``fact`` (none: never)."""
    return frozenset(
        status
        for row in STATUSES
        if row.fact is fact and row.resource_type == resource_type
        for status in row.statuses
    )


def name_of(fact: Fact) -> NameRow | None:
    """Return the name row of ``fact``, if it has one."""
    return next((row for row in NAMES if row.fact is fact), None)


def coded(fact: Fact, codings: Iterable[tuple[str, str, str]]) -> CodeRow | None:
    """Return the first row of ``fact`` that one of ``codings`` (system, code, display) matches."""
    for system, code, _ in codings:
        for row in rows_of(fact):
            if row.matches(system, code):
                return row
    return None
