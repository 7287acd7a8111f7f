"""Trading rules of seed 001 (Shaanxi's trading procedure), pure functions.

- Art 17: two or more qualified buyers wanting more than is offered -> public bidding; otherwise
  negotiated transfer; the government reserve is sold by bidding in principle.
- Art 18: for major projects when the reserve is scarce, a fixed-quota sale at the highest historical
  bidding price (Art 10).
- Market statistics: the volume-weighted average price of a quarter's deals against the reference price.
- Timed e-bidding (seed 001 Arts 10, 17; the provincial platforms): a registration deposit confirmed before a bidder
  may bid, at most so many bids a bidder, each bidder's best bid standing, and a bid in the last minutes extending
  the close.
- Bidding: bids at the starting price or above in whole increments; ranked by price, then by time;
  the quantity goes down the ranking until the offer is exhausted (the last bid may be part-filled).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

NEGOTIATED, BIDDING, FIXED = "negotiated", "bidding", "fixed"


@dataclass(frozen=True)
class MethodSuggestion:
    method: str
    reason: str


def suggest_method(*, seller_is_reserve: bool, qualified_buyers: int, wanted: Decimal, offered: Decimal,
                   green_channel: bool = False) -> MethodSuggestion:
    if green_channel:
        return MethodSuggestion(FIXED, _("A major project's green channel when the reserve is scarce: fixed-quota "
                                         "sale at the highest historical bidding price (seed 001 Arts 10, 18)."))
    if seller_is_reserve:
        return MethodSuggestion(BIDDING, _("Government reserve quota is sold by public bidding in principle "
                                           "(seed 001 Art 17(3))."))
    if qualified_buyers >= 2 and wanted > offered:
        return MethodSuggestion(BIDDING, _("%(n)s qualified buyers want %(wanted)s, more than the %(offered)s offered: "
                                           "public bidding (seed 001 Art 17(1)).") % {
            "n": qualified_buyers, "wanted": wanted, "offered": offered})
    return MethodSuggestion(NEGOTIATED, _("One qualified buyer, or buyers wanting no more than is offered: negotiated "
                                          "transfer (seed 001 Art 17(2))."))


@dataclass(frozen=True)
class BidIn:
    id: int
    price: Decimal
    placed_at: datetime.datetime
    quantity: Decimal


def bid_problem(price: Decimal, *, starting_price: Decimal, increment: Decimal) -> str | None:
    """None when a bid price is acceptable: at least the starting price, in whole increments above it."""
    if price < starting_price:
        return _("A bid must be at least the starting price of %(p)s.") % {"p": starting_price}
    if increment > 0 and (price - starting_price) % increment != 0:
        return _("Bids rise in steps of %(inc)s above the starting price of %(p)s.") % {
            "inc": increment, "p": starting_price}
    return None


def extended_close(closes_at: datetime.datetime, bid_at: datetime.datetime, minutes: int) -> datetime.datetime:
    """Timed e-bidding: a bid in the last `minutes` moves the close to `minutes` after it, so nobody wins by sniping."""
    if minutes and closes_at - bid_at < datetime.timedelta(minutes=minutes):
        return bid_at + datetime.timedelta(minutes=minutes)
    return closes_at


def best_bids(bids: list[BidIn], party_of: dict) -> list[BidIn]:
    """Live bidding: each bidder's best bid (highest, then earliest) stands, its earlier ones are raised away; ranked
    by price, then time. `party_of`: bid id -> bidder."""
    best: dict = {}
    for bid in sorted(bids, key=lambda b: (-b.price, b.placed_at, b.id)):
        best.setdefault(party_of[bid.id], bid)
    return sorted(best.values(), key=lambda b: (-b.price, b.placed_at, b.id))


def allocate_bids(bids: list[BidIn], offered: Decimal) -> list[tuple[int, Decimal]]:
    """(bid id, quantity won) down the ranking: higher price first, earlier bid first at equal price."""
    remaining, result = offered, []
    for bid in sorted(bids, key=lambda b: (-b.price, b.placed_at, b.id)):
        if remaining <= 0:
            break
        take = min(bid.quantity, remaining)
        result.append((bid.id, take))
        remaining -= take
    return result


def fixed_price(historical_bidding_prices: list[Decimal]) -> Decimal:
    """The highest price ever paid in a bidding sale of this factor (seed 001 Art 10)."""
    if not historical_bidding_prices:
        raise ValueError(_("No bidding sale of this factor has been concluded yet: there is no price for a fixed-quota "
                           "sale."))
    return max(historical_bidding_prices)


def average_price(amount: Decimal, quantity: Decimal) -> Decimal | None:
    """The volume-weighted average price of deals: their amount over their quantity, to the fen (half up)."""
    if not quantity:
        return None
    return (Decimal(amount) / Decimal(quantity)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def quarter_of(day) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarters_back(day, n: int) -> list[tuple[int, int]]:
    """The n quarters ending with the one holding `day`, oldest first."""
    year, q = quarter_of(day)
    result = []
    for _step in range(n):
        result.append((year, q))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return result[::-1]


def deviation_percent(price: Decimal, reference: Decimal | None) -> Decimal | None:
    """How far a deal's price is from the reference price, in % (two places), or None without a reference."""
    if not reference:
        return None
    return ((price - reference) / reference * 100).quantize(Decimal("0.01"))
