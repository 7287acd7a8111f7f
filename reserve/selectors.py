"""Reads of the pool, already scoped to the user: the overview of the factor x county grid."""
from __future__ import annotations

from decimal import Decimal

from ledger.selectors import balances
from quota_registry import jurisdiction
from quota_registry.reference.models import Pollutant


def pool_overview(user, today=None) -> dict:
    """The factor x county grid of the pool overview page, with per-factor totals; a city's staff see besides the
    counties of other cities whose quota their pool received (ledger.selectors.balances), each cell marked."""
    rows = balances(user, today=today)
    counties = list(jurisdiction.counties(user))  # the user's city's, then those of lots received from other cities
    own = {c.pk for c in counties}
    received = {row["region"].pk: row["region"] for row in rows if row["region"].pk not in own}
    for region in sorted(received.values(), key=lambda r: (r.parent_id or 0, r.sort_order)):
        region.received_from = jurisdiction.division_name(jurisdiction.city_id_of(region.pk))
        counties.append(region)
    grid = {}
    for row in rows:
        grid.setdefault(row["pollutant"], {})[row["region"].pk] = {**row, "received": row["region"].pk in received}
    table = []
    for pollutant in Pollutant.objects.all():
        cells = grid.get(pollutant, {})
        total = {k: sum((c[k] for c in cells.values()), Decimal("0.0000"))
                 for k in ("issued", "available", "held", "planned", "given")}
        table.append({"pollutant": pollutant, "cells": [cells.get(c.pk) for c in counties], "total": total})
    return {"counties": counties, "table": table, "received": bool(received)}
