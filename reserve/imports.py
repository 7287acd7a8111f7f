"""Importing a city's existing spreadsheet ledger: the lots already in its books enter the pool as one
ledger transaction (an opening balance), all or nothing, after a preview of every row's problems."""
import datetime

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounting.quantities import QuantityError, quantity
from ledger import services as ledger
from ledger.models import QUOTA_SOURCE_CHOICES, Lot, LotStatus
from quota_registry.documents.imports import Importer, importer
from quota_registry.orgs.models import Organisation, OrganisationKind, Role
from quota_registry.reference.models import Pollutant, PollutantCategory, Watershed
from quota_registry.review.services import next_number

from .models import COUNTY_FILED_SOURCES

COLUMNS = ["批次编号", "污染因子", "数量", "来源企业统一社会信用代码", "来源类型", "流域", "核定日期", "有效期至",
           "有偿取得", "状态"]


def sources() -> dict:
    """Source kinds by their Chinese name (as the sheet writes them) or code."""
    with translation.override("zh-hans"):
        return {str(label): code for code, label in QUOTA_SOURCE_CHOICES} | {c: c for c, _label in QUOTA_SOURCE_CHOICES}
YES = {"是", "Y", "y", "yes", "true", "1"}


def _date(value):
    try:
        return datetime.date.fromisoformat(value[:10])
    except (TypeError, ValueError):
        return None


def _parse(row):
    pollutant = Pollutant.objects.filter(Q(code=row["污染因子"].upper()) | Q(name=row["污染因子"])).first()
    enterprise = Organisation.objects.filter(credit_code=row["来源企业统一社会信用代码"].upper(),
                                             kind=OrganisationKind.ENTERPRISE).select_related("region").first()
    watershed = Watershed.objects.filter(Q(code=row["流域"]) | Q(name=row["流域"])).first() if row["流域"] else None
    return pollutant, enterprise, watershed


def check(rows, actor):
    problems, numbers = [], set()
    for row in rows:
        n = row["_row"]
        pollutant, enterprise, watershed = _parse(row)
        issues = []
        if pollutant is None:
            issues.append(_("unknown pollutant factor “%(v)s”") % {"v": row["污染因子"]})
        try:
            if quantity(row["数量"]) <= 0:
                issues.append(_("the quantity must be more than zero"))
        except QuantityError as exc:
            issues.append(_("quantity: %(e)s") % {"e": exc})
        if enterprise is None:
            issues.append(_("no registered enterprise has the credit code “%(v)s”") % {"v": row["来源企业统一社会信用代码"]})
        if row["来源类型"] not in sources():
            issues.append(_("unknown source kind “%(v)s”") % {"v": row["来源类型"]})
        if row["流域"] and watershed is None:
            issues.append(_("unknown watershed “%(v)s”") % {"v": row["流域"]})
        if pollutant and pollutant.category == PollutantCategory.WATER and watershed is None:
            issues.append(_("a water factor needs its watershed"))
        if watershed and enterprise and not enterprise.region.watersheds.filter(pk=watershed.pk).exists():
            issues.append(_("the enterprise's county does not lie in this watershed"))
        verified, until = _date(row["核定日期"]), _date(row["有效期至"])
        if verified is None or until is None:
            issues.append(_("the dates must be dates (2024-03-01)"))
        elif until < verified:
            issues.append(_("valid until is before the verification date"))
        if row["状态"] not in ("", "可用", "计划", "active", "planned"):
            issues.append(_("the status must be 可用 or 计划"))
        number = row["批次编号"]
        if number and (number in numbers or Lot.objects.filter(number=number).exists()):
            issues.append(_("lot number %(v)s is already used") % {"v": number})
        numbers.add(number)
        if issues:
            problems.append((n, "；".join(str(i) for i in issues)))
    return problems


def write(rows, actor, batch):
    lots = []
    for row in rows:
        pollutant, enterprise, watershed = _parse(row)
        kind = sources()[row["来源类型"]]
        q = quantity(row["数量"])
        lots.append(Lot(
            number=row["批次编号"] or next_number("ZB", region=enterprise.region_id), pollutant=pollutant, quantity=q,
            enterprise=enterprise,
            region=enterprise.region, watershed=watershed, industry=enterprise.industry, source_kind=kind,
            paid=row["有偿取得"] in YES, earmarked=kind in COUNTY_FILED_SOURCES,
            status=LotStatus.PLANNED if row["状态"] in ("计划", "planned") else LotStatus.ACTIVE,
            verified_on=_date(row["核定日期"]), valid_until=_date(row["有效期至"])))
    ledger.issue(actor=actor, lots=lots, subject=batch,
                 memo=str(_("Opening balance imported from %(file)s") % {"file": batch.original_name}))
    return {"lots": len(lots)}


importer(Importer("lots", _("Existing ledger (lots)"), COLUMNS, lambda u: u.role == Role.CITY_ADMIN, check, write))
