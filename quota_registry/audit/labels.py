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
    "entryitem.verify": _("recorded the city's verified figure"),
    "lot.complete": _("recorded completion of the planned measure"),
    "lot.expire": _("the lot expired"),
    "calendar.import": _("entered the year's holidays and make-up working days"),
    "obligation.create": _("the permit-change obligation arose"),
    "reference_price.create": _("set a reference price"),
    "reference_price.close": _("closed the reference price (a new one applies)"),
    "import.commit": _("imported a spreadsheet"),
    "trade.apply": _("offered quota for sale"),
    "trade.interest": _("applied to buy"),
    "trade.qualify": _("decided a party's qualification"),
    "trade.announce": _("announced the trade (the quantity is held)"),
    "trade.method": _("set the trading method"),
    "trade.bid": _("placed a bid"),
    "trade.deal": _("struck the deal"),
    "trade.contract": _("recorded the signed contract"),
    "trade.settle": _("recorded a settlement step"),
    "trade.settled": _("the trade is fully settled"),
    "trade.confirm": _("confirmed the trade: the quota moved"),
    "trade.publish": _("published the trade"),
    "trade.cancel": _("cancelled the trade"),
    "obligation.file": _("applied to change the permit"),
    "obligation.confirm": _("recorded the changed permit"),
    "obligation.recompute": _("the due date was recomputed on the official calendar"),
    "fee.create": _("recorded the paid-use fee due"),
    "pledge.create": _("applied to register the pledge"),
    "restriction.create": _("entered it on the city's list"),
    "citytransfer.create": _("requested the transfer from another city"),
    "citytransfer.arrange": _("arranged the transfer between cities (the province's overall arrangement)"),
    "keyemitter.create": _("listed the unit as a key emitter"),
    "emissionreport.create": _("filed the emission report"),
    "allowance.create": _("recorded the allowance allocated"),
    "surrender.create": _("recorded a surrender of allowances"),
    "serviceprovider.create": _("registered the service organisation"),
    "inspection.create": _("recorded an inspection"),
    "citycalendarday.create": _("entered a day of the city's own calendar"),
    "citycalendarday.update": _("corrected a day of the city's own calendar"),
    "citymonthreport.create": _("the monthly report went to the province's one-ledger"),
}


# The review workflow's actions, the same for every application kind ("<model>.<verb>").
WORKFLOW_VERBS = {
    "create": _("created the application"),
    "update": _("changed the application"),
    "submit": _("submitted the application"),
    "withdraw": _("withdrew the application"),
    "county_approve": _("approved and forwarded it (county pre-review)"),
    "county_return": _("returned it for correction (county)"),
    "county_reject": _("rejected it (county)"),
    "city_prepare": _("recorded the city's preparatory review"),
    "city_approve": _("approved it (city)"),
    "city_return": _("returned it for correction (city)"),
    "city_reject": _("rejected it (city)"),
    "revoke": _("revoked the approved entry"),
}


def add_labels(labels: dict) -> None:
    """Words for more actions (the workflow engine adds each kind's steps: "<model>.<action>")."""
    ACTION_LABELS.update(labels)


def label(action: str) -> str:
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    verb = action.split(".", 1)[-1]
    return str(WORKFLOW_VERBS.get(verb, action))
