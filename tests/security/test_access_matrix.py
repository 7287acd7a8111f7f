"""The access-control matrix: every URL pattern and API route, every role and the anonymous visitor, an
object inside and outside the role's scope. A route missing from ROUTES fails the suite, so a new
endpoint cannot ship without saying who may reach it. Outside the scope is always 404, never 403."""
import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from quota_registry.orgs.twofactor import mark_session_verified

# Qujing's roles, the second city's (Honghe: its reviewer, a county's reviewer and an enterprise) and the province.
ROLES = ["anon", "ent_qilin", "ent_huize", "county_qilin", "county_huize", "city_reviewer", "city_approver",
         "city_admin", "tech_reviewer", "bank", "honghe_reviewer", "county_gejiu", "ent_gejiu", "province", "verifier"]
QUJING = {"city_reviewer", "city_approver", "city_admin"}
CITY = QUJING | {"honghe_reviewer"}  # what any city's staff may do
QILIN = {"ent_qilin", "county_qilin", "province"} | QUJING  # the scope of objects belonging to the 麒麟区 enterprise
ENTERPRISES = {"ent_qilin", "ent_huize", "ent_gejiu"}
COUNTIES = {"county_qilin", "county_huize", "county_gejiu"}
ALL = set(ROLES) - {"anon"}
# one of each kind of role, of each city and the province (for the routes every signed-in role gets alike)
REPRESENTATIVES = {"anon", "ent_qilin", "county_qilin", "city_admin", "tech_reviewer", "bank", "honghe_reviewer",
                   "ent_gejiu", "province", "verifier"}


def public():
    return {r: 200 for r in ROLES}


def login(api=False):
    return {"anon": 401 if api else 302, **{r: 200 for r in ALL}}


def only(allowed, api=False, other=403):
    return {"anon": 401 if api else 302, **{r: 200 if r in allowed else other for r in ALL}}


def scoped(inside, api=False):
    return {"anon": 401 if api else 302, **{r: 200 if r in inside else 404 for r in ALL}}


def post_scoped(inside, api=False):
    """POST routes: checked for everyone outside the scope (who must get 404) and the anonymous visitor."""
    return {"anon": 401 if api else 302, **{r: 404 for r in ALL - inside}}


# route name -> (object for the URL or None, method, expected statuses by role)
ROUTES = {
    "login": (None, "get", public()),
    "logout": (None, "skip", {}),
    "otp": (None, "get", {r: 302 for r in ROLES}),  # anonymous: to login; others: nothing (more) to verify
    "set_language": (None, "skip", {}),
    "portal:landing": (None, "get", public()),
    "portal:quality-status": (None, "get", public()),
    "portal:home": (None, "get", login()),
    "portal:organisations": (None, "get", login()),
    "portal:notifications": (None, "get", login()),
    "portal:notifications-read": (None, "skip", {}),
    "portal:calendar": (None, "get", login()),
    "portal:api-tokens": (None, "get", login()),  # each sees their own keys
    "portal:organisation-new": (None, "get", only({"city_admin"} | COUNTIES)),
    "portal:organisation-detail": ("org", "get", scoped(QILIN)),
    "portal:organisation-edit": ("org", "get", {"anon": 302, "city_admin": 200, "county_qilin": 200,
                                                "county_huize": 404, "county_gejiu": 404,
                                                **{r: 403 for r in ALL - {"city_admin"} - COUNTIES}}),
    "portal:organisation-set-active": ("org", "post", post_scoped(QILIN | {"county_huize"}) | {"county_huize": 404}),
    "reserve:entries": (None, "get", login()),
    "reserve:entry-new": (None, "get", only(ENTERPRISES | COUNTIES)),
    "reserve:entry-detail": ("entry", "get", scoped(QILIN)),
    "reserve:entry-edit": ("entry_draft", "get", {"anon": 302, "ent_qilin": 200, "ent_huize": 404, "county_qilin": 403,
                                                  "county_huize": 404, **{r: 403 for r in CITY | {"tech_reviewer"}}}),
    "reserve:entry-act": ("entry", "post", post_scoped(QILIN)),
    "reserve:withdrawals": (None, "get", login()),
    "reserve:withdrawal-new": (None, "get", only(ENTERPRISES)),
    "reserve:withdrawal-detail": ("withdrawal", "get", scoped(QILIN)),
    "reserve:withdrawal-edit": ("withdrawal", "get", {"anon": 302, "ent_qilin": 200, "ent_huize": 404, "ent_gejiu": 404,
                                                      **{r: 403 for r in ALL - ENTERPRISES}}),
    "reserve:withdrawal-act": ("withdrawal", "post", post_scoped(QILIN)),
    "reserve:precheck": (None, "get", public()),
    "reserve:guide": ("guide", "get", public()),
    "reserve:log-verify": (None, "get", public()),
    "reserve:pool": (None, "get", only(CITY | COUNTIES)),
    "reserve:lots": (None, "get", login()),
    "reserve:lot-detail": ("lot", "get", scoped(QILIN | {"tech_reviewer", "bank", "verifier"})),  # lots are published (Art 24)
    "reserve:lot-act": ("lot", "post", post_scoped(QILIN | {"tech_reviewer", "bank", "verifier"})),
    "reserve:ledger": (None, "get", only(CITY)),
    "reserve:public-ledger": (None, "get", public()),
    "reserve:public-lots": (None, "get", public()),
    "trading:obligations": (None, "get", login()),
    "trading:obligation-detail": ("obligation", "get", scoped(QILIN)),
    "trading:trades": (None, "get", login()),
    "trading:trade-new": (None, "get", only(ENTERPRISES | CITY)),
    "trading:trade-detail": ("trade", "get", scoped(QILIN)),
    "trading:trade-act": ("trade", "post", post_scoped(QILIN)),
    "trading:party-act": ("trade", "post", post_scoped(QILIN)),
    "trading:deposit-act": ("trade", "post", post_scoped(QILIN)),
    "trading:trade-live": ("trade", "get", scoped(QILIN)),
    "trading:obligation-act": ("obligation", "post", post_scoped(QILIN)),
    "trading:prices": (None, "get", public()),
    "trading:market": (None, "get", public()),
    "reserve:restrictions": (None, "get", login()),
    "reserve:restriction-new": (None, "get", only(CITY)),
    "reserve:restriction-detail": ("restriction", "get", scoped(QILIN)),
    "reserve:restriction-act": ("restriction", "post", post_scoped(QILIN)),
    # issue 19: a transfer between cities is seen by both cities' staff and the province, by nobody else
    "reserve:transfers": (None, "get", login()),
    "reserve:transfer-new": (None, "get", only(CITY | {"province"})),  # requested by a city, arranged by the province
    "reserve:transfer-detail": ("transfer", "get", scoped(CITY | {"province", "county_qilin"})),  # the project's county
    "reserve:transfer-act": ("transfer", "post", post_scoped(CITY | {"province", "county_qilin"})),
    "reserve:one-ledger": (None, "get", only(CITY | {"province"})),
    "reserve:public-one-ledger": (None, "get", public()),
    # issue 20: the key emitter (ent_qilin's) is seen by its enterprise, its county, its city and the province; its
    # report also by the verifier assigned; the list page sends an enterprise to its own unit
    "carbon:units": (None, "get", {"anon": 302, **{r: 200 for r in CITY | COUNTIES | {"province", "verifier"}},
                                   "ent_qilin": 302, "ent_huize": 403, "ent_gejiu": 403, "tech_reviewer": 403,
                                   "bank": 403}),
    "carbon:unit-new": (None, "get", only(CITY)),
    "carbon:unit": ("unit", "get", scoped(QILIN)),
    "carbon:unit-act": ("unit", "post", post_scoped(QILIN)),
    "carbon:report-new": ("unit", "post", post_scoped(QILIN)),
    "carbon:allowance-new": ("unit", "post", post_scoped(QILIN)),
    "carbon:surrender-new": ("unit", "post", post_scoped(QILIN)),
    "carbon:report": ("report", "get", scoped(QILIN | {"verifier"})),
    "carbon:report-act": ("report", "post", post_scoped(QILIN | {"verifier"})),
    "carbon:disclosure": (None, "get", public()),
    "carbon:providers": (None, "get", public()),  # the register is public; its inspections are the bureaus'
    "carbon:provider-new": (None, "get", only(CITY)),
    "carbon:provider": ("provider", "get", {"anon": 302, **{r: 200 if r in QUJING | {"province"} else 404 if r in CITY
                                                          else 403 for r in ALL}}),
    "trading:pledges": (None, "get", login()),
    "trading:pledge-new": (None, "get", only(ENTERPRISES)),
    "trading:pledge-detail": ("pledge", "get", scoped(QILIN | {"bank"})),
    "trading:pledge-act": ("pledge", "post", post_scoped(QILIN | {"bank"})),
    "trading:fees": (None, "get", login()),
    "trading:fee-new": (None, "get", only(CITY)),
    "trading:fee-detail": ("fee", "get", scoped(QILIN)),
    "trading:fee-act": ("fee", "post", post_scoped(QILIN)),
    "file-download": ("attachment", "get", scoped(QILIN)),
    "document-page": ("document", "get", scoped(QILIN)),
    "document-download": ("document", "get", scoped(QILIN)),
    "document-status": ("document", "get", scoped(QILIN)),
    "export-start": ("export", "post", {"anon": 302}),
    "imports": (None, "get", only(CITY | COUNTIES)),  # city staff import reference prices
    "import-detail": ("import", "get", scoped({"city_admin"})),
    "import-template": ("import_kind", "get", only({"city_admin"} | COUNTIES, other=404)),
    "reports": (None, "get", only(CITY)),
    # API
    "api-root": (None, "get", login(api=True)),
    "api-schema": (None, "get", public()),
    "api-docs": (None, "get", public()),
    "api-token": (None, "skip", {}),
    "api-me": (None, "get", login(api=True)),
    "api-balances": (None, "get", login(api=True)),
    "api-precheck": (None, "skip", {}),
    "api-public-ledger": (None, "get", public()),
    "api-one-ledger": (None, "get", only(CITY | {"province"}, api=True)),
    "api-public-one-ledger": (None, "get", public()),
    "api-public-chain": (None, "get", public()),
    "api-log-checkpoint": (None, "get", public()),
    "api-log-key": (None, "get", public()),
    "api-log-leaves": (None, "skip", {}),  # public; needs start/end (tests/reserve/test_public_log.py)
    "api-log-inclusion": (None, "skip", {}),
    "api-log-consistency": (None, "skip", {}),
    "api-log-openings": (None, "skip", {}),  # logged in; only one's own (tests/reserve/test_public_log.py)
    "api-log-cosign": (None, "skip", {}),  # public POST of a cosigned note (tests/reserve/test_public_log.py)
    "pollutant-list": (None, "get", public()), "pollutant-detail": ("pollutant", "get", public()),
    "region-list": (None, "get", public()), "region-detail": ("region", "get", public()),
    "watershed-list": (None, "get", public()), "watershed-detail": ("watershed", "get", public()),
    "industry-list": (None, "get", public()), "industry-detail": ("industry", "get", public()),
    "qualitystatus-list": (None, "get", public()), "qualitystatus-detail": ("quality", "get", public()),
    "reference-price-list": (None, "get", public()),
    "organisation-list": (None, "get", login(api=True)),
    "organisation-detail": ("org", "get", scoped(QILIN, api=True)),
    "notification-list": (None, "get", login(api=True)),
    "notification-detail": ("notification", "get", scoped({"ent_qilin"}, api=True)),
    "notification-mark-read": (None, "skip", {}),
    "entryapplication-list": (None, "get", login(api=True)),
    "entryapplication-detail": ("entry", "get", scoped(QILIN, api=True)),
    "withdrawalapplication-list": (None, "get", login(api=True)),
    "withdrawalapplication-detail": ("withdrawal", "get", scoped(QILIN, api=True)),
    "lot-list": (None, "get", login(api=True)),
    "lot-detail": ("lot", "get", scoped(QILIN | {"tech_reviewer", "bank", "verifier"}, api=True)),
    "ledgertransaction-list": (None, "get", only(CITY, api=True)),
    "ledgertransaction-detail": ("transaction", "get", only(CITY, api=True)),
    "document-list": (None, "get", login(api=True)),
    "document-detail": ("document", "get", scoped(QILIN, api=True)),
    "permit-change-list": (None, "get", login(api=True)),
    "permit-change-detail": ("obligation", "get", scoped(QILIN, api=True)),
    "permit-change-file": ("obligation", "post", post_scoped(QILIN, api=True)),
    "permit-change-confirm": ("obligation", "post", post_scoped(QILIN, api=True)),
    "api-token-own-list": (None, "get", login(api=True)),
    "api-token-own-detail": ("token", "get", scoped({"ent_qilin"}, api=True)),
    "api-token-own-revoke": ("token", "post", post_scoped({"ent_qilin"}, api=True)),
    "citytransfer-list": (None, "get", login(api=True)),
    "citytransfer-detail": ("transfer", "get", scoped(CITY | {"province", "county_qilin"}, api=True)),
    "citytransfer-agree": ("transfer", "post", post_scoped(CITY | {"province", "county_qilin"}, api=True)),
    "citytransfer-decline": ("transfer", "post", post_scoped(CITY | {"province", "county_qilin"}, api=True)),
    "citytransfer-approve": ("transfer", "post", post_scoped(CITY | {"province", "county_qilin"}, api=True)),
    "citytransfer-refuse": ("transfer", "post", post_scoped(CITY | {"province", "county_qilin"}, api=True)),
    "fee-list": (None, "get", login(api=True)),
    "fee-detail": ("fee", "get", scoped(QILIN, api=True)),
    "fee-pay": ("fee", "post", post_scoped(QILIN, api=True)),
    "fee-waive": ("fee", "post", post_scoped(QILIN, api=True)),
    "trade-list": (None, "get", login(api=True)),
    "trade-detail": ("trade", "get", scoped(QILIN, api=True)),
}
for _kind in ("entryapplication", "withdrawalapplication"):
    for _action in ("submit", "withdraw", "county-review", "city-prepare", "city-review", "evidence"):
        ROUTES[f"{_kind}-{_action}"] = ("entry" if _kind.startswith("entry") else "withdrawal", "post",
                                        post_scoped(QILIN, api=True))
ROUTES["entryapplication-revoke"] = ("entry", "post", post_scoped(QILIN, api=True))
ROUTES["entryapplication-verify-item"] = ("entry", "post", post_scoped(QILIN, api=True))
for _action in ("interest", "qualify", "announce", "buy-back", "method", "bid", "close", "contract", "settle", "confirm",
                "publish", "cancel"):
    ROUTES[f"trade-{_action}"] = ("trade", "post", post_scoped(QILIN, api=True))


def all_route_names():
    names = set()

    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, p.namespace or ns)
            elif p.name and "format" not in str(p.pattern):
                names.add(f"{ns}:{p.name}" if ns else p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_route_is_in_the_matrix():
    missing = sorted(all_route_names() - set(ROUTES))
    assert missing == [], f"add these routes to ROUTES with who may reach them: {missing}"


@pytest.fixture
def objects(filed, make_lot, api_as, demo):
    """One object of each kind, all belonging to the 麒麟区 enterprise (ent_qilin)."""
    from django.core.management import call_command  # noqa: F401

    from ledger import services as ledger
    from ledger.models import AccountKind, LedgerTransaction
    from quota_registry.documents.imports import import_preview
    from quota_registry.documents.models import Document
    from quota_registry.documents.services import document_render
    from quota_registry.files.models import Attachment
    from quota_registry.notifications.models import Notification
    from quota_registry.orgs.services import restriction_create
    from quota_registry.reference.models import QualityStatus
    from tests.documents.test_excel import enterprise_rows, xlsx
    from tests.reserve.conftest import pdf
    from trading.fees import fee_create
    from trading.pledges import pledge_create
    from trading.services import obligation_create
    from trading.trades import trade_create

    entry = filed(upto="submitted")
    draft = filed(upto="draft")
    lot = make_lot("30", pollutant="NOX", enterprise="ent_qilin")
    org = demo["ent_qilin"].organisation
    ledger.post(actor=None, kind="transfer", legs=[ledger.Leg(lot, ledger.pool("530300"),
                                                             ledger.account(AccountKind.ENTERPRISE, org), 5)])
    withdrawal = api_as("ent_qilin").post("/api/v1/withdrawal-applications/", {
        "project": {"name": "矩阵测试", "industry": "2521", "eia_authority": "曲靖市生态环境局"},
        "items": [{"pollutant": "NOX", "new_emission": "1"}]}, format="json").json()
    document = Document.objects.filter(subject_id=entry["id"], kind="annex3").last()
    document_render(document.pk)
    obligation = obligation_create(enterprise=org, region=org.region, origin=None, transferred=[],
                                   destination="矩阵测试", measure_completed_on=__import__("datetime").date(2026, 9, 1),
                                   approved_on=__import__("datetime").date(2026, 9, 2), working_days=30)
    trade = trade_create(actor=demo["ent_qilin"], pollutant=lot.pollutant, lots=[(lot, 5)])
    pledge = pledge_create(actor=demo["ent_qilin"], bank=demo["bank"].organisation, lot=lot, quantity=1,
                           contract_number="矩阵测试抵押合同", secured_amount=1000,
                           starts_on=__import__("datetime").date(2026, 1, 1),
                           ends_on=__import__("datetime").date(2099, 1, 1), files=[pdf("contract.pdf")])
    from tests.reserve.test_province import _request

    make_lot("20", pollutant="SO2", enterprise="ent_gejiu")
    transfer = _request(demo, quantity="5")
    from carbon.services import provider_register, report_create, unit_list
    from quota_registry.review import engine

    unit = unit_list(actor=demo["city_reviewer"], enterprise=org, year=2025, emissions="30000", reason="矩阵测试")
    report = report_create(actor=demo["ent_qilin"], unit=unit, year=2025, reported_emissions="30000",
                           energy_tce="12000", sources="燃煤锅炉", basis="核算指南")
    engine.perform(actor=demo["ent_qilin"], model=type(report), pk=report.pk, action="submit")
    provider = provider_register(actor=demo["city_reviewer"], name="矩阵测试核查机构",
                                 credit_code=demo["verifier"].organisation.credit_code, services=["verification"],
                                 registered_on=__import__("datetime").date(2026, 1, 5))
    engine.perform(actor=demo["city_reviewer"], model=type(report), pk=report.pk, action="assign",
                   data={"verifier": demo["verifier"].organisation_id})
    listed = restriction_create(actor=demo["city_reviewer"], kind="credit_red", organisation=org, reason="矩阵测试",
                               source="曲环信用〔2026〕9号", valid_from=__import__("datetime").date(2026, 1, 1))
    fee = fee_create(actor=demo["city_reviewer"], enterprise=org, pollutant=lot.pollutant, quantity=5, amount_due=100,
                     due_date=__import__("datetime").date(2026, 12, 31), basis="矩阵测试收费决定")
    batch = import_preview(actor=demo["city_admin"], kind="enterprises", uploaded_file=xlsx(enterprise_rows()))
    from quota_registry.orgs.token import token_issue

    token = token_issue(user=demo["ent_qilin"])[0]
    return {
        "token": {"pk": token.pk},
        "org": {"pk": org.pk}, "entry": {"pk": entry["id"]}, "entry_draft": {"pk": draft["id"]},
        "withdrawal": {"pk": withdrawal["id"]}, "lot": {"pk": lot.pk}, "obligation": {"pk": obligation.pk},
        "trade": {"pk": trade.pk}, "fee": {"pk": fee.pk}, "restriction": {"pk": listed.pk}, "pledge": {"pk": pledge.pk},
        "transfer": {"pk": transfer.pk}, "unit": {"pk": unit.pk}, "report": {"pk": report.pk},
        "provider": {"pk": provider.pk},
        "document": {"pk": document.pk},
        "import": {"pk": batch.pk},
        "attachment": {"pk": Attachment.objects.filter(object_id=entry["id"]).first().pk},
        "notification": {"pk": Notification.objects.filter(recipient=demo["ent_qilin"]).first().pk},
        "transaction": {"pk": LedgerTransaction.objects.first().pk}, "export": {"name": "lots"},
        "guide": {"kind": "withdrawal"},
        "import_kind": {"kind": "enterprises"}, "pollutant": {"code": "SO2"}, "region": {"code": "530302"},
        "watershed": {"code": "nanpan"}, "industry": {"code": "2521"},
        "quality": {"pk": QualityStatus.objects.first().pk},
    }


def test_access_matrix(objects, demo):
    from rest_framework.test import APIClient

    clients = {"anon": (Client(), APIClient())}
    for role in ALL:
        page, api = Client(), APIClient()
        page.force_login(demo[role])
        mark_session_verified(page.session, demo[role])
        api.force_authenticate(demo[role])
        clients[role] = (page, api)
    wrong = []
    for name, (obj, method, expected) in sorted(ROUTES.items()):
        if method == "skip":
            continue
        url = reverse(name, kwargs=objects[obj] if obj else None)
        is_api = url.startswith("/api/")
        if len({status for role, status in expected.items() if role != "anon"}) == 1:
            # a route answering every signed-in role alike: one person of each kind of role and city asks
            expected = {role: status for role, status in expected.items() if role in REPRESENTATIVES}
        for role, status in expected.items():
            client = clients[role][1 if is_api else 0]
            response = client.get(url) if method == "get" else client.post(url, {})
            if response.status_code != status:
                wrong.append(f"{method.upper()} {url} as {role}: {response.status_code}, expected {status}")
    assert wrong == [], "\n".join(wrong)
