"""Access scoping: the one function every user-facing read starts from (DESIGN.md "Access").

Each model that pages or the API show declares a `SCOPE = ScopeRule(...)` saying how its rows relate
to an organisation, a county or a single user. `scope(user, model_or_queryset)` turns that into a
filter for the user's role:

- the province's staff see every row of every city;
- city staff (city reviewer, approver, admin) see the rows located in their city (its counties, or the city itself)
  and the rows located nowhere (the shared accounts of the ledger); another city's rows are not found;
- a county reviewer sees the rows located in the county of their bureau;
- an enterprise user sees the rows of their own organisation;
- a bank's user sees the rows its bank holds (the pledges it is the pledgee of) and what the public sees;
- a verifier's user (核查机构) sees the emission reports it is assigned and what the public sees;
- the public (anonymous users, and anyone for rows marked public) sees only what is published;
- rows owned by one person (an inbox) are seen by that person only, whatever their role.

A model without a rule is refused outright (fail closed). A row outside the scope is reported as not
found (404), never as forbidden, so that its existence does not leak.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ScopeRule:
    organisation: str | None = None  # lookup from the row to the owning Organisation
    region: str | None = None  # lookup from the row to the Region it is located in
    owner: str | None = None  # lookup to the one User who alone may see the row
    bank: str | None = None  # lookup to the bank holding the row (a pledge): its users see it, and nothing else
    city: str | None = None  # lookup to the city (a Region) of a row located in no county (a city's pool account)
    verifier: str | None = None  # lookup to the verifier assigned to the row: its users see it (issue 20)
    # (a city's region ids) -> the rows of elsewhere its staff see too, as a condition or None (a lot some of which
    # its pool received from another city, issue 19)
    city_also: Callable[[list[int]], Q | None] | None = None
    public: bool = False  # every row may be read by anyone, logged in or not
    published: Q | None = None  # rows the public may read


def _queryset(model_or_queryset) -> QuerySet:
    if isinstance(model_or_queryset, QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def rule_for(model: type[Model]) -> ScopeRule:
    rule = getattr(model, "SCOPE", None)
    if not isinstance(rule, ScopeRule):
        raise TypeError(f"{model.__name__} declares no SCOPE rule; it cannot be shown to users")
    return rule


def scope(user, model_or_queryset) -> QuerySet:
    """Limit a queryset to what `user` (possibly anonymous) may read."""
    qs = _queryset(model_or_queryset)
    condition = scope_condition(user, qs.model)
    if condition is True:
        return qs
    return qs.filter(condition) if condition is not False else qs.none()


def scope_condition(user, model) -> Q | bool:
    """What `scope` filters by: True (every row), False (none) or the condition a row must meet. For a selector that
    widens the scope with conditions of its own in one filter (`trading.selectors.trades`)."""
    rule = rule_for(model)
    if rule.owner:
        if not (user and user.is_authenticated and user.is_active):
            return False
        return Q(**{rule.owner: user})
    if rule.public:
        return True
    # what the public may read: nothing, everything (an empty condition), or the rows meeting the condition
    published = False if rule.published is None else rule.published if rule.published.children else True
    if not (user and user.is_authenticated and user.is_active):
        return published
    organisation = getattr(user, "organisation", None)
    if organisation is None:
        return False
    if getattr(user, "is_province_staff", False):
        return True
    if user.is_city_staff:
        ids = user.city_region_ids
        inside = _in_city(rule, ids, model)
        also = rule.city_also(ids) if rule.city_also and ids and inside is not True else None
        if also is None:
            return inside
        return also if inside is False else inside | also
    if user.is_county_reviewer and rule.region:
        if organisation.region_id is None:
            return False
        return Q(**{rule.region: organisation.region_id})
    if user.is_enterprise_user and rule.organisation:
        return Q(**{rule.organisation: organisation.pk})
    if getattr(user, "is_bank_user", False) and rule.bank:
        return Q(**{rule.bank: organisation.pk})
    if getattr(user, "is_verifier", False) and rule.verifier:
        return Q(**{rule.verifier: organisation.pk})
    # Roles without a path to these rows (e.g. a technical reviewer before any assignment) see only
    # what the public sees.
    return published


def _in_city(rule: ScopeRule, ids: list[int], model) -> Q | bool:
    """The rows of one city (`ids`: the city and its counties): located in it (by the row's county or, failing that,
    its organisation's), or by its `city` lookup; rows located nowhere (possible only where the lookup may be empty)
    are shared."""
    if not ids:
        return False
    path = rule.region or (f"{rule.organisation}__region" if rule.organisation else None)
    if path is None and rule.city is None:
        return True
    lookups = [lookup for lookup in (path, rule.city) if lookup]
    inside = Q(**{f"{lookups[0]}__in": ids})
    for lookup in lookups[1:]:
        inside |= Q(**{f"{lookup}__in": ids})
    if all(may_be_empty(model, lookup) for lookup in lookups):
        nowhere = Q()
        for lookup in lookups:
            nowhere &= Q(**{f"{lookup}__isnull": True})
        return inside | nowhere
    return inside


def may_be_empty(model, lookup: str) -> bool:
    """Whether a row's `lookup` (a path of foreign keys) may lead nowhere: one of its fields is nullable."""
    for name in lookup.split("__"):
        field = model._meta.get_field(name)
        if field.null or not field.is_relation or field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def get_scoped_or_404(user, model_or_queryset, **lookup):
    """The object matching `lookup` inside the user's scope, or 404 (also when it exists outside)."""
    qs = scope(user, model_or_queryset)
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such record, or it is not within your area of responsibility.")) from exc
