"""Reading the tallies: how many rows of a model the user may see have each combination of some columns' values,
from the counts PostgreSQL keeps (`sql.py`) where the user's scope is a set of counties (the province's, a city's
and a county's staff), and by counting the rows otherwise (an enterprise's own rows; SQLite)."""
from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q, Sum

from quota_registry.access import may_be_empty, rule_for, scope

from .models import Tally
from .sql import COUNTED


def _text(value) -> str:
    """A column's value as PostgreSQL's `::text` writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def key(*values) -> str:
    return "|".join(_text(v) for v in values)


def _regions(user, model) -> list[int] | bool | None:
    """The counties (and city) whose rows the user sees, 0 for rows located nowhere, [] for none; None: every row
    (the province's staff); False where the scope is not by the row's county (an enterprise's own rows)."""
    rule = rule_for(model)
    if rule.region != "region" or rule.city or not (user and user.is_authenticated and user.is_active) \
            or user.organisation is None:
        return False
    if user.is_province_staff:
        return None
    if user.is_city_staff:
        return [*user.city_region_ids, *([0] if may_be_empty(model, "region") else [])]
    if user.is_county_reviewer:
        return [user.organisation.region_id] if user.organisation.region_id else []
    return False


def counted(model) -> bool:
    return model._meta.db_table in COUNTED


def tallies(user, models) -> dict[type, dict[str, int]]:
    """For each of `models` (counted ones: COUNTED), {key of the counted columns' values: rows} of its rows within
    the user's scope (`key(...)` makes the keys): from the counts in one query where the scope is by county."""
    found: dict[type, dict[str, int]] = {}
    where, by_table = Q(pk__in=[]), {}
    for model in models:
        regions = _regions(user, model)
        if regions is False or connection.vendor != "postgresql":
            columns = COUNTED[model._meta.db_table]
            rows = scope(user, model).order_by().values_list(*columns).annotate(n=Count("pk"))
            found[model] = {key(*values): n for *values, n in rows}
        else:
            found[model], by_table[model._meta.db_table] = {}, model
            where |= Q(table=model._meta.db_table, **({"region__in": regions} if regions is not None else {}))
    if by_table:
        for table, k, n in (Tally.objects.filter(where).values_list("table", "key")
                            .annotate(total=Sum("n")).values_list("table", "key", "total")):
            if n:
                found[by_table[table]][k] = int(n)
    return found


def tally(user, model) -> dict[str, int]:
    """`tallies` of one model."""
    return tallies(user, [model])[model]
