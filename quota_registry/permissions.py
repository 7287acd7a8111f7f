"""Who may perform which kind of action: role checks shared by services, pages and the API.

These answer "may this role do this at all" (403 when not); which rows a person may touch is the job
of quota_registry.access.scope (404 when outside)."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from quota_registry.orgs.models import CITY_ROLES, Role


def is_city_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.role in CITY_ROLES)


def can_manage_organisations(user) -> bool:
    """City administrators register any organisation; county reviewers register their county's enterprises."""
    return bool(user and user.is_authenticated and user.role in {Role.CITY_ADMIN, Role.COUNTY_REVIEWER})


def can_maintain_reference_data(user) -> bool:
    """City staff keep reference data such as the environmental-quality status."""
    return is_city_staff(user)


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("Your role does not allow this action."))
