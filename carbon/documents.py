"""The carbon side's printed form, rendered by the one document mechanism (quota_registry/documents): the compliance
confirmation (碳排放配额清缴确认书) of a key emitter for a year, requested when its surrenders cover the verified
emissions: the verified figure and its verifier, each surrender with the national registry's record and its ledger
transaction, the CCER within its cap, and the public log's receipt of the last surrender."""
from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from ledger import log
from ledger.models import LedgerHead
from quota_registry import jurisdiction
from quota_registry.documents.models import Document, DocumentKind
from quota_registry.documents.services import renderer
from quota_registry.orgs.models import Organisation, OrganisationKind

from . import services
from .models import EmissionReport


@renderer(DocumentKind.CARBON_COMPLIANCE)
def render_compliance(document: Document) -> bytes:
    from weasyprint import HTML

    report = EmissionReport.objects.select_related("unit__enterprise", "region", "verifier").get(pk=document.subject_id)
    state = services.position(report.unit, report.year)
    surrenders = list(report.unit.surrenders.filter(year=report.year).select_related("transaction").order_by("id"))
    head = LedgerHead.objects.filter(pk=1).first()
    bureau = Organisation.objects.filter(kind=OrganisationKind.CITY_BUREAU,
                                         region_id=jurisdiction.city_id_of(report.region_id)).first()
    with translation.override("zh-hans"):
        html = render_to_string("documents/carbon_compliance.html", {
            "annex_label": "", "title": services.COMPLIANCE_TITLE,
            "number": f"{report.unit.enterprise.credit_code}-{report.year}",
            "report": report, "p": state, "surrenders": surrenders,
            "receipt": log.receipt(surrenders[-1]) if surrenders else None, "printed_at": timezone.localdate(),
            "chain_head": head.hash[:16] if head else "—", "bureau": bureau.name if bureau else ""})
    return HTML(string=html).write_pdf()
