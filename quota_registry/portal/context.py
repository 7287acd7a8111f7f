from django.conf import settings

from quota_registry.jurisdiction import city_id_of, division_name
from quota_registry.notifications.services import unread_count


def place_name(user) -> str:
    """Whose registry the page is: the signed-in user's city (or the province, for its staff); otherwise the
    deployment's main city (PORTAL_CITY_NAME)."""
    organisation = getattr(user, "organisation", None) if getattr(user, "is_authenticated", False) else None
    if organisation is not None and organisation.region_id:
        return division_name(city_id_of(organisation.region_id) or organisation.region_id)
    return settings.PORTAL_CITY_NAME


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_CITY_NAME": place_name(user),
        "unread_notifications": unread_count(user) if user is not None else 0,
    }
