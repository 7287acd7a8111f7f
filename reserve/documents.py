"""The official forms of the pool, rendered by the one document mechanism: Annex 3 for every entry
application, Annex 4 and Annex 5 for every withdrawal application (HTML templates -> WeasyPrint)."""
from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounting import reduction
from ledger import log
from ledger.models import LedgerHead
from quota_registry.documents.models import Document, DocumentKind
from quota_registry.documents.services import renderer
from quota_registry.files.services import attachments_of
from quota_registry.review.engine import decisions_of, words
from quota_registry.review.models import Action, Stage

from .models import Allocation, EntryApplication, WithdrawalApplication

TITLES = {
    DocumentKind.ANNEX3: ("附件3", "主要污染物总量指标入库登记表"),
    DocumentKind.ANNEX4: ("附件4", "主要污染物总量指标企业申请及出库确认表"),
    DocumentKind.ANNEX5: ("附件5", "新增主要污染物区域削减方案"),
}


def _boxes(application) -> list[dict]:
    """The county and city opinion boxes, filled with the latest decisions since the last submission."""
    decisions = list(decisions_of(application))
    submitted = max((d.created_at for d in decisions if d.action == Action.SUBMIT), default=None)
    current = [d for d in decisions if submitted is None or d.created_at >= submitted]

    def latest(stage):
        return next((d for d in reversed(current) if d.stage == stage), None)

    county, preparation, city = latest(Stage.COUNTY), latest(Stage.CITY_PREPARATION), latest(Stage.CITY)
    return [{"label": "县级生态环境部门初审意见", "stage": "county", "review": county,
             "words": words(county) if county else ""},
            {"label": "市生态环境局审核意见", "stage": "city", "review": city, "words": words(city) if city else "",
             "preparation": preparation}]


def _pdf(kind: str, template: str, application, **context) -> bytes:
    from weasyprint import HTML

    annex, title = TITLES[kind]
    head = LedgerHead.objects.filter(pk=1).first()
    with translation.override("zh-hans"):
        html = render_to_string(template, {
            "annex_label": annex, "title": title, "number": application.number, "a": application,
            "printed_at": timezone.localdate(), "boxes": _boxes(application), "submitted": application.submitted_at,
            "applicant_label": "申请单位（盖章）", "chain_head": head.hash[:16] if head else "—",
            "receipt": log.receipt(application),
            "applicant_statement": "本单位承诺所填内容及所附材料真实、准确、完整。", **context})
    return HTML(string=html).write_pdf()


@renderer(DocumentKind.ANNEX3)
def render_annex3(document: Document) -> bytes:
    a = EntryApplication.objects.select_related("applicant__region", "applicant__industry", "watershed").get(
        pk=document.subject_id)
    return _pdf(DocumentKind.ANNEX3, "documents/annex3.html", a, items=a.items.select_related("pollutant"),
                completion_evidence=dict(reduction.COMPLETION_EVIDENCE).get(a.completion_evidence, ""))


@renderer(DocumentKind.ANNEX4)
def render_annex4(document: Document) -> bytes:
    a = WithdrawalApplication.objects.select_related("applicant__region", "applicant__industry", "region",
                                                     "industry").get(pk=document.subject_id)
    allocations = Allocation.objects.filter(item__application=a).select_related("lot__pollutant", "lot__region",
                                                                                "lot__industry")
    return _pdf(DocumentKind.ANNEX4, "documents/annex4.html", a, items=a.items.select_related("pollutant"),
                allocations=allocations)


@renderer(DocumentKind.ANNEX5)
def render_annex5(document: Document) -> bytes:
    a = WithdrawalApplication.objects.select_related("applicant", "region").get(pk=document.subject_id)
    rows = [{"factor": al.lot.pollutant.name, "quantity": al.quantity, "unit": al.lot.pollutant.unit,
             "source": f"{al.lot.enterprise.name}（{al.lot.number}）",
             "measure": entry.application.get_measure_display() if (entry := getattr(al.lot, "entry_item", None)) else "—",
             "responsible": al.lot.enterprise.name, "deadline": al.lot.completed_on}
            for al in Allocation.objects.filter(item__application=a).select_related(
                "lot__pollutant", "lot__enterprise", "lot__entry_item__application")]
    rows += [{"factor": m.pollutant.name, "quantity": m.quantity, "unit": m.pollutant.unit, "source": m.source,
              "measure": m.measure, "responsible": m.responsible_party, "deadline": m.deadline}
             for m in a.plan_measures.select_related("pollutant")]
    commitment = ", ".join(f.original_name for f in attachments_of(a).filter(purpose="commitment"))
    return _pdf(DocumentKind.ANNEX5, "documents/annex5.html", a, rows=rows, commitment=commitment)
