from collections.abc import Callable

from django.db.models import Q

from quota_registry.access import scope

from .models import Document

# Who else may read an app's documents besides the scope of their organisation and county: functions of the user
# giving a condition on Document, registered by the apps that own the subjects (trading: the parties to a trade).
VISIBILITY: list[Callable] = []


def visible_to(fn: Callable) -> Callable:
    VISIBILITY.append(fn)
    return fn


def visible_documents(user):
    """Forms: scoped like their application (and what the owning apps add: VISIBILITY). Exports and reports without
    an organisation: the person who requested them, and city staff."""
    if not user.is_authenticated:
        return Document.objects.none()
    scoped = scope(user, Document).values("pk")
    mine = Q(requested_by=user, organisation__isnull=True)
    city_wide = Q(organisation__isnull=True) if user.is_city_staff else Q(pk__in=[])
    condition = Q(pk__in=scoped) | mine | city_wide
    for extra in VISIBILITY:
        condition |= extra(user)
    return Document.objects.filter(condition)
