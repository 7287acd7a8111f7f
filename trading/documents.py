"""The trade's documents, rendered by the one document mechanism (quota_registry/documents): the trade notice
(交易通知书, seed 001 Art 17: the method and the trading date, issued after the announcement period) once the method is
set, and the trade confirmation (交易确认书, seed 001 Art 20) once the trade is confirmed, with the public log's receipt
of the transfer. Both are regenerated after each later decision on the trade (the engine asks `documents_for`)."""
from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounting import trading as rules
from ledger import log
from ledger.models import LedgerHead
from quota_registry.documents.models import Document, DocumentKind
from quota_registry.documents.selectors import visible_to
from quota_registry.documents.services import renderer
from quota_registry.orgs.models import Organisation, OrganisationKind

from . import selectors
from .models import PartyRole, PartyStatus, Trade, TradeStatus

NOTICE_FROM = (TradeStatus.TRADING, TradeStatus.TRADED, TradeStatus.CONTRACTED, TradeStatus.SETTLED,
               TradeStatus.CONFIRMED, TradeStatus.PUBLISHED)
CERTIFICATE_FROM = (TradeStatus.CONFIRMED, TradeStatus.PUBLISHED)
TITLES = {DocumentKind.TRADE_NOTICE: "排污权交易通知书", DocumentKind.TRADE_CERTIFICATE: "排污权交易确认书"}


def documents_for(trade) -> tuple:
    """What a trade has to print in its present state."""
    if trade.status in CERTIFICATE_FROM:
        return (DocumentKind.TRADE_NOTICE, DocumentKind.TRADE_CERTIFICATE)
    if trade.status in NOTICE_FROM:
        return (DocumentKind.TRADE_NOTICE,)
    return ()


@visible_to
def _parties_read_them(user):
    """Anyone who sees the trade reads its notice (it is published, Art 17, and names no buyer); the confirmation is
    for the seller, the buyers that won a deal and the bureaus (its own scope), and for everyone once the deals are
    published (Art 22)."""
    trade_type = ContentType.objects.get_for_model(Trade)
    seen = selectors.trades(user).values("pk")
    published_or_party = Q(status=TradeStatus.PUBLISHED) | Q(deals__buyer_id=getattr(user, "organisation_id", None) or 0)
    return Q(subject_type=trade_type) & (
        Q(kind=DocumentKind.TRADE_NOTICE, subject_id__in=seen)
        | Q(kind=DocumentKind.TRADE_CERTIFICATE,
            subject_id__in=selectors.trades(user).filter(published_or_party).values("pk")))


def _pdf(document: Document, template: str, **context) -> bytes:
    from weasyprint import HTML

    trade = (Trade.objects.select_related("seller__region", "seller__industry", "pollutant", "region")
             .get(pk=document.subject_id))
    head = LedgerHead.objects.filter(pk=1).first()
    bureau = Organisation.objects.filter(kind=OrganisationKind.CITY_BUREAU).order_by("pk").first()
    with translation.override("zh-hans"):
        html = render_to_string(template, {
            "annex_label": "", "title": TITLES[document.kind], "number": trade.number, "t": trade,
            "printed_at": timezone.localdate(), "chain_head": head.hash[:16] if head else "—",
            "bureau": bureau.name if bureau else _("City bureau of ecology and environment"), **context})
    return HTML(string=html).write_pdf()


@renderer(DocumentKind.TRADE_NOTICE)
def render_notice(document: Document) -> bytes:
    trade = Trade.objects.get(pk=document.subject_id)
    buyers = list(trade.parties.filter(role=PartyRole.BUYER, status=PartyStatus.QUALIFIED))
    return _pdf(document, "documents/trade_notice.html", buyers=buyers,
                wanted=sum((p.wanted_quantity or 0 for p in buyers), 0),
                announced=trade.hold_transaction.created_at if trade.hold_transaction_id else None)


@renderer(DocumentKind.TRADE_CERTIFICATE)
def render_certificate(document: Document) -> bytes:
    trade = Trade.objects.get(pk=document.subject_id)
    deals = [(d, rules.deviation_percent(d.unit_price, d.reference_price))
             for d in trade.deals.select_related("buyer__region")]
    return _pdf(document, "documents/trade_certificate.html", deals=deals, receipt=log.receipt(trade))
