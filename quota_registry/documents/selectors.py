from django.db.models import Q

from quota_registry.access import scope

from .models import Document


def visible_documents(user):
    """Forms: scoped like their application. Exports and reports without an organisation: the person
    who requested them, and city staff."""
    if not user.is_authenticated:
        return Document.objects.none()
    scoped = scope(user, Document).values("pk")
    mine = Q(requested_by=user, organisation__isnull=True)
    city_wide = Q(organisation__isnull=True) if user.is_city_staff else Q(pk__in=[])
    return Document.objects.filter(Q(pk__in=scoped) | mine | city_wide)
