from django.conf import settings

from quota_registry.notifications.services import unread_count


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_CITY_NAME": settings.PORTAL_CITY_NAME,
        "unread_notifications": unread_count(user) if user is not None else 0,
    }
