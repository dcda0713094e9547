"""Every clinical number of the rule set, once, with the ID of the rule or decision it comes from.

The kernel's code and its contracts read these names; nothing else writes the numbers. (The
independent oracle in ``specs/verification/`` keeps its own copy on purpose: it is a second
reading of the decisions, not of this module.) Each line's comment names the IDs that fix it.
"""

from __future__ import annotations

import datetime
from typing import Final

# --- Dose and product (R-DOSE-1000, R-FORM-1, D-FORMULATIONS) --------------------------------
DOSE_MCG: Final = 1000  # R-DOSE-1000: every injection is 1000 mcg
VOLUME_ML: Final = 1.0  # R-FORM-1: 1000 mcg is 1 mL of 1000 mcg/mL
CONCENTRATION_MCG_PER_ML: Final = 1000  # R-FORM-1, D-FORMULATIONS
LOWEST_ACCEPTABLE_DOSE_MCG: Final = 100  # D-CHECK: under 100 mcg is DOSE_TOO_LOW

# --- Scope and profile thresholds (D-SCOPE-AGE, D-RENAL, D-PLT, D-INTERVAL) -------------------
MIN_AGE_YEARS: Final = 16  # D-SCOPE-AGE: from 16 years
RENAL_EGFR_BELOW_ML_MIN_1_73M2: Final = 60  # D-RENAL: eGFR < 60 is renal impairment
PLATELETS_STANDARD_ABOVE_10E9_PER_L: Final = 50  # R-PLT-STANDARD, D-PLT: > 50 standard
PLATELETS_SEVERE_BELOW_10E9_PER_L: Final = 25  # R-PLT-SEVERE, D-PLT, D-PLT-SEVERE-REFER: < 25
PLATELETS_TRANSFUSION_BELOW_10E9_PER_L: Final = 10  # R-PLT-SEVERE, D-PLT-SEVERE-REFER: < 10
ILEAL_RESECTION_MONTHLY_FROM_CM: Final = 20  # R-POP-ILEAL, D-INTERVAL, D-PROPHYLAXIS: >= 20
CROHN_INVOLVEMENT_MONTHLY_FROM_CM: Final = 30  # R-POP-CROHN, D-INTERVAL, D-PROPHYLAXIS: >= 30

# --- Administration (R-PLT-PRECAUTION, D-PLT, D-ANTICOAGULANT) --------------------------------
NEEDLE_GAUGE: Final = (25, 27)  # R-PLT-PRECAUTION: 25-27G
PRESSURE_MINUTES: Final = (5, 10)  # R-PLT-PRECAUTION: 5-10 minutes of pressure

# --- Loading (D-LOAD-DAYS, D-NEURO-OPEN, D-CHECK, D-MISSED, D-LOAD-INTERRUPTED) ----------------
STANDARD_LOADING_OFFSETS_DAYS: Final = (0, 2, 4, 7, 9, 11)  # D-LOAD-DAYS, R-LOAD-STD
STANDARD_LOADING_DOSES: Final = len(STANDARD_LOADING_OFFSETS_DAYS)  # D-LOAD-DAYS: six
NEURO_LOADING_EVERY_DAYS: Final = 2  # R-LOAD-NEURO, D-NEURO-OPEN: alternate days
NEURO_REVIEW_AFTER_DAYS: Final = 14  # D-NEURO-OPEN: review at start + 14 days
NEURO_MISSED_DOSES_FLAGGED: Final = 2  # D-MISSED: two or more missed
LOADING_WINDOW_DAYS: Final = 14  # D-CHECK: doses on days 0-13 of the first proposed dose
ALTERNATIVE_LOADING_MIN_DOSES: Final = 5  # R-LOAD-ALT, D-CHECK: 5-6 doses
LOADING_INTERRUPTED_AFTER_DAYS: Final = 7  # D-LOAD-INTERRUPTED: more than 7 days

# --- Maintenance (D-INTERVAL, D-CHECK, D-RECURRENCE) ------------------------------------------
# D-INTERVAL: each rule's due and overdue-after intervals, in calendar months.
INTERVAL_MONTHS: Final[dict[str, tuple[int, int]]] = {
    "R-POP-ILEAL": (1, 1),
    "R-POP-CROHN": (1, 1),
    "R-MAINT-CYANO": (1, 1),
    "R-MAINT-EXTENDED": (2, 3),
    "R-MAINT-HYDROXO": (2, 3),
    "R-POP-BARIATRIC": (3, 3),
}
HYDROXOCOBALAMIN_NEURO_OVERDUE_AFTER_MONTHS: Final = 2  # D-INTERVAL: 2/2 with neurology
MONTHLY_MONTHS: Final = 1  # R-MAINT-CYANO: monthly; D-CHECK reads "over 1 month"
LONGEST_INTERVAL_MONTHS: Final = 3  # D-CHECK: over 3 months is INTERVAL_ABOVE_MAXIMUM
EXTENDED_INTERVAL_MONTHS: Final = (2, 3)  # R-MAINT-EXTENDED, D-CHECK-EXTENDED: every 2-3 months
RECURRENCE_SUGGESTED_INTERVAL_MONTHS: Final = 1  # D-RECURRENCE: 1 month (hydroxocobalamin)

# --- Monitoring (R-MON-LABS, R-MON-HCY, D-LABS, D-PREGNANCY) ----------------------------------
LAB_INTERVAL_MONTHS: Final = 3  # R-MON-LABS, D-LABS: every 3 months until stabilisation
LAB_INTERVAL_STABLE_MONTHS: Final = 12  # R-MON-LABS, D-LABS: then yearly
HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L: Final = 10  # R-MON-HCY: < 10 umol/L
STABLE_PAIR_APART_MONTHS: Final = 2  # D-LABS: two results at least 2 months apart
PREGNANCY_REVIEW_AFTER_MONTHS: Final = 1  # D-PREGNANCY: review at start + 1 month

# --- Reading a record (D-CDS-RECENCY; read by the CDS Hooks service, not by the kernel) -------
PLATELETS_RECENT_DAYS: Final = 30  # D-CDS-RECENCY: a count within the 30 days up to the hook's date
EGFR_RECENT_DAYS: Final = 365  # D-CDS-RECENCY: an eGFR within the 365 days up to the hook's date

# --- Calendar window (D-WINDOWS) --------------------------------------------------------------
LATEST_DATE: Final = datetime.date(9899, 12, 31)  # D-WINDOWS: no date after 9899-12-31
LONGEST_HORIZON_YEARS: Final = 100  # D-WINDOWS: a horizon at most 100 years after the start

# --- Validation ranges (D-INVALID) ------------------------------------------------------------
MAX_PLATELETS_10E9_PER_L: Final = 2000  # D-INVALID: 0-2000 x10^9/L
MAX_EGFR_ML_MIN_1_73M2: Final = 200  # D-INVALID: 0-200 mL/min/1.73 m2
MAX_LENGTH_CM: Final = 600  # D-INVALID: 0-600 cm
MAX_AGE_YEARS: Final = 120  # D-INVALID: 0-120 years
MAX_B12_NG_PER_L: Final = 20000  # D-INVALID: 0-20000 ng/L
MAX_HOMOCYSTEINE_UMOL_PER_L: Final = 500  # D-INVALID: 0-500 umol/L
