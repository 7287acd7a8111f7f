from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def querystring_with(context, **changes):
    """The current query string with some parameters replaced (keeps list filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def ratio(value):
    """A substitution ratio as the rules write it: 1.2:1, 2:1, 1:1."""
    from decimal import Decimal

    if value is None:
        return ""
    return f"{format(Decimal(value).normalize(), 'f')}:1"


@register.filter
def qty(value, unit=""):
    """A quantity with four places, thousands separators and its unit: {{ lot.quantity|qty:lot.pollutant.unit }}."""
    from accounting.quantities import show

    return show(value, unit or "")


@register.filter
def yuan(value, unit=""):
    """Money with two places and thousands separators: {{ deal.amount|yuan }}, {{ price.price|yuan:price.unit }}."""
    from accounting.money import show

    return show(value, unit or "")


@register.filter
def factor(code):
    """A pollutant factor's Chinese name from its code (SO2 -> 二氧化硫), for records that keep the code."""
    from quota_registry.reference.models import Pollutant

    names = dict(Pollutant.all_objects.values_list("code", "name"))
    return names.get(code, code)


@register.simple_tag
def one_ledger_rows(rows):
    """The one-ledger's rows (onebook.Row, its city or None for the province's total, its factor), built in one pass:
    16 cities and 13 factors are some 220 rows of six figures, and a template loop over each cell was most of the
    page's time at the province scale."""
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext

    from accounting.quantities import show

    total = format_html("<strong>{}</strong>", gettext("Province total"))
    return format_html_join("", '<tr{} data-testid="row-{}-{}"><td>{}</td><td>{}</td><td class="num">{}</td>'
                                '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
                                '<td class="num">{}</td><td class="num"><strong>{}</strong></td></tr>', (
        ("" if city else mark_safe(' class="total"'), factor.code, city.code if city else "province", factor.name,
         city.name if city else total, *(show(getattr(r, k), "") for k in (
             "opening", "added", "used", "transferred_in", "transferred_out", "closing")))
        for r, city, factor in rows))


@register.simple_tag
def movement_lines(transaction, lines):
    """A ledger transaction's movements, one line each (lot, factor, quantity: from -> to), from the page's `lines`
    (ledger.selectors.movement_lines), built in one pass: a page of the ledger shows some 200 of them, and a template
    loop over each one's five values is most of the page's time."""
    from django.utils.html import format_html_join

    from accounting.quantities import show

    return format_html_join("", "<div>{} {} {}：{} → {}</div>", (
        (line.lot, line.factor, show(line.quantity, ""), line.source, line.target) for line in lines.get(
            transaction.pk, ())))


@register.filter
def received_from(lot, user) -> str:
    """The name of the city a lot came from, when it lies in `user`'s city's pool by a transfer between cities (the
    lot's county is another city's); "" otherwise (issue 19)."""
    from quota_registry.jurisdiction import city_id_of, division_name

    ids = getattr(user, "city_region_ids", None) if getattr(user, "is_city_staff", False) else None
    if not ids or lot.region_id in ids:
        return ""
    return division_name(city_id_of(lot.region_id))


@register.filter
def public_account(account) -> str:
    """An account as the published ledger names it: its kind, and a city's pool or hold with the city (a transfer
    between cities read 市储备库 -> 市储备库); never whose an enterprise's is (Art 24: no commercial secrets)."""
    from ledger.models import AccountKind, account_name

    if account.kind in (AccountKind.POOL, AccountKind.HOLD):
        return account_name(account.kind, "", "", "", account.city_id)
    return str(AccountKind(account.kind).label)
