"""Importing enterprises from a spreadsheet (preview, then all or nothing)."""
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from quota_registry.documents.imports import Importer, importer
from quota_registry.permissions import can_manage_organisations
from quota_registry.reference.models import Industry, Region, RegionLevel

from . import services
from .models import ManagementCategory, Organisation, OrganisationKind

COLUMNS = ["名称", "统一社会信用代码", "县（市、区）", "行业代码", "排污许可证编号", "管理类别", "地址", "联系人", "联系电话"]


def categories() -> dict:
    with translation.override("zh-hans"):
        return {str(label): code for code, label in ManagementCategory.choices} | {c: c for c in ManagementCategory.values}


def _fields(row):
    region = Region.objects.filter(Q(code=row["县（市、区）"]) | Q(name=row["县（市、区）"]), level=RegionLevel.COUNTY).first()
    return {"kind": OrganisationKind.ENTERPRISE, "name": row["名称"], "credit_code": row["统一社会信用代码"].upper() or None,
            "region": region, "industry": Industry.objects.filter(code=row["行业代码"]).first(),
            "permit_number": row["排污许可证编号"], "management_category": categories().get(row["管理类别"], row["管理类别"]),
            "address": row["地址"], "contact_person": row["联系人"], "contact_phone": row["联系电话"]}


def check(rows, actor):
    problems, codes, names = [], set(), set()
    for row in rows:
        n = row["_row"]
        fields = _fields(row)
        if fields["region"] is None:
            problems.append((n, str(_("Unknown county-level division “%(v)s”.") % {"v": row["县（市、区）"]})))
            continue
        if fields["industry"] is None:
            problems.append((n, str(_("Unknown GB/T 4754 industry code “%(v)s”.") % {"v": row["行业代码"]})))
            continue
        if actor.is_county_reviewer and fields["region"].pk != actor.organisation.region_id:
            problems.append((n, str(_("You can register enterprises in your own county only."))))
            continue
        if fields["credit_code"] in codes or fields["name"] in names:
            problems.append((n, str(_("This enterprise appears twice in the file."))))
            continue
        codes.add(fields["credit_code"])
        names.add(fields["name"])
        try:
            Organisation(**fields).full_clean()
        except ValidationError as exc:
            problems.append((n, "；".join(f"{Organisation._meta.get_field(f).verbose_name if f != '__all__' else ''}"
                                         f"{'：' if f != '__all__' else ''}{m}" for f, ms in exc.message_dict.items()
                                         for m in ms)))
    return problems


def write(rows, actor, batch):
    for row in rows:
        services.organisation_create(actor=actor, **_fields(row))
    return {"created": len(rows)}


importer(Importer("enterprises", _("Enterprises"), COLUMNS, can_manage_organisations, check, write))
