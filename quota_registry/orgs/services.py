"""Every write to organisations and users. Each service owns its transaction, checks the actor's role
and jurisdiction, validates, saves and writes the audit record."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from quota_registry.access import get_scoped_or_404
from quota_registry.audit.services import record, snapshot
from quota_registry.inputs import REASON, check_text, text_problems
from quota_registry.permissions import can_manage_organisations, require

from .models import Organisation, OrganisationKind, Role, User

EDITABLE_FIELDS = [
    "kind", "name", "credit_code", "region", "industry", "permit_number", "management_category",
    "address", "contact_person", "contact_phone",
]


def _check_jurisdiction(actor, org: Organisation) -> None:
    """A county reviewer registers and edits only enterprises in their own county; a city's staff only
    organisations located in their city (issue 19)."""
    if actor.is_city_staff and org.region_id and org.region_id not in actor.city_region_ids:
        raise ValidationError({"region": _("You can register organisations of your own city only.")})
    if actor.role == Role.COUNTY_REVIEWER:
        if org.kind != OrganisationKind.ENTERPRISE:
            raise ValidationError({"kind": _("A county bureau can register enterprises only.")})
        if org.region_id != actor.organisation.region_id:
            raise ValidationError({"region": _("You can register enterprises in your own county only.")})


def _save(org: Organisation) -> None:
    org.full_clean()
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError as exc:  # a concurrent duplicate that passed full_clean
        raise ValidationError(_("An organisation with the same credit code or name was registered meanwhile.")) from exc


@transaction.atomic
def organisation_create(*, actor, **fields) -> Organisation:
    require(can_manage_organisations(actor))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    org = Organisation(**fields)
    _check_jurisdiction(actor, org)
    _save(org)
    record(actor=actor, action="organisation.create", obj=org, after=snapshot(org))
    return org


@transaction.atomic
def organisation_update(*, actor, organisation_id: int, **fields) -> Organisation:
    require(can_manage_organisations(actor))
    org = get_scoped_or_404(actor, Organisation.objects.select_for_update(), pk=organisation_id)
    before = snapshot(org)
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"not editable: {name}")
        setattr(org, name, value)
    _check_jurisdiction(actor, org)
    _save(org)
    record(actor=actor, action="organisation.update", obj=org, before=before, after=snapshot(org))
    return org


@transaction.atomic
def organisation_set_active(*, actor, organisation_id: int, active: bool, reason: str) -> Organisation:
    """Organisations are never deleted: they are deactivated, with a reason, and can be reactivated."""
    require(can_manage_organisations(actor))
    reason = check_text(reason, field="reason", label=_("Reason"), limit=REASON, required=True,
                        required_message=_("Give the reason for this change."))
    org = get_scoped_or_404(actor, Organisation.objects.select_for_update(), pk=organisation_id)
    _check_jurisdiction(actor, org)
    before = snapshot(org, ["is_active"])
    org.is_active = active
    org.save(update_fields=["is_active", "updated_at"])
    record(
        actor=actor, action="organisation.activate" if active else "organisation.deactivate", obj=org,
        before=before, after=snapshot(org, ["is_active"]), opinion=reason,
    )
    return org


@transaction.atomic
def user_create(*, actor, username: str, password: str, organisation: Organisation, role: str,
                first_name: str = "", last_name: str = "", email: str = "") -> User:
    """Create a person for an organisation (used by seed data and by administrators)."""
    if actor is not None:
        require(can_manage_organisations(actor))
        get_scoped_or_404(actor, Organisation, pk=organisation.pk)
    user = User(username=username, organisation=organisation, role=role, first_name=first_name,
                last_name=last_name, email=email, is_staff=(role == Role.CITY_ADMIN))
    user.set_password(password)
    user.full_clean()
    user.save()
    record(actor=actor, action="user.create", obj=user, after=snapshot(user))
    return user


@transaction.atomic
def restriction_create(*, actor, kind: str, reason: str, source: str, valid_from, valid_until=None,
                       organisation=None, region=None):
    """City staff put an enterprise (or a county) on the city's list, with the reason, the source and the dates; it
    is lifted through the workflow engine (a date and a reason; never deleted). `actor` None: the system (the daily
    job marking a carbon unit that did not surrender in full and on time, seed 004 item 5)."""
    from django.core.exceptions import PermissionDenied

    from .models import CITY_ROLES, Restriction, RestrictionKind

    if actor is not None and getattr(actor, "role", None) not in CITY_ROLES:
        raise PermissionDenied(_("The city's list is kept by the city bureau."))
    errors = {}
    if kind not in RestrictionKind.values:
        errors["kind"] = _("Choose why the entry is made.")
    if organisation is None and region is None:
        errors["organisation"] = _("Name the enterprise (or the county).")
    elif organisation is not None and organisation.kind != OrganisationKind.ENTERPRISE:
        errors["organisation"] = _("Only an enterprise is put on the list.")
    elif actor is not None and (organisation.region_id if organisation else region.pk) not in actor.city_region_ids:
        errors["organisation" if organisation is not None else "region"] = _(
            "The city's list holds the enterprises and counties of your own city only.")
    errors.update(text_problems(*((name, value, Restriction._meta.get_field(name).verbose_name,
                                   Restriction._meta.get_field(name).max_length, True)
                                  for name, value in (("reason", reason), ("source", source)))))
    if valid_from is None:
        errors["valid_from"] = _("Give the day it is in force from.")
    elif valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = _("The entry cannot end before it begins.")
    if errors:
        raise ValidationError(errors)
    entry = Restriction.objects.create(kind=kind, organisation=organisation,
                                       region=region if organisation is None else organisation.region,
                                       reason=reason.strip(), source=source.strip(), valid_from=valid_from,
                                       valid_until=valid_until, created_by=actor)
    record(actor=actor, action="restriction.create", obj=entry, after=snapshot(entry))
    return entry


def check_may_trade(organisation, day) -> None:
    """Issue 18's credit gates: an enterprise on the city's list for a reason that stops trading (a court-listed
    defaulter, abnormal operations, a red or black environmental credit rating, unpaid fees) may not offer, apply,
    qualify or bid; the refusal quotes the entry."""
    from .models import TRADING_GATES

    found = restriction_in_force(organisation=organisation, kinds=TRADING_GATES, day=day)
    if found is not None:
        raise trading_refusal(found)


def trading_refusal(entry) -> ValidationError:
    """The refusal of an enterprise on the list for a reason that stops trading, quoting the entry."""
    return ValidationError(_("%(entry)s. It may not trade or bid until the entry is lifted.") % {
        "entry": entry.describe()})


def restrictions_in_force(*, kinds, day):
    """The entries of the list of one of `kinds` in force on `day`, the earliest first."""
    from django.db.models import Q

    from .models import Restriction

    return (Restriction.objects.filter(kind__in=kinds, valid_from__lte=day)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
            .filter(Q(lifted_on__isnull=True) | Q(lifted_on__gt=day)).order_by("valid_from", "id"))


def restriction_in_force(*, organisation=None, region=None, kinds, day):
    """The first restriction of one of `kinds` in force on `day` for the enterprise or the county, or None."""
    from django.db.models import Q

    whom = Q(organisation=organisation) if organisation is not None else Q(pk__in=[])
    if region is not None:
        whom |= Q(region=region, organisation__isnull=True)
    return restrictions_in_force(kinds=kinds, day=day).filter(whom).first()
