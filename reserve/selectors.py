"""Reads of the pool, already scoped to the user: the overview of the factor x county grid."""
from __future__ import annotations

from decimal import Decimal

from ledger.selectors import balances
from quota_registry import jurisdiction
from quota_registry.reference.models import Pollutant


def pool_overview(user, today=None) -> dict:
    """The factor x county grid of the pool overview page, with per-factor totals."""
    rows = balances(user, today=today)
    counties = list(jurisdiction.counties(user))  # the user's city's
    grid = {}
    for row in rows:
        grid.setdefault(row["pollutant"], {})[row["region"].pk] = row
    table = []
    for pollutant in Pollutant.objects.all():
        cells = grid.get(pollutant, {})
        total = {k: sum((c[k] for c in cells.values()), Decimal("0.0000")) for k in ("issued", "available", "held", "planned")}
        table.append({"pollutant": pollutant, "cells": [cells.get(c.pk) for c in counties], "total": total})
    return {"counties": counties, "table": table}
