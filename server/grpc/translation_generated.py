"""The translation between the wire and the kernel (generated: do not edit).

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
    ENUMS_BY_KERNEL_NAME,
    WIRE_TYPE_OF,
    MessageWriter,
    Sink,
    bad_date,
    bad_enum,
    cached_message,
    read_dates,
    read_enums,
)

DATE: Final = datetime.date
TABLE_BariatricProcedure: Final = ENUMS_BY_KERNEL_NAME["BariatricProcedure"]
TO_WIRE_BariatricProcedure: Final[Any] = TABLE_BariatricProcedure.to_wire
TABLE_Code: Final = ENUMS_BY_KERNEL_NAME["Code"]
TO_WIRE_Code: Final[Any] = TABLE_Code.to_wire
TABLE_CourseNeurologicalStatus: Final = ENUMS_BY_KERNEL_NAME["CourseNeurologicalStatus"]
TO_WIRE_CourseNeurologicalStatus: Final[Any] = TABLE_CourseNeurologicalStatus.to_wire
TABLE_CourseOutcome: Final = ENUMS_BY_KERNEL_NAME["CourseOutcome"]
TO_WIRE_CourseOutcome: Final[Any] = TABLE_CourseOutcome.to_wire
TABLE_CoursePhase: Final = ENUMS_BY_KERNEL_NAME["CoursePhase"]
TO_WIRE_CoursePhase: Final[Any] = TABLE_CoursePhase.to_wire
TABLE_DeficiencyStatus: Final = ENUMS_BY_KERNEL_NAME["DeficiencyStatus"]
TO_WIRE_DeficiencyStatus: Final[Any] = TABLE_DeficiencyStatus.to_wire
TABLE_Formulation: Final = ENUMS_BY_KERNEL_NAME["Formulation"]
TO_WIRE_Formulation: Final[Any] = TABLE_Formulation.to_wire
TABLE_InjectionSite: Final = ENUMS_BY_KERNEL_NAME["InjectionSite"]
TO_WIRE_InjectionSite: Final[Any] = TABLE_InjectionSite.to_wire
TABLE_LoadingPattern: Final = ENUMS_BY_KERNEL_NAME["LoadingPattern"]
TO_WIRE_LoadingPattern: Final[Any] = TABLE_LoadingPattern.to_wire
TABLE_MaintenancePreference: Final = ENUMS_BY_KERNEL_NAME["MaintenancePreference"]
TO_WIRE_MaintenancePreference: Final[Any] = TABLE_MaintenancePreference.to_wire
TABLE_MaintenanceStart: Final = ENUMS_BY_KERNEL_NAME["MaintenanceStart"]
TO_WIRE_MaintenanceStart: Final[Any] = TABLE_MaintenanceStart.to_wire
TABLE_NeurologicalInvolvement: Final = ENUMS_BY_KERNEL_NAME["NeurologicalInvolvement"]
TO_WIRE_NeurologicalInvolvement: Final[Any] = TABLE_NeurologicalInvolvement.to_wire
TABLE_PlanSetting: Final = ENUMS_BY_KERNEL_NAME["PlanSetting"]
TO_WIRE_PlanSetting: Final[Any] = TABLE_PlanSetting.to_wire
TABLE_ReferReason: Final = ENUMS_BY_KERNEL_NAME["ReferReason"]
TO_WIRE_ReferReason: Final[Any] = TABLE_ReferReason.to_wire
TABLE_Route: Final = ENUMS_BY_KERNEL_NAME["Route"]
TO_WIRE_Route: Final[Any] = TABLE_Route.to_wire
TABLE_Severity: Final = ENUMS_BY_KERNEL_NAME["Severity"]
TO_WIRE_Severity: Final[Any] = TABLE_Severity.to_wire
TABLE_SiteRequest: Final = ENUMS_BY_KERNEL_NAME["SiteRequest"]
TO_WIRE_SiteRequest: Final[Any] = TABLE_SiteRequest.to_wire
CACHE_AdministrationGuidance: Final[dict[object, Message]] = {}
WIRE_AdministrationGuidance: Final = WIRE_TYPE_OF[model.AdministrationGuidance]
CACHE_Finding: Final[dict[object, Message]] = {}
WIRE_Finding: Final = WIRE_TYPE_OF[model.Finding]
CACHE_Item: Final[dict[object, Message]] = {}
WIRE_Item: Final = WIRE_TYPE_OF[model.Item]
CACHE_IntervalRule: Final[dict[object, Message]] = {}
WIRE_IntervalRule: Final = WIRE_TYPE_OF[model.IntervalRule]
CACHE_RuleDescription: Final[dict[object, Message]] = {}
WIRE_RuleDescription: Final = WIRE_TYPE_OF[model.RuleDescription]

# Wire -> kernel: every value type (responses too, for clients and tests).


def read_PlanRequest(m: pb.PlanRegimenRequest, p: str, sink: Sink) -> model.PlanRequest:
    """Read a PlanRegimenRequest into a PlanRequest."""
    f_profile: Any = read_PatientProfile(m.profile, p + "profile.", sink)
    f_start_date: Any = None
    if m.HasField("start_date"):
        d_start_date = m.start_date
        try:
            f_start_date = DATE(d_start_date.year, d_start_date.month, d_start_date.day)
        except ValueError:
            bad_date(p + "start_date", sink)
    f_horizon_date: Any = None
    if m.HasField("horizon_date"):
        d_horizon_date = m.horizon_date
        try:
            f_horizon_date = DATE(d_horizon_date.year, d_horizon_date.month, d_horizon_date.day)
        except ValueError:
            bad_date(p + "horizon_date", sink)
    f_route: Any = None
    if m.HasField("route"):
        n_route = m.route
        f_route = TABLE_Route.to_kernel.get(n_route)
        if f_route is None:
            bad_enum(TABLE_Route, n_route, p + "route", sink)
    return model.PlanRequest(
        profile=f_profile, start_date=f_start_date, horizon_date=f_horizon_date, route=f_route
    )


def read_CheckRequest(m: pb.CheckRegimenRequest, p: str, sink: Sink) -> model.CheckRequest:
    """Read a CheckRegimenRequest into a CheckRequest."""
    f_profile: Any = read_PatientProfile(m.profile, p + "profile.", sink)
    f_regimen: Any = read_ProposedRegimen(m.regimen, p + "regimen.", sink)
    return model.CheckRequest(profile=f_profile, regimen=f_regimen)


def read_CourseRequest(m: pb.AssessCourseRequest, p: str, sink: Sink) -> model.CourseRequest:
    """Read a AssessCourseRequest into a CourseRequest."""
    f_profile: Any = read_PatientProfile(m.profile, p + "profile.", sink)
    f_start_date: Any = None
    if m.HasField("start_date"):
        d_start_date = m.start_date
        try:
            f_start_date = DATE(d_start_date.year, d_start_date.month, d_start_date.day)
        except ValueError:
            bad_date(p + "start_date", sink)
    f_reference_date: Any = None
    if m.HasField("reference_date"):
        d_reference_date = m.reference_date
        try:
            f_reference_date = DATE(
                d_reference_date.year, d_reference_date.month, d_reference_date.day
            )
        except ValueError:
            bad_date(p + "reference_date", sink)
    f_injection_dates: Any = read_dates(m.injection_dates, p + "injection_dates", sink)
    f_lab_results: Any = tuple(
        read_LabResult(x, f"{p}lab_results[{i}].", sink) for i, x in enumerate(m.lab_results)
    )
    f_neurological_status: Any = None
    if m.HasField("neurological_status"):
        n_neurological_status = m.neurological_status
        f_neurological_status = TABLE_CourseNeurologicalStatus.to_kernel.get(n_neurological_status)
        if f_neurological_status is None:
            bad_enum(
                TABLE_CourseNeurologicalStatus,
                n_neurological_status,
                p + "neurological_status",
                sink,
            )
    f_stabilisation_date: Any = None
    if m.HasField("stabilisation_date"):
        d_stabilisation_date = m.stabilisation_date
        try:
            f_stabilisation_date = DATE(
                d_stabilisation_date.year, d_stabilisation_date.month, d_stabilisation_date.day
            )
        except ValueError:
            bad_date(p + "stabilisation_date", sink)
    f_stop_requested: Any = m.stop_requested
    f_horizon_date: Any = None
    if m.HasField("horizon_date"):
        d_horizon_date = m.horizon_date
        try:
            f_horizon_date = DATE(d_horizon_date.year, d_horizon_date.month, d_horizon_date.day)
        except ValueError:
            bad_date(p + "horizon_date", sink)
    return model.CourseRequest(
        profile=f_profile,
        start_date=f_start_date,
        reference_date=f_reference_date,
        injection_dates=f_injection_dates,
        lab_results=f_lab_results,
        neurological_status=f_neurological_status,
        stabilisation_date=f_stabilisation_date,
        stop_requested=f_stop_requested,
        horizon_date=f_horizon_date,
    )


def read_PatientProfile(m: pb.PatientProfile, p: str, sink: Sink) -> model.PatientProfile:
    """Read a PatientProfile into a PatientProfile."""
    f_formulation: Any = None
    if m.HasField("formulation"):
        n_formulation = m.formulation
        f_formulation = TABLE_Formulation.to_kernel.get(n_formulation)
        if f_formulation is None:
            bad_enum(TABLE_Formulation, n_formulation, p + "formulation", sink)
    f_age_years: Any = m.age_years if m.HasField("age_years") else None
    f_deficiency_status: Any = None
    if m.HasField("deficiency_status"):
        n_deficiency_status = m.deficiency_status
        f_deficiency_status = TABLE_DeficiencyStatus.to_kernel.get(n_deficiency_status)
        if f_deficiency_status is None:
            bad_enum(TABLE_DeficiencyStatus, n_deficiency_status, p + "deficiency_status", sink)
    f_neurological_involvement: Any = None
    if m.HasField("neurological_involvement"):
        n_neurological_involvement = m.neurological_involvement
        f_neurological_involvement = TABLE_NeurologicalInvolvement.to_kernel.get(
            n_neurological_involvement
        )
        if f_neurological_involvement is None:
            bad_enum(
                TABLE_NeurologicalInvolvement,
                n_neurological_involvement,
                p + "neurological_involvement",
                sink,
            )
    f_platelets_10e9_per_l: Any = (
        m.platelets_10e9_per_l if m.HasField("platelets_10e9_per_l") else None
    )
    f_egfr_ml_min_1_73m2: Any = m.egfr_ml_min_1_73m2 if m.HasField("egfr_ml_min_1_73m2") else None
    f_renal_impairment_reported: Any = m.renal_impairment_reported
    f_diabetic_nephropathy: Any = m.diabetic_nephropathy
    f_folic_acid_started_before_b12: Any = m.folic_acid_started_before_b12
    f_hypersensitivity_cobalt_or_b12: Any = m.hypersensitivity_cobalt_or_b12
    f_leber_disease_or_tobacco_amblyopia: Any = m.leber_disease_or_tobacco_amblyopia
    f_ileal_resection: Any = m.ileal_resection
    f_ileal_resection_length_cm: Any = (
        m.ileal_resection_length_cm if m.HasField("ileal_resection_length_cm") else None
    )
    f_crohn_ileal_involvement: Any = m.crohn_ileal_involvement
    f_crohn_ileal_involvement_length_cm: Any = (
        m.crohn_ileal_involvement_length_cm
        if m.HasField("crohn_ileal_involvement_length_cm")
        else None
    )
    f_bariatric_procedure: Any = None
    if m.HasField("bariatric_procedure"):
        n_bariatric_procedure = m.bariatric_procedure
        f_bariatric_procedure = TABLE_BariatricProcedure.to_kernel.get(n_bariatric_procedure)
        if f_bariatric_procedure is None:
            bad_enum(
                TABLE_BariatricProcedure, n_bariatric_procedure, p + "bariatric_procedure", sink
            )
    f_site_request: Any = None
    if m.HasField("site_request"):
        n_site_request = m.site_request
        f_site_request = TABLE_SiteRequest.to_kernel.get(n_site_request)
        if f_site_request is None:
            bad_enum(TABLE_SiteRequest, n_site_request, p + "site_request", sink)
    f_maintenance_preference: Any = None
    if m.HasField("maintenance_preference"):
        n_maintenance_preference = m.maintenance_preference
        f_maintenance_preference = TABLE_MaintenancePreference.to_kernel.get(
            n_maintenance_preference
        )
        if f_maintenance_preference is None:
            bad_enum(
                TABLE_MaintenancePreference,
                n_maintenance_preference,
                p + "maintenance_preference",
                sink,
            )
    f_pregnant: Any = m.pregnant if m.HasField("pregnant") else None
    f_anticoagulant_therapy: Any = (
        m.anticoagulant_therapy if m.HasField("anticoagulant_therapy") else None
    )
    return model.PatientProfile(
        formulation=f_formulation,
        age_years=f_age_years,
        deficiency_status=f_deficiency_status,
        neurological_involvement=f_neurological_involvement,
        platelets_10e9_per_l=f_platelets_10e9_per_l,
        egfr_ml_min_1_73m2=f_egfr_ml_min_1_73m2,
        renal_impairment_reported=f_renal_impairment_reported,
        diabetic_nephropathy=f_diabetic_nephropathy,
        folic_acid_started_before_b12=f_folic_acid_started_before_b12,
        hypersensitivity_cobalt_or_b12=f_hypersensitivity_cobalt_or_b12,
        leber_disease_or_tobacco_amblyopia=f_leber_disease_or_tobacco_amblyopia,
        ileal_resection=f_ileal_resection,
        ileal_resection_length_cm=f_ileal_resection_length_cm,
        crohn_ileal_involvement=f_crohn_ileal_involvement,
        crohn_ileal_involvement_length_cm=f_crohn_ileal_involvement_length_cm,
        bariatric_procedure=f_bariatric_procedure,
        site_request=f_site_request,
        maintenance_preference=f_maintenance_preference,
        pregnant=f_pregnant,
        anticoagulant_therapy=f_anticoagulant_therapy,
    )


def read_ProposedRegimen(m: pb.ProposedRegimen, p: str, sink: Sink) -> model.ProposedRegimen:
    """Read a ProposedRegimen into a ProposedRegimen."""
    f_dose_per_injection_mcg: Any = (
        m.dose_per_injection_mcg if m.HasField("dose_per_injection_mcg") else None
    )
    f_loading_dates: Any = read_dates(m.loading_dates, p + "loading_dates", sink)
    f_loading_open_ended: Any = m.loading_open_ended if m.HasField("loading_open_ended") else None
    f_maintenance_interval_months: Any = (
        m.maintenance_interval_months if m.HasField("maintenance_interval_months") else None
    )
    f_stop_date: Any = None
    if m.HasField("stop_date"):
        d_stop_date = m.stop_date
        try:
            f_stop_date = DATE(d_stop_date.year, d_stop_date.month, d_stop_date.day)
        except ValueError:
            bad_date(p + "stop_date", sink)
    f_site: Any = None
    if m.HasField("site"):
        n_site = m.site
        f_site = TABLE_SiteRequest.to_kernel.get(n_site)
        if f_site is None:
            bad_enum(TABLE_SiteRequest, n_site, p + "site", sink)
    f_route: Any = None
    if m.HasField("route"):
        n_route = m.route
        f_route = TABLE_Route.to_kernel.get(n_route)
        if f_route is None:
            bad_enum(TABLE_Route, n_route, p + "route", sink)
    f_formulation: Any = None
    if m.HasField("formulation"):
        n_formulation = m.formulation
        f_formulation = TABLE_Formulation.to_kernel.get(n_formulation)
        if f_formulation is None:
            bad_enum(TABLE_Formulation, n_formulation, p + "formulation", sink)
    return model.ProposedRegimen(
        dose_per_injection_mcg=f_dose_per_injection_mcg,
        loading_dates=f_loading_dates,
        loading_open_ended=f_loading_open_ended,
        maintenance_interval_months=f_maintenance_interval_months,
        stop_date=f_stop_date,
        site=f_site,
        route=f_route,
        formulation=f_formulation,
    )


def read_LabResult(m: pb.LabResult, p: str, sink: Sink) -> model.LabResult:
    """Read a LabResult into a LabResult."""
    f_date: Any = None
    if m.HasField("date"):
        d_date = m.date
        try:
            f_date = DATE(d_date.year, d_date.month, d_date.day)
        except ValueError:
            bad_date(p + "date", sink)
    f_b12_ng_per_l: Any = m.b12_ng_per_l if m.HasField("b12_ng_per_l") else None
    f_homocysteine_umol_per_l: Any = (
        m.homocysteine_umol_per_l if m.HasField("homocysteine_umol_per_l") else None
    )
    return model.LabResult(
        date=f_date, b12_ng_per_l=f_b12_ng_per_l, homocysteine_umol_per_l=f_homocysteine_umol_per_l
    )


def read_RegimenPlan(m: pb.RegimenPlan, p: str, sink: Sink) -> model.RegimenPlan:
    """Read a RegimenPlan into a RegimenPlan."""
    f_setting: Any
    n_setting = m.setting
    f_setting = TABLE_PlanSetting.to_kernel.get(n_setting)
    if f_setting is None:
        bad_enum(TABLE_PlanSetting, n_setting, p + "setting", sink)
    f_loading: Any = read_LoadingPhase(m.loading, p + "loading.", sink)
    f_maintenance: Any = read_MaintenancePhase(m.maintenance, p + "maintenance.", sink)
    f_guidance: Any = read_AdministrationGuidance(m.guidance, p + "guidance.", sink)
    f_monitoring: Any = read_MonitoringSchedule(m.monitoring, p + "monitoring.", sink)
    f_warnings: Any = tuple(
        read_Finding(x, f"{p}warnings[{i}].", sink) for i, x in enumerate(m.warnings)
    )
    f_interval_rules: Any = tuple(
        read_IntervalRule(x, f"{p}interval_rules[{i}].", sink)
        for i, x in enumerate(m.interval_rules)
    )
    f_rule_set_version: Any = m.rule_set_version
    return model.RegimenPlan(
        setting=f_setting,
        loading=f_loading,
        maintenance=f_maintenance,
        guidance=f_guidance,
        monitoring=f_monitoring,
        warnings=f_warnings,
        interval_rules=f_interval_rules,
        rule_set_version=f_rule_set_version,
    )


def read_Referral(m: pb.Referral, p: str, sink: Sink) -> model.Referral:
    """Read a Referral into a Referral."""
    f_reasons: Any = read_enums(TABLE_ReferReason, m.reasons, p + "reasons", sink)
    f_urgent: Any = m.urgent
    f_warnings: Any = tuple(
        read_Finding(x, f"{p}warnings[{i}].", sink) for i, x in enumerate(m.warnings)
    )
    f_rule_ids: Any = tuple(m.rule_ids)
    f_rule_set_version: Any = m.rule_set_version
    f_reason_details: Any = tuple(
        read_ReferralReason(x, f"{p}reason_details[{i}].", sink)
        for i, x in enumerate(m.reason_details)
    )
    f_text: Any = m.text
    return model.Referral(
        reasons=f_reasons,
        urgent=f_urgent,
        warnings=f_warnings,
        rule_ids=f_rule_ids,
        rule_set_version=f_rule_set_version,
        reason_details=f_reason_details,
        text=f_text,
    )


def read_ReferralReason(m: pb.ReferralReason, p: str, sink: Sink) -> model.ReferralReason:
    """Read a ReferralReason into a ReferralReason."""
    f_reason: Any
    n_reason = m.reason
    f_reason = TABLE_ReferReason.to_kernel.get(n_reason)
    if f_reason is None:
        bad_enum(TABLE_ReferReason, n_reason, p + "reason", sink)
    f_text: Any = m.text
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    return model.ReferralReason(
        reason=f_reason, text=f_text, rule_ids=f_rule_ids, source_references=f_source_references
    )


def read_LoadingPhase(m: pb.LoadingPhase, p: str, sink: Sink) -> model.LoadingPhase:
    """Read a LoadingPhase into a LoadingPhase."""
    f_pattern: Any
    n_pattern = m.pattern
    f_pattern = TABLE_LoadingPattern.to_kernel.get(n_pattern)
    if f_pattern is None:
        bad_enum(TABLE_LoadingPattern, n_pattern, p + "pattern", sink)
    f_dose_mcg: Any = m.dose_mcg
    f_volume_ml: Any = m.volume_ml
    f_route: Any
    n_route = m.route
    f_route = TABLE_Route.to_kernel.get(n_route)
    if f_route is None:
        bad_enum(TABLE_Route, n_route, p + "route", sink)
    f_injection_dates: Any = read_dates(m.injection_dates, p + "injection_dates", sink)
    f_open_ended: Any = m.open_ended
    f_review_date: Any = None
    if m.HasField("review_date"):
        d_review_date = m.review_date
        try:
            f_review_date = DATE(d_review_date.year, d_review_date.month, d_review_date.day)
        except ValueError:
            bad_date(p + "review_date", sink)
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    return model.LoadingPhase(
        pattern=f_pattern,
        dose_mcg=f_dose_mcg,
        volume_ml=f_volume_ml,
        route=f_route,
        injection_dates=f_injection_dates,
        open_ended=f_open_ended,
        review_date=f_review_date,
        rule_ids=f_rule_ids,
        source_references=f_source_references,
    )


def read_MaintenancePhase(m: pb.MaintenancePhase, p: str, sink: Sink) -> model.MaintenancePhase:
    """Read a MaintenancePhase into a MaintenancePhase."""
    f_dose_mcg: Any = m.dose_mcg
    f_volume_ml: Any = m.volume_ml
    f_route: Any
    n_route = m.route
    f_route = TABLE_Route.to_kernel.get(n_route)
    if f_route is None:
        bad_enum(TABLE_Route, n_route, p + "route", sink)
    f_due_interval_months: Any = m.due_interval_months
    f_overdue_after_months: Any = m.overdue_after_months
    f_start: Any
    n_start = m.start
    f_start = TABLE_MaintenanceStart.to_kernel.get(n_start)
    if f_start is None:
        bad_enum(TABLE_MaintenanceStart, n_start, p + "start", sink)
    f_first_due_date: Any = None
    if m.HasField("first_due_date"):
        d_first_due_date = m.first_due_date
        try:
            f_first_due_date = DATE(
                d_first_due_date.year, d_first_due_date.month, d_first_due_date.day
            )
        except ValueError:
            bad_date(p + "first_due_date", sink)
    f_injection_dates: Any = read_dates(m.injection_dates, p + "injection_dates", sink)
    f_lifelong: Any = m.lifelong
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    return model.MaintenancePhase(
        dose_mcg=f_dose_mcg,
        volume_ml=f_volume_ml,
        route=f_route,
        due_interval_months=f_due_interval_months,
        overdue_after_months=f_overdue_after_months,
        start=f_start,
        first_due_date=f_first_due_date,
        injection_dates=f_injection_dates,
        lifelong=f_lifelong,
        rule_ids=f_rule_ids,
        source_references=f_source_references,
    )


def read_AdministrationGuidance(
    m: pb.AdministrationGuidance, p: str, sink: Sink
) -> model.AdministrationGuidance:
    """Read a AdministrationGuidance into a AdministrationGuidance."""
    f_dose_mcg: Any = m.dose_mcg
    f_volume_ml: Any = m.volume_ml
    f_concentration_mcg_per_ml: Any = m.concentration_mcg_per_ml
    f_formulation: Any
    n_formulation = m.formulation
    f_formulation = TABLE_Formulation.to_kernel.get(n_formulation)
    if f_formulation is None:
        bad_enum(TABLE_Formulation, n_formulation, p + "formulation", sink)
    f_route: Any
    n_route = m.route
    f_route = TABLE_Route.to_kernel.get(n_route)
    if f_route is None:
        bad_enum(TABLE_Route, n_route, p + "route", sink)
    f_sites: Any = read_enums(TABLE_InjectionSite, m.sites, p + "sites", sink)
    f_needle_gauge_min: Any = m.needle_gauge_min if m.HasField("needle_gauge_min") else None
    f_needle_gauge_max: Any = m.needle_gauge_max if m.HasField("needle_gauge_max") else None
    f_pressure_minutes_min: Any = (
        m.pressure_minutes_min if m.HasField("pressure_minutes_min") else None
    )
    f_pressure_minutes_max: Any = (
        m.pressure_minutes_max if m.HasField("pressure_minutes_max") else None
    )
    f_items: Any = tuple(read_Item(x, f"{p}items[{i}].", sink) for i, x in enumerate(m.items))
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    return model.AdministrationGuidance(
        dose_mcg=f_dose_mcg,
        volume_ml=f_volume_ml,
        concentration_mcg_per_ml=f_concentration_mcg_per_ml,
        formulation=f_formulation,
        route=f_route,
        sites=f_sites,
        needle_gauge_min=f_needle_gauge_min,
        needle_gauge_max=f_needle_gauge_max,
        pressure_minutes_min=f_pressure_minutes_min,
        pressure_minutes_max=f_pressure_minutes_max,
        items=f_items,
        rule_ids=f_rule_ids,
        source_references=f_source_references,
    )


def read_MonitoringSchedule(
    m: pb.MonitoringSchedule, p: str, sink: Sink
) -> model.MonitoringSchedule:
    """Read a MonitoringSchedule into a MonitoringSchedule."""
    f_lab_check_dates: Any = read_dates(m.lab_check_dates, p + "lab_check_dates", sink)
    f_homocysteine_target_below_umol_per_l: Any = m.homocysteine_target_below_umol_per_l
    f_items: Any = tuple(read_Item(x, f"{p}items[{i}].", sink) for i, x in enumerate(m.items))
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    f_pregnancy_review_date: Any = None
    if m.HasField("pregnancy_review_date"):
        d_pregnancy_review_date = m.pregnancy_review_date
        try:
            f_pregnancy_review_date = DATE(
                d_pregnancy_review_date.year,
                d_pregnancy_review_date.month,
                d_pregnancy_review_date.day,
            )
        except ValueError:
            bad_date(p + "pregnancy_review_date", sink)
    return model.MonitoringSchedule(
        lab_check_dates=f_lab_check_dates,
        homocysteine_target_below_umol_per_l=f_homocysteine_target_below_umol_per_l,
        items=f_items,
        rule_ids=f_rule_ids,
        source_references=f_source_references,
        pregnancy_review_date=f_pregnancy_review_date,
    )


def read_Finding(m: pb.Finding, p: str, sink: Sink) -> model.Finding:
    """Read a Finding into a Finding."""
    f_code: Any
    n_code = m.code
    f_code = TABLE_Code.to_kernel.get(n_code)
    if f_code is None:
        bad_enum(TABLE_Code, n_code, p + "code", sink)
    f_severity: Any
    n_severity = m.severity
    f_severity = TABLE_Severity.to_kernel.get(n_severity)
    if f_severity is None:
        bad_enum(TABLE_Severity, n_severity, p + "severity", sink)
    f_text: Any = m.text
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    return model.Finding(
        code=f_code,
        severity=f_severity,
        text=f_text,
        rule_ids=f_rule_ids,
        source_references=f_source_references,
    )


def read_Item(m: pb.Item, p: str, sink: Sink) -> model.Item:
    """Read a Item into a Item."""
    f_code: Any
    n_code = m.code
    f_code = TABLE_Code.to_kernel.get(n_code)
    if f_code is None:
        bad_enum(TABLE_Code, n_code, p + "code", sink)
    f_text: Any = m.text
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    return model.Item(
        code=f_code, text=f_text, rule_ids=f_rule_ids, source_references=f_source_references
    )


def read_IntervalRule(m: pb.IntervalRule, p: str, sink: Sink) -> model.IntervalRule:
    """Read a IntervalRule into a IntervalRule."""
    f_rule_id: Any = m.rule_id
    f_due_interval_months: Any = m.due_interval_months
    f_overdue_after_months: Any = m.overdue_after_months
    f_winner: Any = m.winner
    f_rule_ids: Any = tuple(m.rule_ids)
    return model.IntervalRule(
        rule_id=f_rule_id,
        due_interval_months=f_due_interval_months,
        overdue_after_months=f_overdue_after_months,
        winner=f_winner,
        rule_ids=f_rule_ids,
    )


def read_RegimenCheck(m: pb.CheckRegimenResponse, p: str, sink: Sink) -> model.RegimenCheck:
    """Read a CheckRegimenResponse into a RegimenCheck."""
    f_findings: Any = tuple(
        read_Finding(x, f"{p}findings[{i}].", sink) for i, x in enumerate(m.findings)
    )
    f_refer_reasons: Any = read_enums(TABLE_ReferReason, m.refer_reasons, p + "refer_reasons", sink)
    f_rule_set_version: Any = m.rule_set_version
    return model.RegimenCheck(
        findings=f_findings, refer_reasons=f_refer_reasons, rule_set_version=f_rule_set_version
    )


def read_CourseAssessment(m: pb.AssessCourseResponse, p: str, sink: Sink) -> model.CourseAssessment:
    """Read a AssessCourseResponse into a CourseAssessment."""
    f_outcome: Any
    n_outcome = m.outcome
    f_outcome = TABLE_CourseOutcome.to_kernel.get(n_outcome)
    if f_outcome is None:
        bad_enum(TABLE_CourseOutcome, n_outcome, p + "outcome", sink)
    f_phase: Any
    n_phase = m.phase
    f_phase = TABLE_CoursePhase.to_kernel.get(n_phase)
    if f_phase is None:
        bad_enum(TABLE_CoursePhase, n_phase, p + "phase", sink)
    f_due_interval_months: Any = m.due_interval_months
    f_overdue_after_months: Any = m.overdue_after_months
    f_interval_rules: Any = tuple(
        read_IntervalRule(x, f"{p}interval_rules[{i}].", sink)
        for i, x in enumerate(m.interval_rules)
    )
    f_next_due_date: Any = None
    if m.HasField("next_due_date"):
        d_next_due_date = m.next_due_date
        try:
            f_next_due_date = DATE(d_next_due_date.year, d_next_due_date.month, d_next_due_date.day)
        except ValueError:
            bad_date(p + "next_due_date", sink)
    f_days_overdue: Any = m.days_overdue
    f_labs_due_date: Any = None
    if m.HasField("labs_due_date"):
        d_labs_due_date = m.labs_due_date
        try:
            f_labs_due_date = DATE(d_labs_due_date.year, d_labs_due_date.month, d_labs_due_date.day)
        except ValueError:
            bad_date(p + "labs_due_date", sink)
    f_stabilised: Any = m.stabilised
    f_clinician_review_required: Any = m.clinician_review_required
    f_suggested_interval_months: Any = (
        m.suggested_interval_months if m.HasField("suggested_interval_months") else None
    )
    f_findings: Any = tuple(
        read_Finding(x, f"{p}findings[{i}].", sink) for i, x in enumerate(m.findings)
    )
    f_rule_set_version: Any = m.rule_set_version
    f_schedule: Any = read_CourseSchedule(m.schedule, p + "schedule.", sink)
    f_suggested_next_due_date: Any = None
    if m.HasField("suggested_next_due_date"):
        d_suggested_next_due_date = m.suggested_next_due_date
        try:
            f_suggested_next_due_date = DATE(
                d_suggested_next_due_date.year,
                d_suggested_next_due_date.month,
                d_suggested_next_due_date.day,
            )
        except ValueError:
            bad_date(p + "suggested_next_due_date", sink)
    return model.CourseAssessment(
        outcome=f_outcome,
        phase=f_phase,
        due_interval_months=f_due_interval_months,
        overdue_after_months=f_overdue_after_months,
        interval_rules=f_interval_rules,
        next_due_date=f_next_due_date,
        days_overdue=f_days_overdue,
        labs_due_date=f_labs_due_date,
        stabilised=f_stabilised,
        clinician_review_required=f_clinician_review_required,
        suggested_interval_months=f_suggested_interval_months,
        findings=f_findings,
        rule_set_version=f_rule_set_version,
        schedule=f_schedule,
        suggested_next_due_date=f_suggested_next_due_date,
    )


def read_CourseSchedule(m: pb.CourseSchedule, p: str, sink: Sink) -> model.CourseSchedule:
    """Read a CourseSchedule into a CourseSchedule."""
    f_loading_dates: Any = read_dates(m.loading_dates, p + "loading_dates", sink)
    f_loading_open_ended: Any = m.loading_open_ended
    f_review_date: Any = None
    if m.HasField("review_date"):
        d_review_date = m.review_date
        try:
            f_review_date = DATE(d_review_date.year, d_review_date.month, d_review_date.day)
        except ValueError:
            bad_date(p + "review_date", sink)
    f_maintenance_dates: Any = read_dates(m.maintenance_dates, p + "maintenance_dates", sink)
    f_lab_check_dates: Any = read_dates(m.lab_check_dates, p + "lab_check_dates", sink)
    f_horizon_date: Any = None
    if m.HasField("horizon_date"):
        d_horizon_date = m.horizon_date
        try:
            f_horizon_date = DATE(d_horizon_date.year, d_horizon_date.month, d_horizon_date.day)
        except ValueError:
            bad_date(p + "horizon_date", sink)
    f_rule_ids: Any = tuple(m.rule_ids)
    f_source_references: Any = tuple(m.source_references)
    return model.CourseSchedule(
        loading_dates=f_loading_dates,
        loading_open_ended=f_loading_open_ended,
        review_date=f_review_date,
        maintenance_dates=f_maintenance_dates,
        lab_check_dates=f_lab_check_dates,
        horizon_date=f_horizon_date,
        rule_ids=f_rule_ids,
        source_references=f_source_references,
    )


def read_RuleSet(m: pb.DescribeRuleSetResponse, p: str, sink: Sink) -> model.RuleSet:
    """Read a DescribeRuleSetResponse into a RuleSet."""
    f_version: Any = m.rule_set_version
    f_rules: Any = tuple(
        read_RuleDescription(x, f"{p}rules[{i}].", sink) for i, x in enumerate(m.rules)
    )
    return model.RuleSet(version=f_version, rules=f_rules)


def read_RuleDescription(m: pb.RuleDescription, p: str, sink: Sink) -> model.RuleDescription:
    """Read a RuleDescription into a RuleDescription."""
    f_rule_id: Any = m.rule_id
    f_text: Any = m.text
    f_source_references: Any = tuple(m.source_references)
    return model.RuleDescription(
        rule_id=f_rule_id, text=f_text, source_references=f_source_references
    )


# Kernel -> wire: every value type.


def write_PlanRequest(v: model.PlanRequest, m: pb.PlanRegimenRequest) -> None:
    """Write a PlanRequest into a PlanRegimenRequest."""
    y_profile = v.profile
    if y_profile is not None:
        write_PatientProfile(y_profile, m.profile)
    d_start_date = v.start_date
    if d_start_date is not None:
        x_start_date = m.start_date
        x_start_date.year = d_start_date.year
        x_start_date.month = d_start_date.month
        x_start_date.day = d_start_date.day
    d_horizon_date = v.horizon_date
    if d_horizon_date is not None:
        x_horizon_date = m.horizon_date
        x_horizon_date.year = d_horizon_date.year
        x_horizon_date.month = d_horizon_date.month
        x_horizon_date.day = d_horizon_date.day
    e_route: Any = v.route
    if e_route is not None:
        m.route = e_route._value_


def write_CheckRequest(v: model.CheckRequest, m: pb.CheckRegimenRequest) -> None:
    """Write a CheckRequest into a CheckRegimenRequest."""
    y_profile = v.profile
    if y_profile is not None:
        write_PatientProfile(y_profile, m.profile)
    y_regimen = v.regimen
    if y_regimen is not None:
        write_ProposedRegimen(y_regimen, m.regimen)


def write_CourseRequest(v: model.CourseRequest, m: pb.AssessCourseRequest) -> None:
    """Write a CourseRequest into a AssessCourseRequest."""
    y_profile = v.profile
    if y_profile is not None:
        write_PatientProfile(y_profile, m.profile)
    d_start_date = v.start_date
    if d_start_date is not None:
        x_start_date = m.start_date
        x_start_date.year = d_start_date.year
        x_start_date.month = d_start_date.month
        x_start_date.day = d_start_date.day
    d_reference_date = v.reference_date
    if d_reference_date is not None:
        x_reference_date = m.reference_date
        x_reference_date.year = d_reference_date.year
        x_reference_date.month = d_reference_date.month
        x_reference_date.day = d_reference_date.day
    add_injection_dates = m.injection_dates.add
    for d_injection_dates in v.injection_dates:
        x_injection_dates = add_injection_dates()
        x_injection_dates.year = d_injection_dates.year
        x_injection_dates.month = d_injection_dates.month
        x_injection_dates.day = d_injection_dates.day
    add_lab_results = m.lab_results.add
    for y_lab_results in v.lab_results:
        write_LabResult(y_lab_results, add_lab_results())
    e_neurological_status: Any = v.neurological_status
    if e_neurological_status is not None:
        m.neurological_status = e_neurological_status._value_
    d_stabilisation_date = v.stabilisation_date
    if d_stabilisation_date is not None:
        x_stabilisation_date = m.stabilisation_date
        x_stabilisation_date.year = d_stabilisation_date.year
        x_stabilisation_date.month = d_stabilisation_date.month
        x_stabilisation_date.day = d_stabilisation_date.day
    s_stop_requested = v.stop_requested
    if s_stop_requested is not None:
        m.stop_requested = s_stop_requested
    d_horizon_date = v.horizon_date
    if d_horizon_date is not None:
        x_horizon_date = m.horizon_date
        x_horizon_date.year = d_horizon_date.year
        x_horizon_date.month = d_horizon_date.month
        x_horizon_date.day = d_horizon_date.day


def write_PatientProfile(v: model.PatientProfile, m: pb.PatientProfile) -> None:
    """Write a PatientProfile into a PatientProfile."""
    e_formulation: Any = v.formulation
    if e_formulation is not None:
        m.formulation = e_formulation._value_
    s_age_years = v.age_years
    if s_age_years is not None:
        m.age_years = s_age_years
    e_deficiency_status: Any = v.deficiency_status
    if e_deficiency_status is not None:
        m.deficiency_status = e_deficiency_status._value_
    e_neurological_involvement: Any = v.neurological_involvement
    if e_neurological_involvement is not None:
        m.neurological_involvement = e_neurological_involvement._value_
    s_platelets_10e9_per_l = v.platelets_10e9_per_l
    if s_platelets_10e9_per_l is not None:
        m.platelets_10e9_per_l = s_platelets_10e9_per_l
    s_egfr_ml_min_1_73m2 = v.egfr_ml_min_1_73m2
    if s_egfr_ml_min_1_73m2 is not None:
        m.egfr_ml_min_1_73m2 = s_egfr_ml_min_1_73m2
    s_renal_impairment_reported = v.renal_impairment_reported
    if s_renal_impairment_reported is not None:
        m.renal_impairment_reported = s_renal_impairment_reported
    s_diabetic_nephropathy = v.diabetic_nephropathy
    if s_diabetic_nephropathy is not None:
        m.diabetic_nephropathy = s_diabetic_nephropathy
    s_folic_acid_started_before_b12 = v.folic_acid_started_before_b12
    if s_folic_acid_started_before_b12 is not None:
        m.folic_acid_started_before_b12 = s_folic_acid_started_before_b12
    s_hypersensitivity_cobalt_or_b12 = v.hypersensitivity_cobalt_or_b12
    if s_hypersensitivity_cobalt_or_b12 is not None:
        m.hypersensitivity_cobalt_or_b12 = s_hypersensitivity_cobalt_or_b12
    s_leber_disease_or_tobacco_amblyopia = v.leber_disease_or_tobacco_amblyopia
    if s_leber_disease_or_tobacco_amblyopia is not None:
        m.leber_disease_or_tobacco_amblyopia = s_leber_disease_or_tobacco_amblyopia
    s_ileal_resection = v.ileal_resection
    if s_ileal_resection is not None:
        m.ileal_resection = s_ileal_resection
    s_ileal_resection_length_cm = v.ileal_resection_length_cm
    if s_ileal_resection_length_cm is not None:
        m.ileal_resection_length_cm = s_ileal_resection_length_cm
    s_crohn_ileal_involvement = v.crohn_ileal_involvement
    if s_crohn_ileal_involvement is not None:
        m.crohn_ileal_involvement = s_crohn_ileal_involvement
    s_crohn_ileal_involvement_length_cm = v.crohn_ileal_involvement_length_cm
    if s_crohn_ileal_involvement_length_cm is not None:
        m.crohn_ileal_involvement_length_cm = s_crohn_ileal_involvement_length_cm
    e_bariatric_procedure: Any = v.bariatric_procedure
    if e_bariatric_procedure is not None:
        m.bariatric_procedure = e_bariatric_procedure._value_
    e_site_request: Any = v.site_request
    if e_site_request is not None:
        m.site_request = e_site_request._value_
    e_maintenance_preference: Any = v.maintenance_preference
    if e_maintenance_preference is not None:
        m.maintenance_preference = e_maintenance_preference._value_
    s_pregnant = v.pregnant
    if s_pregnant is not None:
        m.pregnant = s_pregnant
    s_anticoagulant_therapy = v.anticoagulant_therapy
    if s_anticoagulant_therapy is not None:
        m.anticoagulant_therapy = s_anticoagulant_therapy


def write_ProposedRegimen(v: model.ProposedRegimen, m: pb.ProposedRegimen) -> None:
    """Write a ProposedRegimen into a ProposedRegimen."""
    s_dose_per_injection_mcg = v.dose_per_injection_mcg
    if s_dose_per_injection_mcg is not None:
        m.dose_per_injection_mcg = s_dose_per_injection_mcg
    add_loading_dates = m.loading_dates.add
    for d_loading_dates in v.loading_dates:
        x_loading_dates = add_loading_dates()
        x_loading_dates.year = d_loading_dates.year
        x_loading_dates.month = d_loading_dates.month
        x_loading_dates.day = d_loading_dates.day
    s_loading_open_ended = v.loading_open_ended
    if s_loading_open_ended is not None:
        m.loading_open_ended = s_loading_open_ended
    s_maintenance_interval_months = v.maintenance_interval_months
    if s_maintenance_interval_months is not None:
        m.maintenance_interval_months = s_maintenance_interval_months
    d_stop_date = v.stop_date
    if d_stop_date is not None:
        x_stop_date = m.stop_date
        x_stop_date.year = d_stop_date.year
        x_stop_date.month = d_stop_date.month
        x_stop_date.day = d_stop_date.day
    e_site: Any = v.site
    if e_site is not None:
        m.site = e_site._value_
    e_route: Any = v.route
    if e_route is not None:
        m.route = e_route._value_
    e_formulation: Any = v.formulation
    if e_formulation is not None:
        m.formulation = e_formulation._value_


def write_LabResult(v: model.LabResult, m: pb.LabResult) -> None:
    """Write a LabResult into a LabResult."""
    d_date = v.date
    if d_date is not None:
        x_date = m.date
        x_date.year = d_date.year
        x_date.month = d_date.month
        x_date.day = d_date.day
    s_b12_ng_per_l = v.b12_ng_per_l
    if s_b12_ng_per_l is not None:
        m.b12_ng_per_l = s_b12_ng_per_l
    s_homocysteine_umol_per_l = v.homocysteine_umol_per_l
    if s_homocysteine_umol_per_l is not None:
        m.homocysteine_umol_per_l = s_homocysteine_umol_per_l


def write_RegimenPlan(v: model.RegimenPlan, m: pb.RegimenPlan) -> None:
    """Write a RegimenPlan into a RegimenPlan."""
    e_setting: Any = v.setting
    if e_setting is not None:
        m.setting = e_setting._value_
    y_loading = v.loading
    if y_loading is not None:
        write_LoadingPhase(y_loading, m.loading)
    y_maintenance = v.maintenance
    if y_maintenance is not None:
        write_MaintenancePhase(y_maintenance, m.maintenance)
    y_guidance = v.guidance
    if y_guidance is not None:
        c_guidance: Any = CACHE_AdministrationGuidance.get(y_guidance)
        if c_guidance is None:
            c_guidance = cached_message(
                y_guidance,
                write_AdministrationGuidance,
                WIRE_AdministrationGuidance,
                CACHE_AdministrationGuidance,
            )
        m.guidance.CopyFrom(c_guidance)
    y_monitoring = v.monitoring
    if y_monitoring is not None:
        write_MonitoringSchedule(y_monitoring, m.monitoring)
    add_warnings = m.warnings.add
    for y_warnings in v.warnings:
        c_warnings: Any = CACHE_Finding.get(y_warnings)
        if c_warnings is None:
            c_warnings = cached_message(y_warnings, write_Finding, WIRE_Finding, CACHE_Finding)
        add_warnings().CopyFrom(c_warnings)
    add_interval_rules = m.interval_rules.add
    for y_interval_rules in v.interval_rules:
        c_interval_rules: Any = CACHE_IntervalRule.get(y_interval_rules)
        if c_interval_rules is None:
            c_interval_rules = cached_message(
                y_interval_rules, write_IntervalRule, WIRE_IntervalRule, CACHE_IntervalRule
            )
        add_interval_rules().CopyFrom(c_interval_rules)
    s_rule_set_version = v.rule_set_version
    if s_rule_set_version is not None:
        m.rule_set_version = s_rule_set_version


def write_Referral(v: model.Referral, m: pb.Referral) -> None:
    """Write a Referral into a Referral."""
    es_reasons: Any = v.reasons
    if es_reasons:
        m.reasons.extend([e_reasons._value_ for e_reasons in es_reasons])
    s_urgent = v.urgent
    if s_urgent is not None:
        m.urgent = s_urgent
    add_warnings = m.warnings.add
    for y_warnings in v.warnings:
        c_warnings: Any = CACHE_Finding.get(y_warnings)
        if c_warnings is None:
            c_warnings = cached_message(y_warnings, write_Finding, WIRE_Finding, CACHE_Finding)
        add_warnings().CopyFrom(c_warnings)
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    s_rule_set_version = v.rule_set_version
    if s_rule_set_version is not None:
        m.rule_set_version = s_rule_set_version
    add_reason_details = m.reason_details.add
    for y_reason_details in v.reason_details:
        write_ReferralReason(y_reason_details, add_reason_details())
    s_text = v.text
    if s_text is not None:
        m.text = s_text


def write_ReferralReason(v: model.ReferralReason, m: pb.ReferralReason) -> None:
    """Write a ReferralReason into a ReferralReason."""
    e_reason: Any = v.reason
    if e_reason is not None:
        m.reason = e_reason._value_
    s_text = v.text
    if s_text is not None:
        m.text = s_text
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)


def write_LoadingPhase(v: model.LoadingPhase, m: pb.LoadingPhase) -> None:
    """Write a LoadingPhase into a LoadingPhase."""
    e_pattern: Any = v.pattern
    if e_pattern is not None:
        m.pattern = e_pattern._value_
    s_dose_mcg = v.dose_mcg
    if s_dose_mcg is not None:
        m.dose_mcg = s_dose_mcg
    s_volume_ml = v.volume_ml
    if s_volume_ml is not None:
        m.volume_ml = s_volume_ml
    e_route: Any = v.route
    if e_route is not None:
        m.route = e_route._value_
    add_injection_dates = m.injection_dates.add
    for d_injection_dates in v.injection_dates:
        x_injection_dates = add_injection_dates()
        x_injection_dates.year = d_injection_dates.year
        x_injection_dates.month = d_injection_dates.month
        x_injection_dates.day = d_injection_dates.day
    s_open_ended = v.open_ended
    if s_open_ended is not None:
        m.open_ended = s_open_ended
    d_review_date = v.review_date
    if d_review_date is not None:
        x_review_date = m.review_date
        x_review_date.year = d_review_date.year
        x_review_date.month = d_review_date.month
        x_review_date.day = d_review_date.day
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)


def write_MaintenancePhase(v: model.MaintenancePhase, m: pb.MaintenancePhase) -> None:
    """Write a MaintenancePhase into a MaintenancePhase."""
    s_dose_mcg = v.dose_mcg
    if s_dose_mcg is not None:
        m.dose_mcg = s_dose_mcg
    s_volume_ml = v.volume_ml
    if s_volume_ml is not None:
        m.volume_ml = s_volume_ml
    e_route: Any = v.route
    if e_route is not None:
        m.route = e_route._value_
    s_due_interval_months = v.due_interval_months
    if s_due_interval_months is not None:
        m.due_interval_months = s_due_interval_months
    s_overdue_after_months = v.overdue_after_months
    if s_overdue_after_months is not None:
        m.overdue_after_months = s_overdue_after_months
    e_start: Any = v.start
    if e_start is not None:
        m.start = e_start._value_
    d_first_due_date = v.first_due_date
    if d_first_due_date is not None:
        x_first_due_date = m.first_due_date
        x_first_due_date.year = d_first_due_date.year
        x_first_due_date.month = d_first_due_date.month
        x_first_due_date.day = d_first_due_date.day
    add_injection_dates = m.injection_dates.add
    for d_injection_dates in v.injection_dates:
        x_injection_dates = add_injection_dates()
        x_injection_dates.year = d_injection_dates.year
        x_injection_dates.month = d_injection_dates.month
        x_injection_dates.day = d_injection_dates.day
    s_lifelong = v.lifelong
    if s_lifelong is not None:
        m.lifelong = s_lifelong
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)


def write_AdministrationGuidance(
    v: model.AdministrationGuidance, m: pb.AdministrationGuidance
) -> None:
    """Write a AdministrationGuidance into a AdministrationGuidance."""
    s_dose_mcg = v.dose_mcg
    if s_dose_mcg is not None:
        m.dose_mcg = s_dose_mcg
    s_volume_ml = v.volume_ml
    if s_volume_ml is not None:
        m.volume_ml = s_volume_ml
    s_concentration_mcg_per_ml = v.concentration_mcg_per_ml
    if s_concentration_mcg_per_ml is not None:
        m.concentration_mcg_per_ml = s_concentration_mcg_per_ml
    e_formulation: Any = v.formulation
    if e_formulation is not None:
        m.formulation = e_formulation._value_
    e_route: Any = v.route
    if e_route is not None:
        m.route = e_route._value_
    es_sites: Any = v.sites
    if es_sites:
        m.sites.extend([e_sites._value_ for e_sites in es_sites])
    s_needle_gauge_min = v.needle_gauge_min
    if s_needle_gauge_min is not None:
        m.needle_gauge_min = s_needle_gauge_min
    s_needle_gauge_max = v.needle_gauge_max
    if s_needle_gauge_max is not None:
        m.needle_gauge_max = s_needle_gauge_max
    s_pressure_minutes_min = v.pressure_minutes_min
    if s_pressure_minutes_min is not None:
        m.pressure_minutes_min = s_pressure_minutes_min
    s_pressure_minutes_max = v.pressure_minutes_max
    if s_pressure_minutes_max is not None:
        m.pressure_minutes_max = s_pressure_minutes_max
    add_items = m.items.add
    for y_items in v.items:
        c_items: Any = CACHE_Item.get(y_items)
        if c_items is None:
            c_items = cached_message(y_items, write_Item, WIRE_Item, CACHE_Item)
        add_items().CopyFrom(c_items)
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)


def write_MonitoringSchedule(v: model.MonitoringSchedule, m: pb.MonitoringSchedule) -> None:
    """Write a MonitoringSchedule into a MonitoringSchedule."""
    add_lab_check_dates = m.lab_check_dates.add
    for d_lab_check_dates in v.lab_check_dates:
        x_lab_check_dates = add_lab_check_dates()
        x_lab_check_dates.year = d_lab_check_dates.year
        x_lab_check_dates.month = d_lab_check_dates.month
        x_lab_check_dates.day = d_lab_check_dates.day
    s_homocysteine_target_below_umol_per_l = v.homocysteine_target_below_umol_per_l
    if s_homocysteine_target_below_umol_per_l is not None:
        m.homocysteine_target_below_umol_per_l = s_homocysteine_target_below_umol_per_l
    add_items = m.items.add
    for y_items in v.items:
        c_items: Any = CACHE_Item.get(y_items)
        if c_items is None:
            c_items = cached_message(y_items, write_Item, WIRE_Item, CACHE_Item)
        add_items().CopyFrom(c_items)
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)
    d_pregnancy_review_date = v.pregnancy_review_date
    if d_pregnancy_review_date is not None:
        x_pregnancy_review_date = m.pregnancy_review_date
        x_pregnancy_review_date.year = d_pregnancy_review_date.year
        x_pregnancy_review_date.month = d_pregnancy_review_date.month
        x_pregnancy_review_date.day = d_pregnancy_review_date.day


def write_Finding(v: model.Finding, m: pb.Finding) -> None:
    """Write a Finding into a Finding."""
    e_code: Any = v.code
    if e_code is not None:
        m.code = e_code._value_
    e_severity: Any = v.severity
    if e_severity is not None:
        m.severity = e_severity._value_
    s_text = v.text
    if s_text is not None:
        m.text = s_text
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)


def write_Item(v: model.Item, m: pb.Item) -> None:
    """Write a Item into a Item."""
    e_code: Any = v.code
    if e_code is not None:
        m.code = e_code._value_
    s_text = v.text
    if s_text is not None:
        m.text = s_text
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)


def write_IntervalRule(v: model.IntervalRule, m: pb.IntervalRule) -> None:
    """Write a IntervalRule into a IntervalRule."""
    s_rule_id = v.rule_id
    if s_rule_id is not None:
        m.rule_id = s_rule_id
    s_due_interval_months = v.due_interval_months
    if s_due_interval_months is not None:
        m.due_interval_months = s_due_interval_months
    s_overdue_after_months = v.overdue_after_months
    if s_overdue_after_months is not None:
        m.overdue_after_months = s_overdue_after_months
    s_winner = v.winner
    if s_winner is not None:
        m.winner = s_winner
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)


def write_RegimenCheck(v: model.RegimenCheck, m: pb.CheckRegimenResponse) -> None:
    """Write a RegimenCheck into a CheckRegimenResponse."""
    add_findings = m.findings.add
    for y_findings in v.findings:
        c_findings: Any = CACHE_Finding.get(y_findings)
        if c_findings is None:
            c_findings = cached_message(y_findings, write_Finding, WIRE_Finding, CACHE_Finding)
        add_findings().CopyFrom(c_findings)
    es_refer_reasons: Any = v.refer_reasons
    if es_refer_reasons:
        m.refer_reasons.extend([e_refer_reasons._value_ for e_refer_reasons in es_refer_reasons])
    s_rule_set_version = v.rule_set_version
    if s_rule_set_version is not None:
        m.rule_set_version = s_rule_set_version


def write_CourseAssessment(v: model.CourseAssessment, m: pb.AssessCourseResponse) -> None:
    """Write a CourseAssessment into a AssessCourseResponse."""
    e_outcome: Any = v.outcome
    if e_outcome is not None:
        m.outcome = e_outcome._value_
    e_phase: Any = v.phase
    if e_phase is not None:
        m.phase = e_phase._value_
    s_due_interval_months = v.due_interval_months
    if s_due_interval_months is not None:
        m.due_interval_months = s_due_interval_months
    s_overdue_after_months = v.overdue_after_months
    if s_overdue_after_months is not None:
        m.overdue_after_months = s_overdue_after_months
    add_interval_rules = m.interval_rules.add
    for y_interval_rules in v.interval_rules:
        c_interval_rules: Any = CACHE_IntervalRule.get(y_interval_rules)
        if c_interval_rules is None:
            c_interval_rules = cached_message(
                y_interval_rules, write_IntervalRule, WIRE_IntervalRule, CACHE_IntervalRule
            )
        add_interval_rules().CopyFrom(c_interval_rules)
    d_next_due_date = v.next_due_date
    if d_next_due_date is not None:
        x_next_due_date = m.next_due_date
        x_next_due_date.year = d_next_due_date.year
        x_next_due_date.month = d_next_due_date.month
        x_next_due_date.day = d_next_due_date.day
    s_days_overdue = v.days_overdue
    if s_days_overdue is not None:
        m.days_overdue = s_days_overdue
    d_labs_due_date = v.labs_due_date
    if d_labs_due_date is not None:
        x_labs_due_date = m.labs_due_date
        x_labs_due_date.year = d_labs_due_date.year
        x_labs_due_date.month = d_labs_due_date.month
        x_labs_due_date.day = d_labs_due_date.day
    s_stabilised = v.stabilised
    if s_stabilised is not None:
        m.stabilised = s_stabilised
    s_clinician_review_required = v.clinician_review_required
    if s_clinician_review_required is not None:
        m.clinician_review_required = s_clinician_review_required
    s_suggested_interval_months = v.suggested_interval_months
    if s_suggested_interval_months is not None:
        m.suggested_interval_months = s_suggested_interval_months
    add_findings = m.findings.add
    for y_findings in v.findings:
        c_findings: Any = CACHE_Finding.get(y_findings)
        if c_findings is None:
            c_findings = cached_message(y_findings, write_Finding, WIRE_Finding, CACHE_Finding)
        add_findings().CopyFrom(c_findings)
    s_rule_set_version = v.rule_set_version
    if s_rule_set_version is not None:
        m.rule_set_version = s_rule_set_version
    y_schedule = v.schedule
    if y_schedule is not None:
        write_CourseSchedule(y_schedule, m.schedule)
    d_suggested_next_due_date = v.suggested_next_due_date
    if d_suggested_next_due_date is not None:
        x_suggested_next_due_date = m.suggested_next_due_date
        x_suggested_next_due_date.year = d_suggested_next_due_date.year
        x_suggested_next_due_date.month = d_suggested_next_due_date.month
        x_suggested_next_due_date.day = d_suggested_next_due_date.day


def write_CourseSchedule(v: model.CourseSchedule, m: pb.CourseSchedule) -> None:
    """Write a CourseSchedule into a CourseSchedule."""
    add_loading_dates = m.loading_dates.add
    for d_loading_dates in v.loading_dates:
        x_loading_dates = add_loading_dates()
        x_loading_dates.year = d_loading_dates.year
        x_loading_dates.month = d_loading_dates.month
        x_loading_dates.day = d_loading_dates.day
    s_loading_open_ended = v.loading_open_ended
    if s_loading_open_ended is not None:
        m.loading_open_ended = s_loading_open_ended
    d_review_date = v.review_date
    if d_review_date is not None:
        x_review_date = m.review_date
        x_review_date.year = d_review_date.year
        x_review_date.month = d_review_date.month
        x_review_date.day = d_review_date.day
    add_maintenance_dates = m.maintenance_dates.add
    for d_maintenance_dates in v.maintenance_dates:
        x_maintenance_dates = add_maintenance_dates()
        x_maintenance_dates.year = d_maintenance_dates.year
        x_maintenance_dates.month = d_maintenance_dates.month
        x_maintenance_dates.day = d_maintenance_dates.day
    add_lab_check_dates = m.lab_check_dates.add
    for d_lab_check_dates in v.lab_check_dates:
        x_lab_check_dates = add_lab_check_dates()
        x_lab_check_dates.year = d_lab_check_dates.year
        x_lab_check_dates.month = d_lab_check_dates.month
        x_lab_check_dates.day = d_lab_check_dates.day
    d_horizon_date = v.horizon_date
    if d_horizon_date is not None:
        x_horizon_date = m.horizon_date
        x_horizon_date.year = d_horizon_date.year
        x_horizon_date.month = d_horizon_date.month
        x_horizon_date.day = d_horizon_date.day
    if v.rule_ids:
        m.rule_ids.extend(v.rule_ids)
    if v.source_references:
        m.source_references.extend(v.source_references)


def write_RuleSet(v: model.RuleSet, m: pb.DescribeRuleSetResponse) -> None:
    """Write a RuleSet into a DescribeRuleSetResponse."""
    s_version = v.version
    if s_version is not None:
        m.rule_set_version = s_version
    add_rules = m.rules.add
    for y_rules in v.rules:
        c_rules: Any = CACHE_RuleDescription.get(y_rules)
        if c_rules is None:
            c_rules = cached_message(
                y_rules, write_RuleDescription, WIRE_RuleDescription, CACHE_RuleDescription
            )
        add_rules().CopyFrom(c_rules)


def write_RuleDescription(v: model.RuleDescription, m: pb.RuleDescription) -> None:
    """Write a RuleDescription into a RuleDescription."""
    s_rule_id = v.rule_id
    if s_rule_id is not None:
        m.rule_id = s_rule_id
    s_text = v.text
    if s_text is not None:
        m.text = s_text
    if v.source_references:
        m.source_references.extend(v.source_references)


READERS: Final[dict[type[Any], Any]] = {
    model.PlanRequest: read_PlanRequest,
    model.CheckRequest: read_CheckRequest,
    model.CourseRequest: read_CourseRequest,
    model.PatientProfile: read_PatientProfile,
    model.ProposedRegimen: read_ProposedRegimen,
    model.LabResult: read_LabResult,
    model.RegimenPlan: read_RegimenPlan,
    model.Referral: read_Referral,
    model.ReferralReason: read_ReferralReason,
    model.LoadingPhase: read_LoadingPhase,
    model.MaintenancePhase: read_MaintenancePhase,
    model.AdministrationGuidance: read_AdministrationGuidance,
    model.MonitoringSchedule: read_MonitoringSchedule,
    model.Finding: read_Finding,
    model.Item: read_Item,
    model.IntervalRule: read_IntervalRule,
    model.RegimenCheck: read_RegimenCheck,
    model.CourseAssessment: read_CourseAssessment,
    model.CourseSchedule: read_CourseSchedule,
    model.RuleSet: read_RuleSet,
    model.RuleDescription: read_RuleDescription,
}
WRITERS: Final[dict[type[Any], MessageWriter]] = {
    model.PlanRequest: write_PlanRequest,
    model.CheckRequest: write_CheckRequest,
    model.CourseRequest: write_CourseRequest,
    model.PatientProfile: write_PatientProfile,
    model.ProposedRegimen: write_ProposedRegimen,
    model.LabResult: write_LabResult,
    model.RegimenPlan: write_RegimenPlan,
    model.Referral: write_Referral,
    model.ReferralReason: write_ReferralReason,
    model.LoadingPhase: write_LoadingPhase,
    model.MaintenancePhase: write_MaintenancePhase,
    model.AdministrationGuidance: write_AdministrationGuidance,
    model.MonitoringSchedule: write_MonitoringSchedule,
    model.Finding: write_Finding,
    model.Item: write_Item,
    model.IntervalRule: write_IntervalRule,
    model.RegimenCheck: write_RegimenCheck,
    model.CourseAssessment: write_CourseAssessment,
    model.CourseSchedule: write_CourseSchedule,
    model.RuleSet: write_RuleSet,
    model.RuleDescription: write_RuleDescription,
}
