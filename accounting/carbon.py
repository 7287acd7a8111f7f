"""Carbon emission rights (seed 004, Zhongwei 2023), pure functions: who is a key emitter, what a unit must surrender
for a year and how much of it national certified voluntary reductions (CCER) may cover. Quantities in t CO2e, exact
decimals with 4 places (accounting.quantities).

- A unit whose annual greenhouse-gas emissions reach 26,000 t CO2e (about 10,000 t of standard coal of energy use)
  is a key emitter (重点排放单位): 26,000 is listed, 25,999.9999 is not.
- Compliance (配额清缴): the unit surrenders allowances to cover its verified emissions; CCER may cover at most 5 % of
  what it must surrender: 5 % exactly is accepted, a hair above is refused with the figure.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from .quantities import PLACES

KEY_EMITTER_T = Decimal("26000")  # t CO2e a year
KEY_EMITTER_TCE = Decimal("10000")  # t of standard coal equivalent of energy use, the same threshold
CCER_SHARE = Decimal("0.05")  # of the allowances a unit must surrender


def is_key_emitter(verified_t: Decimal) -> bool:
    """Listed when the verified annual emissions reach the threshold."""
    return Decimal(verified_t) >= KEY_EMITTER_T


def stays_listed(verified_t: Decimal, energy_tce: Decimal | None = None) -> bool:
    """The yearly adjustment of the list (seed 004 item 1): a listed unit stays while its verified emissions, or
    its energy use, reach the threshold; below both, the year's verified report proposes delisting it."""
    return is_key_emitter(verified_t) or (energy_tce is not None and Decimal(energy_tce) >= KEY_EMITTER_TCE)


def ccer_cap(obligation_t: Decimal) -> Decimal:
    """The most CCER a unit may surrender: 5 % of its obligation, to 4 places, never rounded up."""
    return (Decimal(obligation_t) * CCER_SHARE).quantize(PLACES, rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Compliance:
    obligation: Decimal  # the verified emissions: what must be surrendered
    allowances: Decimal
    ccer: Decimal
    cap: Decimal  # the most CCER that counts
    covered: Decimal
    gap: Decimal  # what is still to surrender (0 when compliant)

    @property
    def compliant(self) -> bool:
        return self.gap == 0


def compliance(*, obligation: Decimal, allowances: Decimal, ccer: Decimal) -> Compliance:
    """What the surrendered allowances and CCER cover of the obligation. A CCER surrender above the cap is refused
    (ValueError with the figures), never silently counted in part."""
    obligation, allowances, ccer = Decimal(obligation), Decimal(allowances), Decimal(ccer)
    if min(obligation, allowances, ccer) < 0:
        raise ValueError(_("Quantities cannot be negative."))
    cap = ccer_cap(obligation)
    if ccer > cap:
        raise ValueError(_("CCER may cover at most 5%% of the obligation: %(cap)s t CO2e of %(obligation)s t CO2e; "
                           "%(ccer)s t CO2e was given.") % {"cap": cap, "obligation": obligation, "ccer": ccer})
    covered = min(obligation, allowances + ccer)
    return Compliance(obligation, allowances, ccer, cap, covered, obligation - covered)
