"""The province's one-ledger (一本账, seed 002 Guangdong Art 7 and issue 19): for each city and factor, month by
month, what its reserve pool held at the start, what was added, what was used, what was transferred to or from
another city's pool, and what it held at the end. Pure: built from the flows of the ledger's movements into and out
of the cities' pools, never typed in.

A flow is classified by the account on the other side of the pool:
- from the outside (SOURCE: an entry approved) or from an enterprise (quota returned; bought back from its offer,
  ESCROW, or from a pledge's enforcement sale, PLEDGED): added; back to the outside (an entry's issue reversed): a
  negative addition;
- to any other account (held for a withdrawal or a sale, expired, revoked): used; coming back from a hold (a
  withdrawal refused, a sale cancelled) undoes a use, so it counts as a negative use, not as an addition;
- from one city's pool to another's: transferred out of the one and into the other.

So that for every city, factor and month: closing = opening + added - used + transferred in - transferred out, the
closing is what the pool held at the end of the month, and the province's row is the sum of its cities' rows.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0.0000")
ADDING = frozenset({"source", "enterprise", "escrow", "pledged"})  # the other side of a flow that adds to the pool


@dataclass(frozen=True)
class Flow:
    """Quantity moved in one month between two accounts, one of which at least is a city's pool."""

    month: str  # "2026-11"
    factor: str  # its code
    from_kind: str
    from_city: int | None
    to_kind: str
    to_city: int | None
    quantity: Decimal


@dataclass
class Row:
    city: int | None  # None: the province (every city)
    factor: str
    month: str
    opening: Decimal = ZERO
    added: Decimal = ZERO
    used: Decimal = ZERO
    transferred_in: Decimal = ZERO
    transferred_out: Decimal = ZERO
    closing: Decimal = field(default=ZERO)

    def close(self) -> None:
        self.closing = self.opening + self.added - self.used + self.transferred_in - self.transferred_out

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("opening", "added", "used", "transferred_in", "transferred_out",
                                               "closing")}


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("YYYY-MM"), both included."""
    y, m = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    found = []
    while (y, m) <= end:
        found.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return found


def book(flows: Iterable[Flow], *, cities: Iterable[int], factors: Iterable[str], months: list[str],
         opening: dict | None = None) -> list[Row]:
    """The one-ledger: a row per city, factor and month in `months` (carried from the first flow on, so that the
    opening of the first month shown is what the pool held then), and the province's row (city None) per factor
    and month, the sum of its cities'. `opening`: what each (city, factor) held before the first flow given, when
    the flows start after the ledger's first (the months before were reported and stored)."""
    opening = opening or {}
    moved = defaultdict(lambda: defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO]))  # (city, factor) -> month -> figures
    first = months[0] if months else None
    for f in flows:
        first = min(first, f.month) if first else f.month
        if f.from_kind == "pool" and f.to_kind == "pool":
            if f.from_city == f.to_city:
                continue
            moved[(f.from_city, f.factor)][f.month][3] += f.quantity
            moved[(f.to_city, f.factor)][f.month][2] += f.quantity
        elif f.to_kind == "pool":
            figures = moved[(f.to_city, f.factor)][f.month]
            if f.from_kind in ADDING:
                figures[0] += f.quantity
            else:
                figures[1] -= f.quantity
        elif f.from_kind == "pool":
            figures = moved[(f.from_city, f.factor)][f.month]
            if f.to_kind == "source":
                figures[0] -= f.quantity
            else:
                figures[1] += f.quantity
    if not months:
        return []
    shown = set(months)
    rows, province = [], {}
    for city in cities:
        for factor in factors:
            by_month = moved.get((city, factor), {})
            carried = opening.get((city, factor), ZERO)
            for month in months_between(first, months[-1]):
                added, used, into, out = by_month.get(month, (ZERO, ZERO, ZERO, ZERO))
                row = Row(city, factor, month, opening=carried, added=added, used=used, transferred_in=into,
                          transferred_out=out)
                row.close()
                carried = row.closing
                if month not in shown:
                    continue
                rows.append(row)
                total = province.setdefault((factor, month), Row(None, factor, month))
                for name in ("opening", "added", "used", "transferred_in", "transferred_out", "closing"):
                    setattr(total, name, getattr(total, name) + getattr(row, name))
    return rows + list(province.values())
