"""Human-readable names of audit actions, shown on timelines. Each feature adds its own actions here."""
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "organisation.create": _("registered the organisation"),
    "organisation.update": _("changed the organisation's data"),
    "organisation.deactivate": _("deactivated the organisation"),
    "organisation.activate": _("reactivated the organisation"),
    "organisation.seed_demo": _("created demo data"),
    "organisation.create.admin": _("registered the organisation in data maintenance"),
    "organisation.update.admin": _("changed the organisation in data maintenance"),
    "user.create": _("created the user"),
    "user.seed_demo": _("created the demo user"),
    "quality_status.create": _("recorded the quality status"),
    "quality_status.update": _("corrected the quality status"),
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
