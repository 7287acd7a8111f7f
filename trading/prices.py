"""Reference prices (Annex 6): published, not binding. A new price closes the one before it; the
history is never rewritten."""
from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounting import dates, money
from accounting.quantities import QuantityError
from quota_registry import inputs, jurisdiction
from quota_registry.audit.services import record, snapshot
from quota_registry.documents.imports import Importer, importer
from quota_registry.permissions import can_maintain_reference_data, require
from quota_registry.reference.models import Pollutant

from .models import ReferencePrice


@transaction.atomic
def reference_price_set(*, actor, pollutant: Pollutant, price, effective_from: datetime.date,
                        document: str) -> ReferencePrice:
    require(can_maintain_reference_data(actor) and actor.city_id is not None)
    city_id = actor.city_id  # a city sets its own prices (issue 19)
    errors = _problems(price=price, effective_from=effective_from, document=document)
    if errors:
        raise ValidationError(errors)
    price = money.unit_price(price, field=_("Price"))
    effective_from = dates.check(effective_from, today=timezone.localdate(), field=_("Effective from"))
    document = document.strip()
    later = ReferencePrice.objects.select_for_update().filter(city_id=city_id, pollutant=pollutant,
                                                             effective_from__gte=effective_from)
    if later.exists():
        errors["effective_from"] = _("A price of %(factor)s already applies from %(date)s or later; prices are added "
                                     "in order and history is not rewritten.") % {
            "factor": pollutant.name, "date": f"{later.order_by('effective_from').first().effective_from:%Y-%m-%d}"}
    if errors:
        raise ValidationError(errors)
    previous = ReferencePrice.objects.select_for_update().filter(city_id=city_id, pollutant=pollutant,
                                                                 effective_to__isnull=True).first()
    if previous:
        before = snapshot(previous, ["effective_to"])
        previous.effective_to = effective_from - datetime.timedelta(days=1)
        previous.save(update_fields=["effective_to"])
        record(actor=actor, action="reference_price.close", obj=previous, before=before,
               after=snapshot(previous, ["effective_to"]))
    new = ReferencePrice.objects.create(city_id=city_id, pollutant=pollutant, price=price, effective_from=effective_from,
                                        document=document, entered_by=actor)
    record(actor=actor, action="reference_price.create", obj=new, after=snapshot(new))
    return new


def _problems(*, price, effective_from, document) -> dict:
    """The bounds of a reference price's figures (accounting/money.py, accounting/dates.py), keyed by field."""
    errors = {}
    try:
        money.unit_price(price, field=_("Price"))
    except QuantityError as exc:
        errors["price"] = str(exc)
    try:
        dates.check(effective_from, today=timezone.localdate(), field=_("Effective from"))
    except dates.DateError as exc:
        errors["effective_from"] = str(exc)
    try:
        inputs.check_text(document, field="document", label=_("Document that set it"), required=True,
                          required_message=_("Name the document that set the price."),
                          limit=ReferencePrice._meta.get_field("document").max_length)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    return errors


def current(day: datetime.date | None = None, *, city_id: int | None = None):
    """The prices in force on `day` of the city `city_id` (default: the deployment's main city)."""
    day = day or timezone.localdate()
    return (ReferencePrice.objects.filter(city_id=city_id or jurisdiction.main_city_id(), effective_from__lte=day)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
            .select_related("pollutant").order_by("pollutant__sort_order"))


def in_force(pollutant_id: int, day: datetime.date, city_id: int | None):
    """The price of a factor in force on `day` in a city, or None (a trade's reference: its city's)."""
    return current(day, city_id=city_id).filter(pollutant_id=pollutant_id).values_list("price", flat=True).first()


COLUMNS = ["污染因子", "价格", "生效日期", "文件"]


def _row(row):
    pollutant = Pollutant.objects.filter(Q(code=row["污染因子"].upper()) | Q(name=row["污染因子"])).first()
    try:
        day = dates.to_date(row["生效日期"][:10])
    except dates.DateError:
        day = None
    return pollutant, day


def _check(rows, actor):
    problems, seen = [], {}
    for row in rows:
        pollutant, day = _row(row)
        issues = []
        if pollutant is None:
            issues.append(_("unknown pollutant factor “%(v)s”") % {"v": row["污染因子"]})
        if day is None:
            issues.append(_("the dates must be dates (2024-03-01)"))
        issues += [problem for field, problem in _problems(price=row["价格"], effective_from=day or row["生效日期"],
                                                            document=row["文件"]).items()
                   if not (field == "effective_from" and day is None)]
        if pollutant and day:
            latest = seen.get(pollutant.pk) or ReferencePrice.objects.filter(
                city_id=getattr(actor, "city_id", None), pollutant=pollutant).order_by(
                "-effective_from").values_list("effective_from", flat=True).first()
            if latest and day <= latest:
                issues.append(_("prices of a factor must be listed in date order, after its latest price"))
            seen[pollutant.pk] = day
        if issues:
            problems.append((row["_row"], "；".join(str(i) for i in issues)))
    return problems


def _write(rows, actor, batch):
    for row in rows:
        pollutant, day = _row(row)
        reference_price_set(actor=actor, pollutant=pollutant, price=row["价格"], effective_from=day,
                            document=row["文件"])
    return {"prices": len(rows)}


importer(Importer("reference_prices", gettext_lazy("Reference prices"), COLUMNS, can_maintain_reference_data,
                  _check, _write))
