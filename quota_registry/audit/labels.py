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
    "attachment.add": _("uploaded a file"),
    "entryapplication.create": _("created the entry application"),
    "entryapplication.update": _("changed the entry application"),
    "entryapplication.submit": _("submitted the application"),
    "entryapplication.withdraw": _("withdrew the application"),
    "entryapplication.county_approve": _("approved and forwarded it (county pre-review)"),
    "entryapplication.county_return": _("returned it for correction (county)"),
    "entryapplication.county_reject": _("rejected it (county)"),
    "entryapplication.city_prepare": _("recorded the city's preparatory review"),
    "entryapplication.city_approve": _("approved it: the quota entered the pool"),
    "entryapplication.city_return": _("returned it for correction (city)"),
    "entryapplication.city_reject": _("rejected it (city)"),
    "entryapplication.revoke": _("revoked the approved entry"),
    "entryitem.verify": _("recorded the city's verified figure"),
    "lot.complete": _("recorded completion of the planned measure"),
}


def label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
