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
def changes(entry):
    """(field, before, after) rows of an audit entry; safe for dicts that have a key named 'items'."""
    before = entry.before or {}
    after = entry.after or {}
    return [(key, before.get(key), value) for key, value in dict.items(after)]


@register.filter
def ratio(value):
    """A substitution ratio as the rules write it: 1.2:1, 2:1, 1:1."""
    from decimal import Decimal

    if value is None:
        return ""
    return f"{format(Decimal(value).normalize(), 'f')}:1"
