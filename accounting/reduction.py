"""Reduction accounting (核算), Annexes 1-2 of the Qujing measures and seed 001.

- A unit treating its own waste:        Ek  = Eq  - Eh,   Eh  = max flow x stable concentration
- A unit discharging into a central plant: Efk = Efq - Efh,  Efh = flow x the plant's permitted concentration
- A centralised industrial plant's upgrade: Egk = M x (Cq - Ch)   (design flow x concentration drop)
- Full shutdown:                         tradable = the initial quota

Units: flows in m3/a; water concentrations in mg/L (m3 x mg/L = g), air concentrations in mg/m3
(m3 x mg/m3 = mg); results in the factor's unit, t/a or kg/a for heavy metals, rounded down to 4 places.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import quantities
from .quantities import KG_A, T_A, QuantityError, floor4

SELF_TREATMENT = "self_treatment"
CENTRALISED = "centralised"
PLANT_UPGRADE = "plant_upgrade"
SHUTDOWN = "shutdown"
DECLARED = "declared"
# the methods whose formula takes a concentration: for a heavy metal it matters whether it leaves in water or gas
CONCENTRATION_METHODS = (SELF_TREATMENT, CENTRALISED)

METHODS = [
    (SELF_TREATMENT, gettext_lazy("Own treatment: Ek = Eq - Eh")),
    (CENTRALISED, gettext_lazy("Discharge into a centralised plant: Efk = Efq - Efh")),
    (PLANT_UPGRADE, gettext_lazy("Upgrade of a centralised industrial plant: Egk = M x (Cq - Ch)")),
    (SHUTDOWN, gettext_lazy("Full shutdown: the initial quota")),
    (DECLARED, gettext_lazy("Figure stated by the applicant (explain the basis)")),
]

# What the accounting may not credit (Annex 1; seed 001).
NON_CREDITABLE = [
    ("lower_load", gettext_lazy("Lower load or output")),
    ("idle_without_shutdown", gettext_lazy("Idling without formal shutdown")),
    ("material_or_fuel_only", gettext_lazy("Raw-material or fuel change without a real process change")),
    ("part_time_treatment", gettext_lazy("Treatment facilities run only part-time")),
    ("part_time_clean_energy", gettext_lazy("Clean energy used only part-time")),
]

def non_creditable(causes) -> list[str]:
    """Seed 001 guide Art 14: the declared causes of a reduction that are never creditable, as their labels."""
    labels = dict(NON_CREDITABLE)
    return [str(labels[c]) for c in causes or () if c in labels]


def best_completion_evidence(evidence_dates: dict) -> tuple[str, datetime.date] | None:
    """Seed 001 guide Art 12: of the evidence given, the one that fixes the completion date, in the order of
    preference below (acceptance approval, ministry-recognised date, acceptance monitoring report, 168-hour trial
    run, other): (code, date), or None when none is given."""
    for code, _label in COMPLETION_EVIDENCE:
        if evidence_dates.get(code):
            return code, evidence_dates[code]
    return None


# Which evidence fixes the completion date, in order of preference.
COMPLETION_EVIDENCE = [
    ("acceptance_approval", gettext_lazy("Date of the acceptance approval")),
    ("ministry_recognised", gettext_lazy("Date recognised by the Ministry")),
    ("acceptance_monitoring", gettext_lazy("Date of the acceptance monitoring report")),
    ("trial_run_168h", gettext_lazy("End of the 168-hour trial run")),
    ("other", gettext_lazy("Other evidence")),
]

# Factor of m3 x concentration -> the factor's unit
_WATER_G = {T_A: Decimal("0.000001"), KG_A: Decimal("0.001")}  # m3 x mg/L = g
_AIR_MG = {T_A: Decimal("0.000000001"), KG_A: Decimal("0.000001")}  # m3 x mg/m3 = mg


@dataclass(frozen=True)
class AccountingResult:
    method: str
    quantity: Decimal
    formula: str  # the formula with the figures, for the form and the printed Annex 3
    inputs: dict = field(default_factory=dict)


# The figures the formulas take: name -> (label, parser). The form's inputs, the API's `accounting_inputs` and
# the spreadsheet import all read them here, with the bounds of accounting/quantities.py.
INPUTS_READ = {
    "eq": (gettext_lazy("Eq: quota before the measure"), quantities.quantity),
    "max_flow": (gettext_lazy("Maximum flow after the measure (m³/a)"), quantities.flow),
    "concentration": (gettext_lazy("Stable concentration after the measure (mg/L or mg/m³)"), quantities.concentration),
    "efq": (gettext_lazy("Efq: quota before the measure"), quantities.quantity),
    "flow": (gettext_lazy("Flow into the plant (m³/a)"), quantities.flow),
    "permitted_concentration": (gettext_lazy("Plant's permitted concentration (mg/L)"), quantities.concentration),
    "design_flow": (gettext_lazy("M: design flow (m³/a)"), quantities.flow),
    "cq": (gettext_lazy("Cq: concentration before (mg/L)"), quantities.concentration),
    "ch": (gettext_lazy("Ch: concentration after (mg/L)"), quantities.concentration),
    "initial_quota": (gettext_lazy("Initial quota of the shut-down unit"), quantities.quantity),
    "quantity": (gettext_lazy("Quantity (stated)"), quantities.quantity),
}


def read_input(name: str, value) -> Decimal:
    """One figure of a formula, parsed and bounded (QuantityError names the field and the limit)."""
    label, parse = INPUTS_READ[name]
    return parse(value, field=label)


def emission(flow_m3, concentration, *, medium: str, unit: str, flow_name="max_flow",
             concentration_name="concentration") -> Decimal:
    """Annual emission from a flow (m3/a) and a concentration (mg/L for water, mg/m3 for air)."""
    flow, conc = read_input(flow_name, flow_m3), read_input(concentration_name, concentration)
    factors = _WATER_G if medium == "water" else _AIR_MG
    return flow * conc * factors[unit]


def _reduction(before: Decimal, after: Decimal) -> Decimal:
    if after > before:
        raise QuantityError(_("The emission after the measure is higher than before: there is no reduction."))
    return floor4(before - after)


def _n(value) -> str:
    """A figure as typed, thousands separated (500,000,000 m³/a)."""
    return quantities.grouped(Decimal(value))


def _q(value) -> str:
    """A quantity: four places, thousands separated."""
    return quantities.show(value)


def self_treatment(*, eq, max_flow, concentration, medium: str, unit: str) -> AccountingResult:
    """Ek = Eq - Eh, with Eh = max flow x stable concentration after the measure."""
    eq = read_input("eq", eq)
    eh = emission(max_flow, concentration, medium=medium, unit=unit)
    ek = _reduction(eq, eh)
    conc_unit = "mg/L" if medium == "water" else "mg/m³"
    formula = (f"Ek = Eq − Eh = {_n(eq)} − {_n(max_flow)} m³/a × {_n(concentration)} {conc_unit} = {_n(eq)} − "
               f"{_q(floor4(eh))} = {_q(ek)} {unit}")
    return AccountingResult(SELF_TREATMENT, ek, formula, {"eq": str(eq), "max_flow": str(max_flow),
                                                          "concentration": str(concentration)})


def centralised(*, efq, flow, permitted_concentration, medium: str, unit: str) -> AccountingResult:
    """Efk = Efq - Efh, with Efh = flow x the receiving plant's permitted concentration."""
    efq = read_input("efq", efq)
    efh = emission(flow, permitted_concentration, medium=medium, unit=unit, flow_name="flow",
                   concentration_name="permitted_concentration")
    efk = _reduction(efq, efh)
    conc_unit = "mg/L" if medium == "water" else "mg/m³"
    formula = (f"Efk = Efq − Efh = {_n(efq)} − {_n(flow)} m³/a × {_n(permitted_concentration)} {conc_unit} = "
               f"{_n(efq)} − {_q(floor4(efh))} = {_q(efk)} {unit}")
    return AccountingResult(CENTRALISED, efk, formula, {"efq": str(efq), "flow": str(flow),
                                                        "permitted_concentration": str(permitted_concentration)})


def plant_upgrade(*, design_flow, cq, ch, unit: str) -> AccountingResult:
    """Egk = M x (Cq - Ch): design flow (m3/a) x concentration drop (mg/L) = grams, then the factor's unit."""
    m, cq_, ch_ = read_input("design_flow", design_flow), read_input("cq", cq), read_input("ch", ch)
    if ch_ > cq_:
        raise QuantityError(_("The concentration after the upgrade is higher than before: there is no reduction."))
    egk = floor4(m * (cq_ - ch_) * _WATER_G[unit])
    formula = f"Egk = M × (Cq − Ch) = {_n(m)} m³/a × ({_n(cq_)} − {_n(ch_)}) mg/L = {_q(egk)} {unit}"
    return AccountingResult(PLANT_UPGRADE, egk, formula, {"design_flow": str(m), "cq": str(cq_), "ch": str(ch_)})


def shutdown(*, initial_quota, unit: str) -> AccountingResult:
    """A full, formal shutdown credits the unit's initial quota."""
    q = read_input("initial_quota", initial_quota)
    return AccountingResult(SHUTDOWN, q, _("Shutdown: tradable = initial quota = %(q)s %(unit)s") % {"q": q, "unit": unit},
                            {"initial_quota": str(q)})


def declared(*, quantity, unit: str) -> AccountingResult:
    q = read_input("quantity", quantity)
    return AccountingResult(DECLARED, q, _("Stated by the applicant: %(q)s %(unit)s") % {"q": q, "unit": unit},
                            {"quantity": str(q)})


INPUTS = {
    SELF_TREATMENT: ("eq", "max_flow", "concentration"),
    CENTRALISED: ("efq", "flow", "permitted_concentration"),
    PLANT_UPGRADE: ("design_flow", "cq", "ch"),
    SHUTDOWN: ("initial_quota",),
    DECLARED: ("quantity",),
}


def compute(method: str, inputs: dict, *, medium: str, unit: str) -> AccountingResult:
    """Dispatch by method name with the inputs a form collected (strings or Decimals). The result is bounded
    like any typed quantity: a formula cannot credit more than accounting/quantities.py allows."""
    result = _compute(method, inputs, medium=medium, unit=unit)
    if result.quantity > quantities.MAX_QUANTITY:
        raise QuantityError(_("The accounted reduction, %(q)s %(unit)s, is more than any real reduction (at most "
                              "%(limit)s %(unit)s): check the units of the figures.") % {
            "q": result.quantity, "unit": unit, "limit": f"{quantities.MAX_QUANTITY:,}"})
    return result


def _compute(method: str, inputs: dict, *, medium: str, unit: str) -> AccountingResult:
    missing = [name for name in INPUTS.get(method, ()) if inputs.get(name) in (None, "")]
    if method not in INPUTS:
        raise QuantityError(_("Unknown accounting method."))
    if missing:
        raise QuantityError(_("Missing accounting inputs: %(names)s.") % {
            "names": "、".join(str(INPUTS_READ[n][0]) for n in missing)})
    args = {name: inputs[name] for name in INPUTS[method]}
    if method == SELF_TREATMENT:
        return self_treatment(**args, medium=medium, unit=unit)
    if method == CENTRALISED:
        return centralised(**args, medium=medium, unit=unit)
    if method == PLANT_UPGRADE:
        if medium != "water":
            raise QuantityError(_("The plant-upgrade formula applies to water pollutants only."))
        return plant_upgrade(**args, unit=unit)
    if method == SHUTDOWN:
        return shutdown(**args, unit=unit)
    return declared(**args, unit=unit)
