"""A realistic, deterministic load dataset for the benchmarks (`python -m bench.loadgen --scale N`).

At scale 1: 10,000 enterprises (each with a user), 100,000 applications (half entries, half withdrawals)
with their review histories and audit rows, 20,000 lots, 1,000,000 ledger movements (issues, holds,
releases and withdrawals in time order over two years, one hash chain), the holdings they leave, the
permit-change obligations of approved withdrawals, and a few notifications per user. Everything comes
from one seeded random generator, so the same scale gives the same data.

Speed is why this is the one place besides `ledger.services.post` that writes ledger rows: rows are
written with PostgreSQL's COPY (bulk_create elsewhere), ids are assigned here, and the ledger follows the
posting service's rules exactly: `legs_hash` for the chain, holdings computed from the legs and never
negative (checked as events are applied), releases pointing at their holds. `verify_ledger` afterwards
checks all of it. Permit-change due dates are approximated as 42 calendar days (about 30 working days).
"""
from __future__ import annotations

if __name__ == "__main__":  # run as a program (python -m bench.loadgen): Django first, for the imports below
    from bench.common import setup_django

    setup_django()

import bisect
import datetime
import json
import random
import types
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from accounting.validity import valid_until
from ledger.models import (
    Account,
    AccountKind,
    Holding,
    LedgerHead,
    LedgerTransaction,
    Lot,
    LotStatus,
    Movement,
    SourceKind,
    TransactionKind,
)
from ledger.services import account, legs_hash
from quota_registry.audit.models import AuditEntry
from quota_registry.notifications.models import Notification
from quota_registry.orgs.credit_code import make_code
from quota_registry.orgs.models import ManagementCategory, Organisation, OrganisationKind, Role, User
from quota_registry.reference.models import Industry, Pollutant, PollutantCategory, Region, RegionLevel
from quota_registry.review.engine import kind_for
from quota_registry.review.models import NumberSequence, Review, Status
from reserve.facts import rule_set
from reserve.models import Allocation, EntryApplication, EntryItem, Measure, WithdrawalApplication, WithdrawalItem
from trading.models import ObligationStatus, PermitChangeObligation

AT_SCALE_1 = {"enterprises": 10_000, "applications": 100_000, "lots": 20_000, "movements": 1_000_000}
TIERS = "county,city"  # every generated application is an enterprise's: its county pre-reviews it
NAME_MARK = "负载测试"  # in every generated enterprise's name: a second run refuses to add more
CITY_CODE = "530300"  # the city the generated data is of (Qujing), or the first of several (--cities)
# Yunnan's 16 prefecture-level divisions (GB/T 2260), the main city and the demo's second first: `--cities N` spreads
# the data over the first N. A city not in the reference data is added to the benchmark database with six counties
# of made-up codes (national_code off) and names, each with its bureau and reviewer, and the city's bureau with a
# reviewer and an approver.
YUNNAN = [("530300", "曲靖市", "曲靖"), ("532500", "红河哈尼族彝族自治州", "红河"), ("530100", "昆明市", "昆明"),
          ("530400", "玉溪市", "玉溪"), ("530500", "保山市", "保山"), ("530600", "昭通市", "昭通"),
          ("530700", "丽江市", "丽江"), ("530800", "普洱市", "普洱"), ("530900", "临沧市", "临沧"),
          ("532300", "楚雄彝族自治州", "楚雄"), ("532600", "文山壮族苗族自治州", "文山"),
          ("532800", "西双版纳傣族自治州", "西双版纳"), ("532900", "大理白族自治州", "大理"),
          ("533100", "德宏傣族景颇族自治州", "德宏"), ("533300", "怒江傈僳族自治州", "怒江"),
          ("533400", "迪庆藏族自治州", "迪庆")]
DAYS = 730  # two years of history, ending now
# The review path that leads to each final status (the actions of reserve/workflows.py's tables).
PATHS = {
    Status.DRAFT: [],
    Status.SUBMITTED: ["submit"],
    Status.COUNTY_APPROVED: ["submit", "county_approve"],
    Status.APPROVED: ["submit", "county_approve", "city_prepare", "city_approve"],
    Status.RETURNED: ["submit", "county_return"],
    Status.REJECTED: ["submit", "county_approve", "city_prepare", "city_reject"],
    Status.WITHDRAWN: ["submit", "withdraw"],
}
OTHER_STATUSES = [(Status.DRAFT, 20), (Status.SUBMITTED, 15), (Status.COUNTY_APPROVED, 15), (Status.RETURNED, 10),
                  (Status.REJECTED, 15), (Status.WITHDRAWN, 10)]
WITHDRAWAL_STATUSES = [(Status.APPROVED, 35), *OTHER_STATUSES]
OPINIONS = {"submit": "", "county_approve": "材料齐全，同意上报", "county_return": "请补充验收监测报告",
            "city_prepare": "核算依据充分", "city_approve": "同意", "city_reject": "削减量核算依据不足", "withdraw": ""}


def scaled(scale: float) -> dict:
    return {k: max(1, round(v * scale)) for k, v in AT_SCALE_1.items()}


class Writer:
    """Appends rows with ids chosen here: COPY on PostgreSQL, bulk_create elsewhere."""

    def __init__(self):
        self.counts = Counter()
        self.next = {}

    def ids(self, model, n: int) -> range:
        if model not in self.next:
            self.next[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        start = self.next[model]
        self.next[model] += n
        return range(start, start + n)

    def write(self, model, fields: list[str], rows) -> None:
        n = 0
        if connection.vendor == "postgresql":
            columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
            with connection.cursor() as cursor, cursor.cursor.copy(
                    f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in row])
                    n += 1
        else:
            batch = []
            for row in rows:
                batch.append(model(**dict(zip(fields, row, strict=True))))
                if len(batch) == 2000:
                    model.objects.bulk_create(batch)
                    n, batch = n + len(batch), []
            model.objects.bulk_create(batch)
            n += len(batch)
        self.counts[model.__name__] += n

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self.next)):
                cursor.execute(sql)


@dataclass
class Event:
    """A ledger transaction before it gets its place in the chain."""

    at: datetime.datetime
    kind: str
    legs: list  # (lot id, from account id, to account id, quantity)
    subject: tuple | None  # (content type id, object id, label)
    actor: User | None
    memo: str
    reverses: Event | None = None
    id: int = 0


@dataclass
class App:
    id: int
    number: str
    status: str
    enterprise: Organisation
    user: User
    created: datetime.datetime
    steps: list = field(default_factory=list)  # (api action, time)


class Generator:
    def __init__(self, scale: float, seed: int = 20261121, now: datetime.datetime | None = None, log=print,
                 cities: int = 1):
        self.size = scaled(scale)
        self.cities = cities
        self.rng = random.Random(seed)  # noqa: S311 - reproducible made-up data, not secrets
        self.now = (now or timezone.now()).replace(microsecond=0) - datetime.timedelta(hours=1)
        self.start = self.now - datetime.timedelta(days=DAYS)
        self.w = Writer()
        self.log = log
        self.events: list[Event] = []

    # -- helpers ------------------------------------------------------------------------------------------
    def when(self, lo_days: float, hi_days: float) -> datetime.datetime:
        """A moment between lo and hi days after the start of the window, with microseconds."""
        return self.start + datetime.timedelta(seconds=self.rng.uniform(lo_days, hi_days) * 86400)

    def later(self, t: datetime.datetime, lo_days: float = 0.5, hi_days: float = 10) -> datetime.datetime:
        """A moment after `t`, and before now whenever `t` is."""
        step = datetime.timedelta(seconds=self.rng.uniform(lo_days, hi_days) * 86400)
        room = self.now - t
        if step >= room:
            step = room * self.rng.uniform(0.1, 0.5) if room > datetime.timedelta(0) else datetime.timedelta(seconds=1)
        return t + step

    def qty(self, lo: int, hi: int) -> Decimal:
        """An exact quantity with 4 decimal places, between lo/10^4 and hi/10^4."""
        return Decimal(self.rng.randint(lo, hi)).scaleb(-4)

    def pick(self, weighted):
        return self.rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]

    # -- the run ------------------------------------------------------------------------------------------
    def run(self) -> Counter:
        self.load_references()
        self.enterprises()
        self.entries()
        self.withdrawals()
        self.ledger()
        self.write_withdrawals()
        self.notifications()
        self.numbering()
        self.w.reset_sequences()
        return self.w.counts

    def load_references(self):
        self.pollutants = list(Pollutant.objects.all())
        # the city-scale data is Qujing's (the demo's main city); the province-scale data spreads over --cities
        codes = [code for code, _name, _short in YUNNAN[:self.cities]]
        if self.cities > 1:
            self.add_cities(YUNNAN[:self.cities])
        cities = {c.pk: c for c in Region.objects.filter(code__in=codes)}
        self.city_names = {pk: c.name for pk, c in cities.items()}
        self.counties = sorted(Region.objects.filter(level=RegionLevel.COUNTY, parent__in=list(cities))
                               .prefetch_related("watersheds"), key=lambda c: (codes.index(c.parent.code), c.sort_order))
        self.county_by_id = {c.pk: c for c in self.counties}
        self.city_of = {c.pk: c.parent_id for c in self.counties}
        self.short = {c.pk: next(s for code, _n, s in YUNNAN if code == c.parent.code) for c in self.counties}
        self.industries = list(Industry.objects.all())
        self.county_users = {u.organisation.region_id: u for u in User.objects.filter(
            role=Role.COUNTY_REVIEWER, is_active=True).select_related("organisation").order_by("id")}
        self.city_staff = {pk: {role: User.objects.filter(role=role, is_active=True, organisation__region=pk)
                                .select_related("organisation").order_by("id").first()
                                for role in (Role.CITY_REVIEWER, Role.CITY_APPROVER)} for pk in cities}
        missing = [c.name for c in self.counties if c.pk not in self.county_users]
        if len(self.pollutants) != 13 or not self.counties or missing or any(
                None in staff.values() for staff in self.city_staff.values()):
            raise RuntimeError("Reference data, the county bureaus' reviewers and the city reviewer and approver are "
                               "needed first: run `manage.py seed_demo --without-pool`.")
        self.ct = {m: ContentType.objects.get_for_model(m).pk for m in (EntryApplication, WithdrawalApplication)}
        self.accounts = {k: account(k).pk for k in (AccountKind.SOURCE,)}
        self.pools = {pk: account(AccountKind.POOL, city=pk).pk for pk in cities}
        self.holds = {pk: account(AccountKind.HOLD, city=pk).pk for pk in cities}  # each city's, as ledger.held
        self.validity = rule_set().validity_years
        self.rule_code = rule_set().code
        # Air and water factors are filed far more often than heavy metals.
        self.factor_weights = [(p, 1 if p.category == PollutantCategory.HEAVY_METAL else 8) for p in self.pollutants]

    def add_cities(self, wanted):
        """The cities of `wanted` that the reference data lacks, with six counties each, and every bureau's staff
        (the benchmark database only)."""
        from django.contrib.auth.hashers import make_password

        from quota_registry import jurisdiction
        from quota_registry.reference.models import Watershed

        province = Region.objects.get(code="530000")
        sheds = list(Watershed.objects.order_by("code"))
        for order, (code, name, short) in enumerate(wanted):
            city, created = Region.objects.get_or_create(code=code, defaults={
                "name": name, "level": RegionLevel.CITY, "parent": province, "sort_order": 200 + order})
            if created:
                for k in range(1, 7):
                    county = Region.objects.create(code=f"{code[:4]}9{k}", national_code=False, name=f"{short}第{k}县",
                                                   level=RegionLevel.COUNTY, parent=city,
                                                   sort_order=200 + order * 10 + k)
                    county.watersheds.set([sheds[(order + k) % len(sheds)]])
            if not Organisation.objects.filter(kind=OrganisationKind.CITY_BUREAU, region=city).exists():
                bureau = Organisation.objects.create(kind=OrganisationKind.CITY_BUREAU, name=f"{name}生态环境局",
                                                     region=city, credit_code=make_code("11", code, 10000001))
                for role, person in ((Role.CITY_REVIEWER, "审核员"), (Role.CITY_APPROVER, "审批人")):
                    User.objects.create(username=f"load_{code}_{role}", organisation=bureau, role=role,
                                        last_name=short, first_name=person, password=make_password(None))
            for serial, county in enumerate(Region.objects.filter(parent=city, level=RegionLevel.COUNTY), 1):
                if not Organisation.objects.filter(kind=OrganisationKind.COUNTY_BUREAU, region=county).exists():
                    office = Organisation.objects.create(
                        kind=OrganisationKind.COUNTY_BUREAU, name=f"{short}生态环境局{county.name}分局", region=county,
                        credit_code=make_code("11", code, 20000000 + serial))
                    User.objects.create(username=f"load_county_{county.code}", organisation=office,
                                        role=Role.COUNTY_REVIEWER, last_name=county.name, first_name="审核员",
                                        password=make_password(None))
        jurisdiction.forget_divisions()

    def enterprises(self):
        n = self.size["enterprises"]
        org_ids, user_ids = self.w.ids(Organisation, n), self.w.ids(User, n)
        self.orgs, self.users = [], []
        rows, users = [], []
        joined = self.start - datetime.timedelta(days=30)
        for i, (oid, uid) in enumerate(zip(org_ids, user_ids, strict=True)):
            region = self.counties[i % len(self.counties)]
            industry = self.rng.choice(self.industries)
            code = make_code("91", "530300", 60_000_001 + i)
            org = Organisation(pk=oid, kind=OrganisationKind.ENTERPRISE, region=region, industry=industry,
                               name=f"{self.short[region.pk]}{NAME_MARK}{region.name}第{i + 1:05d}号企业有限公司",
                               credit_code=code,
                               permit_number=f"{code}001P")
            user = User(pk=uid, username=f"load_ent_{i + 1:05d}", organisation=org, role=Role.ENTERPRISE_USER,
                        last_name="企业", first_name=f"专员{i + 1}")
            self.orgs.append(org)
            self.users.append(user)
            rows.append((oid, org.kind, org.name, code, region.pk, industry.pk, org.permit_number,
                         ManagementCategory.KEY if i % 3 == 0 else ManagementCategory.SIMPLIFIED,
                         f"{region.name}工业园区{i % 50 + 1}号", "环保专员", "13800000000", True, joined, joined))
            users.append((uid, "!", False, user.username, user.first_name, user.last_name, "", False, True, joined,
                          oid, Role.ENTERPRISE_USER, ""))
        self.w.write(Organisation, ["id", "kind", "name", "credit_code", "region_id", "industry_id", "permit_number",
                                    "management_category", "address", "contact_person", "contact_phone", "is_active",
                                    "created_at", "updated_at"], rows)
        self.w.write(User, ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
                            "is_active", "date_joined", "organisation_id", "role", "phone"], users)
        self.log(f"enterprises: {n}")

    def history(self, app: App, final: str, *, first_submit: datetime.datetime) -> None:
        """The review steps leading to `final`; one in five submitted applications was returned once first."""
        path = PATHS[final]
        if path and self.rng.random() < 0.2:
            path = ["submit", "county_return", *path]
        t = first_submit
        for action in path:
            app.steps.append((action, t))
            t = self.later(t, 0.5, 12)

    def reviews(self, model, apps: list[App]):
        """Review and audit rows for every step of every application, through the workflow's own table."""
        ct = self.ct[model]
        review_rows, audit_rows = [], []
        model_name = model._meta.model_name
        kind = kind_for(model)
        filed_by_enterprise = types.SimpleNamespace(review_tiers=TIERS)
        for app in apps:
            status = Status.DRAFT
            for action, t in app.steps:
                step = next(s for s in kind.steps_named(action) if status in s.sources)
                to_status = (step.target(filed_by_enterprise, {}) if callable(step.target) else step.target) or status
                if action in ("submit", "withdraw"):
                    actor = app.user
                elif step.stage == "county":
                    actor = self.county_users[app.enterprise.region_id]
                elif action == "city_prepare":
                    actor = self.staff(app.enterprise, Role.CITY_REVIEWER)
                else:
                    actor = self.staff(app.enterprise, Role.CITY_APPROVER)
                org_name = app.enterprise.name if actor is app.user else actor.organisation.name
                opinion = OPINIONS[action]
                review_rows.append((ct, app.id, app.number, app.enterprise.pk, app.enterprise.region_id, actor.pk,
                                    actor.display_name, org_name, actor.role, step.stage, step.decision,
                                    status, to_status, opinion, {}, t))
                audit_rows.append((t, actor.pk, actor.username, actor.organisation_id, org_name, actor.role,
                                   f"{model_name}.{action}", ct, str(app.id), app.number,
                                   {"status": status}, {"status": to_status},
                                   opinion, ""))
                status = to_status
            if status != app.status:
                raise RuntimeError(f"{app.number}: the generated history ends in {status}, not {app.status}")
        review_ids = self.w.ids(Review, len(review_rows))
        self.w.write(Review, ["id", "content_type_id", "object_id", "subject_label", "organisation_id", "region_id",
                              "actor_id", "actor_name", "organisation_name", "role", "stage", "action", "from_status",
                              "to_status", "opinion", "details", "created_at"],
                     ((i, *r) for i, r in zip(review_ids, review_rows, strict=True)))
        audit_ids = self.w.ids(AuditEntry, len(audit_rows))
        self.w.write(AuditEntry, ["id", "created_at", "actor_id", "actor_name", "organisation_id", "organisation_name",
                                  "role", "action", "content_type_id", "object_id", "object_repr", "before", "after",
                                  "opinion", "request_id"],
                     ((i, *r) for i, r in zip(audit_ids, audit_rows, strict=True)))

    def staff(self, enterprise, role: str):
        """The reviewer or approver of the enterprise's city."""
        return self.city_staff[self.city_of[enterprise.region_id]][role]

    def pool(self, enterprise) -> int:
        return self.pools[self.city_of[enterprise.region_id]]

    def held(self, enterprise) -> int:
        return self.holds[self.city_of[enterprise.region_id]]

    def number(self, prefix: str, t: datetime.datetime) -> str:
        year = timezone.localtime(t).year
        self.sequence[(prefix, year)] += 1
        return f"{prefix}{year}{self.sequence[(prefix, year)]:06d}"

    def entries(self):
        """Half the applications; the approved ones carry exactly the scale's number of lots."""
        self.sequence = Counter({(s.prefix, s.year): s.value for s in NumberSequence.objects.all()})
        n = self.size["applications"] // 2
        lots_wanted = self.size["lots"]
        approved = min(n, -(-lots_wanted * 2 // 3))  # items alternate 1 and 2 per approved entry
        finals = [Status.APPROVED] * approved + [self.pick(OTHER_STATUSES) for _ in range(n - approved)]
        self.rng.shuffle(finals)
        ids = self.w.ids(EntryApplication, n)
        apps, app_rows, item_rows, lot_rows = [], [], [], []
        self.lots = []  # (issue time, lot id, pollutant id, status, quantity, enterprise)
        lots_left, approved_seen = lots_wanted, 0
        pending = []
        for app_id, final in zip(ids, finals, strict=True):
            i = self.rng.randrange(len(self.orgs))
            enterprise, user = self.orgs[i], self.users[i]
            created = self.when(0, DAYS - 75) if final not in (Status.SUBMITTED, Status.COUNTY_APPROVED) else \
                self.when(DAYS - 60, DAYS - 1)
            planned = self.rng.random() < 0.1
            app = App(app_id, "", final, enterprise, user, created)
            self.history(app, final, first_submit=self.later(created, 0.5, 5))
            app.number = self.number("RK", created)
            apps.append(app)
            if final == Status.APPROVED:
                approved_seen += 1
                k = min(lots_left, 1 if approved_seen % 2 else 2)
                if approved_seen == approved:
                    k = lots_left
                lots_left -= k
            else:
                k = self.rng.choice((1, 1, 2))
            pending.append((app, planned, max(k, 1), final == Status.APPROVED and k > 0))
        item_ids = iter(self.w.ids(EntryItem, sum(k for _a, _p, k, _l in pending)))
        lot_ids = iter(self.w.ids(Lot, lots_wanted))
        for app, planned, k, makes_lots in pending:
            region = self.county_by_id[app.enterprise.region_id]
            sheds = list(region.watersheds.all())
            watershed = sheds[0].pk if sheds else None
            decided = app.steps[-1][1] if app.steps else None
            factors = self.rng.sample([p for p, _w in self.factor_weights], k) if k > 1 else \
                [self.pick(self.factor_weights)]
            issue_legs = []
            for pollutant in factors:
                item_id = next(item_ids)
                q = self.qty(1_000_000, 10_000_000)  # 100 to 1,000 t/a (kg/a for heavy metals)
                done = app.created.date() - datetime.timedelta(days=30)
                completion = done + datetime.timedelta(days=400) if planned else done
                lot_id = next(lot_ids) if makes_lots else None
                item_rows.append((item_id, app.id, pollutant.pk, q, "declared", {"quantity": str(q)},
                                  "", "2025年排污许可执行报告；验收监测报告", not planned, completion, "", lot_id))
                if makes_lots:
                    verified = timezone.localtime(decided).date()
                    status = LotStatus.PLANNED if planned else LotStatus.ACTIVE
                    lot_rows.append((lot_id, f"ZB{lot_id:012d}", pollutant.pk, q, app.enterprise.pk,
                                     app.enterprise.region_id, watershed, app.enterprise.industry_id,
                                     SourceKind.PLANNED_REDUCTION if planned else SourceKind.REDUCTION, False, False,
                                     status, verified, valid_until(verified, self.validity),
                                     None if planned else done, "", decided))
                    self.lots.append((decided, lot_id, pollutant.pk, status, q, app.enterprise))
                    issue_legs.append((lot_id, self.accounts[AccountKind.SOURCE], self.pool(app.enterprise), q))
            if issue_legs:
                self.events.append(Event(decided, TransactionKind.ISSUE, issue_legs,
                                         (self.ct[EntryApplication], app.id, app.number),
                                         self.staff(app.enterprise, Role.CITY_APPROVER),
                                         f"入库申请{app.number}批准"))
            submitted = max((t for a, t in app.steps if a == "submit"), default=None)
            app_rows.append((app.id, app.number, app.status, app.enterprise.pk, app.enterprise.region_id, False,
                             app.user.pk, app.created, decided or app.created, submitted,
                             decided if app.status in (Status.APPROVED, Status.REJECTED) else None,
                             SourceKind.PLANNED_REDUCTION if planned else SourceKind.REDUCTION,
                             self.rng.choice(Measure.values), "脱硫脱硝设施提标改造", watershed,
                             app.enterprise.permit_number, "", False, ""))
        self.w.write(EntryApplication, ["id", "number", "status", "applicant_id", "region_id", "filed_by_county",
                                        "created_by_id", "created_at", "updated_at", "submitted_at", "decided_at",
                                        "source_kind", "measure", "measure_description", "watershed_id", "permit_number",
                                        "completion_evidence", "paid", "revoke_reason", "rule_set", "review_tiers",
                                        "power_unit", "evidence_dates", "non_creditable_causes"],
                     ((*row, self.rule_code, TIERS, False, {}, []) for row in app_rows))
        self.w.write(Lot, ["id", "number", "pollutant_id", "quantity", "enterprise_id", "region_id", "watershed_id",
                           "industry_id", "source_kind", "paid", "earmarked", "status", "verified_on", "valid_until",
                           "completed_on", "completion_evidence", "created_at", "power_unit"],
                     ((*row, False) for row in lot_rows))
        self.w.write(EntryItem, ["id", "application_id", "pollutant_id", "quantity", "accounting_method",
                                 "accounting_inputs", "accounting_formula", "accounting_basis", "completed",
                                 "completion_date", "verified_reason", "lot_id"], item_rows)
        self.reviews(EntryApplication, apps)
        self.log(f"entry applications: {n}, lots: {len(lot_rows)}")

    def withdrawals(self):
        """The other half: holds, releases and withdrawals of pool lots, sized so that the ledger reaches the
        scale's number of movements."""
        n = self.size["applications"] - self.size["applications"] // 2
        # (city, pollutant) -> [(issue time, lot id, enterprise)] of active lots in the city's pool, in time order
        by_factor = defaultdict(list)
        for decided, lot_id, pollutant_id, status, _q, enterprise in sorted(self.lots, key=lambda r: r[0]):
            if status == LotStatus.ACTIVE:
                by_factor[(self.city_of[enterprise.region_id], pollutant_id)].append((decided, lot_id, enterprise))
        times = {p: [r[0] for r in rows] for p, rows in by_factor.items()}
        ids = self.w.ids(WithdrawalApplication, n)
        finals = [self.pick(WITHDRAWAL_STATUSES) for _ in range(n)]
        # Ledger transactions of a withdrawal: a hold per submission, then a release or the withdrawal.
        txns = [PATHS[f].count("submit") * 2 - (f in (Status.SUBMITTED, Status.COUNTY_APPROVED))
                for f in finals]
        budget = self.size["movements"] - len(self.lots)
        apps, item_rows, alloc_rows, obligations = [], [], [], []
        self.withdrawal_rows = []  # written once the ledger has given the holds their ids
        accounts = []
        # One in five submitted is returned once more first: two transactions more.
        remaining_txns = sum(txns) + 0.4 * sum(1 for t in txns if t)
        for index, (app_id, final) in enumerate(zip(ids, finals, strict=True)):
            i = self.rng.randrange(len(self.orgs))
            enterprise, user = self.orgs[i], self.users[i]
            created = self.when(120, DAYS - 75) if final not in (Status.SUBMITTED, Status.COUNTY_APPROVED) else \
                self.when(DAYS - 60, DAYS - 1)
            app = App(app_id, self.number("CK", created), final, enterprise, user, created)
            self.history(app, final, first_submit=self.later(created, 0.5, 5))
            apps.append(app)
            submits = [t for a, t in app.steps if a == "submit"]
            # Legs per hold, so that what is left of the movement budget spreads over what is left to post.
            legs_wanted = max(1, round(budget / max(remaining_txns, 1))) if submits else 0
            remaining_txns -= txns[index] + (2 if len(submits) > 1 else 0)
            hold_at = submits[0] if submits else created
            # Factors with lots in the city's pool by the first submission (a draft may name any factor).
            city = self.city_of[enterprise.region_id]
            issued = {p.pk: bisect.bisect(times.get((city, p.pk), []), hold_at) for p, _w in self.factor_weights}
            choosable = [p for p, _w in self.factor_weights if issued[p.pk] or not submits]
            if not choosable:  # nothing in the pool yet: the project was filed but never submitted
                app.steps, app.status, submits, legs_wanted = [], Status.DRAFT, [], 0
                choosable = [p for p, _w in self.factor_weights]
            factors = self.rng.sample(choosable, min(self.rng.choice((1, 1, 2, 3)), len(choosable)))
            picks = {}  # item pollutant -> [(lot id, quantity, enterprise)]
            per_factor = -(-legs_wanted // len(factors))
            for pollutant in factors:
                chosen = self.rng.sample(range(issued[pollutant.pk]), min(per_factor, issued[pollutant.pk]))
                picks[pollutant] = [(by_factor[(city, pollutant.pk)][j][1], self.qty(100, 5000),
                                     by_factor[(city, pollutant.pk)][j][2]) for j in chosen]
            legs = [(lot, q) for rows in picks.values() for lot, q, _e in rows]
            budget -= len(legs) * (2 * len(submits) - (app.status in (Status.SUBMITTED, Status.COUNTY_APPROVED)))
            item_ids = self.w.ids(WithdrawalItem, len(factors))
            for item_id, pollutant in zip(item_ids, factors, strict=True):
                rows = picks.get(pollutant, [])
                ratio = Decimal("2.00") if pollutant.category == PollutantCategory.AIR else Decimal("1.00")
                required = sum((q for _l, q, _e in rows), Decimal("0.0000")) or self.qty(100, 5000)
                item_rows.append((item_id, app.id, pollutant.pk, (required / ratio).quantize(Decimal("0.0001")),
                                  ratio, required, f"曲靖市规则：{pollutant.name}按{ratio}倍削减替代"))
                for lot, q, _e in rows:
                    alloc_rows.append((item_id, lot, q, False))
            hold = self.post_history(app, legs, accounts, obligations, picks)
            self.withdrawal_rows.append((app.id, app.number, app.status, enterprise.pk, enterprise.region_id, False, user.pk,
                             created, app.steps[-1][1] if app.steps else created,
                             max(submits, default=None),
                             app.steps[-1][1] if app.status in (Status.APPROVED, Status.REJECTED) else None,
                             f"{enterprise.name}新建项目{index + 1}", enterprise.industry_id, None,
                             f"{self.city_names[city]}生态环境局",
                             index % 10 == 0, False, index % 4 == 0, False, None, True, "qujing", 2025, False, hold))
        self.w.write(WithdrawalItem, ["id", "application_id", "pollutant_id", "new_emission", "ratio", "required",
                                      "reason"], item_rows)
        self.w.write(Allocation, ["id", "item_id", "lot_id", "quantity", "chosen_by_applicant"],
                     ((i, *r) for i, r in zip(self.w.ids(Allocation, len(alloc_rows)), alloc_rows, strict=True)))
        self.w.write(Account, ["id", "kind", "organisation_id", "reference", "label"], accounts)
        self.w.write(PermitChangeObligation, [
            "id", "enterprise_id", "region_id", "origin_type_id", "origin_id", "origin_label", "transferred", "destination",
            "measure_completed_on",
            "approved_on", "base_date", "working_days", "due_date", "provisional", "status", "created_at", "filed_at",
            "filing_note", "confirmed_at", "permit_number", "permit_version", "recorded_measure", "recorded_reduction",
            "recorded_transfer"],
            ((i, *r) for i, r in zip(self.w.ids(PermitChangeObligation, len(obligations)), obligations, strict=True)))
        self.reviews(WithdrawalApplication, apps)
        self.log(f"withdrawal applications: {n}, allocations: {len(alloc_rows)}, obligations: {len(obligations)}")

    def post_history(self, app: App, legs, accounts, obligations, picks):
        """The ledger events of one withdrawal's review steps; returns the hold in force, if any."""
        subject = (self.ct[WithdrawalApplication], app.id, app.number)
        pool, held = self.pool(app.enterprise), self.held(app.enterprise)
        hold = None
        for action, t in app.steps:
            if not legs:
                break
            if action == "submit":
                hold = Event(t, TransactionKind.HOLD, [(lot, pool, held, q) for lot, q in legs], subject, app.user,
                             f"出库申请{app.number}占用")
                self.events.append(hold)
            elif action in ("county_return", "city_return", "city_reject", "county_reject", "withdraw"):
                actor = {"withdraw": app.user, "county_return": self.county_users[app.enterprise.region_id],
                         "county_reject": self.county_users[app.enterprise.region_id]}.get(
                    action, self.staff(app.enterprise, Role.CITY_APPROVER))
                self.events.append(Event(t, TransactionKind.RELEASE, [(lot, held, pool, q) for lot, q in legs], subject,
                                         actor, f"释放出库申请{app.number}的占用", reverses=hold))
                hold = None
            elif action == "city_approve":
                project_account = self.w.ids(Account, 1)[0]
                accounts.append((project_account, AccountKind.ENTERPRISE, app.enterprise.pk, app.number,
                                 f"{app.enterprise.name}新建项目"))
                self.events.append(Event(t, TransactionKind.WITHDRAW, [(lot, held, project_account, q) for lot, q in legs],
                                         subject, self.staff(app.enterprise, Role.CITY_APPROVER),
                                         f"出库申请{app.number}批准"))
                approved_on = timezone.localtime(t).date()
                transferors = {}
                for pollutant, rows in picks.items():
                    for lot, q, enterprise in rows:
                        transferors.setdefault(enterprise.pk, (enterprise, []))[1].append(
                            {"pollutant": pollutant.code, "unit": pollutant.unit, "lot": f"ZB{lot:012d}",
                             "quantity": str(q)})
                for enterprise, transferred in transferors.values():
                    due = approved_on + datetime.timedelta(days=42)
                    # The bureaus chase overdue changes: of those long past due nearly all are confirmed.
                    chance = 0.97 if due < self.now.date() - datetime.timedelta(days=90) else 0.7
                    confirmed = due < self.now.date() and self.rng.random() < chance
                    obligations.append((
                        enterprise.pk, enterprise.region_id, self.ct[WithdrawalApplication], app.id, app.number,
                        transferred,
                        f"{app.enterprise.name}（{app.number}）", approved_on, approved_on, approved_on, 30, due, False,
                        ObligationStatus.CONFIRMED if confirmed else ObligationStatus.OPEN, t,
                        t if confirmed else None, "", t + datetime.timedelta(days=20) if confirmed else None,
                        f"{enterprise.credit_code}002P" if confirmed else "", "", "", "", ""))
        return hold

    def ledger(self):
        """Put every event in time order, chain the hashes as the posting service does, apply the legs to the
        holdings (never below zero) and write transactions, movements, holdings and the chain head."""
        head = LedgerHead.objects.filter(pk=1).first()
        sequence, previous = (head.sequence, head.hash) if head else (0, "0" * 64)
        if head and LedgerTransaction.objects.filter(created_at__gt=self.start).exists():
            raise RuntimeError("The ledger already has transactions in the generated period.")
        self.events.sort(key=lambda e: e.at)
        txn_ids = self.w.ids(LedgerTransaction, len(self.events))
        for event, txn_id in zip(self.events, txn_ids, strict=True):
            event.id = txn_id
        balance = defaultdict(Decimal)
        txn_rows, movement_rows = [], []
        for event in self.events:
            sequence += 1
            actor_id = event.actor.pk if event.actor else None
            subject = f"{event.subject[0]}:{event.subject[1]}" if event.subject else None
            digest = legs_hash(sequence=sequence, kind=event.kind, created_at=event.at, actor_id=actor_id,
                               reverses_id=event.reverses.id if event.reverses else None, subject=subject,
                               memo=event.memo, legs=event.legs, previous_hash=previous)
            txn_rows.append((event.id, sequence, event.kind, event.at, actor_id,
                             event.actor.username if event.actor else "system", event.memo,
                             event.reverses.id if event.reverses else None, event.subject[0], event.subject[1],
                             event.subject[2], previous, digest))
            for lot, src, dst, q in event.legs:
                if src != self.accounts[AccountKind.SOURCE]:
                    balance[(src, lot)] -= q
                    if balance[(src, lot)] < 0:
                        raise RuntimeError(f"generated ledger would take lot {lot} below zero in account {src}")
                balance[(dst, lot)] += q
                movement_rows.append((event.id, lot, src, dst, q))
            previous = digest
        self.w.write(LedgerTransaction, ["id", "sequence", "kind", "created_at", "actor_id", "actor_name", "memo",
                                         "reverses_id", "subject_type_id", "subject_id", "subject_label", "previous_hash",
                                         "hash"], txn_rows)
        self.w.write(Movement, ["id", "transaction_id", "lot_id", "from_account_id", "to_account_id", "quantity"],
                     ((i, *r) for i, r in zip(self.w.ids(Movement, len(movement_rows)), movement_rows, strict=True)))
        holdings = sorted(balance.items())
        self.w.write(Holding, ["id", "account_id", "lot_id", "quantity"],
                     ((i, a, lot, q) for i, ((a, lot), q) in zip(self.w.ids(Holding, len(holdings)), holdings,
                                                                 strict=True)))
        LedgerHead.objects.update_or_create(pk=1, defaults={"sequence": sequence, "hash": previous})
        self.log(f"ledger: {len(txn_rows)} transactions, {len(movement_rows)} movements, {len(holdings)} holdings")

    def write_withdrawals(self):
        self.w.write(WithdrawalApplication, [
            "id", "number", "status", "applicant_id", "region_id", "filed_by_county", "created_by_id", "created_at",
            "updated_at", "submitted_at", "decided_at", "project_name", "industry_id", "watershed_id", "eia_authority",
            "major_project", "two_high", "clean_energy", "relocation", "stack_height_m", "auto_allocate", "rule_set",
            "quality_year", "relies_on_government", "hold_transaction_id", "review_tiers", "captive_power", "chp_heating"],
            ((*row[:-1], row[-1].id if row[-1] else None, TIERS, False, False) for row in self.withdrawal_rows))

    def notifications(self):
        """Three messages for each generated user (one unread) and fifty for each bureau reviewer."""
        staff = [*self.county_users.values(), *(u for city in self.city_staff.values() for u in city.values())]
        rows = [(u.pk, s, "", "/home/", self.when(0, DAYS), None if k == 0 else self.now, "")
                for u in self.users for k, s in enumerate(("申请已受理", "初审结果通知", "复核结果通知"))]
        rows += [(u.pk, f"待办：第{k + 1}件申请待审核", "", "/entries/", self.when(0, DAYS), None, "")
                 for u in staff for k in range(50)]
        self.w.write(Notification, ["id", "recipient_id", "subject", "body", "link", "created_at", "read_at", "email_error"],
                     ((i, *r) for i, r in zip(self.w.ids(Notification, len(rows)), rows, strict=True)))

    def numbering(self):
        """Later applications and lots continue after the generated numbers."""
        for (prefix, year), value in self.sequence.items():
            NumberSequence.objects.update_or_create(prefix=prefix, year=year, defaults={"value": value})


def monthly_reports() -> int:
    """Each city's report of every month the generated ledger spans, up to the last one ended, stored month by month
    as the monthly job (reserve.province.report_last_month) would have stored them."""
    from accounting.onebook import months_between
    from ledger.models import LedgerTransaction
    from reserve import province

    first = LedgerTransaction.objects.order_by("sequence").values_list("created_at", flat=True).first()
    if first is None:
        return 0
    months = months_between(province.month_of(timezone.localtime(first).date()),
                            province.month_of(timezone.localdate()))[:-1]
    for month in months:
        province.report_month(month)
    return len(months)


def main():
    """`python -m bench.loadgen --scale N`: the dataset, into the benchmark database (never a production one)."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description="Build a deterministic benchmark dataset (at --scale 1: " + ", ".join(
        f"{v:,} {k}" for k, v in AT_SCALE_1.items()) + "). Needs reference data and the demo bureaus "
        "(seed_demo --without-pool) and an empty ledger.")
    parser.add_argument("--scale", type=float, default=0.01, help="1 = city scale (default 0.01)")
    parser.add_argument("--seed", type=int, default=20261121, help="random seed (same seed, same data)")
    parser.add_argument("--cities", type=int, default=1, choices=range(1, len(YUNNAN) + 1), metavar="1-16",
                        help="spread the data over this many of Yunnan's cities (default 1: Qujing, the city scale; "
                             "16 with --scale 10: the province scale)")
    parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")
    args = parser.parse_args()
    from django.conf import settings
    from django.db import connection as db
    from django.db import transaction

    from ledger.models import LedgerTransaction

    if not settings.DEBUG and not args.force:
        raise SystemExit("the load generator fills the database with made-up records; use --force to run it here.")
    if not 0 < args.scale <= 10:
        raise SystemExit("--scale must be more than 0 and at most 10.")
    if Organisation.objects.filter(name__contains=NAME_MARK).exists() or LedgerTransaction.objects.exists():
        raise SystemExit("This database already has a ledger or generated data: start from an empty one "
                         "(migrate, seed_demo --without-pool).")
    started = time.monotonic()
    with transaction.atomic():
        if db.vendor == "postgresql":
            # Millions of rows by COPY: the ledger's invariant triggers (ledger/migrations/0003) would check each row
            # at the commit; they are off for this transaction only, and `verify_ledger` (bench/data.py runs it)
            # checks the same invariants afterwards, all at once.
            with db.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        counts = Generator(args.scale, seed=args.seed, cities=args.cities,
                           log=lambda m: print(f"  {time.monotonic() - started:7.1f} s  {m}")).run()
        if db.vendor == "postgresql":  # the counts the triggers (off) did not keep
            from quota_registry.tallies.sql import recount

            with db.cursor() as cursor:
                recount(cursor)
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"monthly reports to the province: {monthly_reports()} months")
    print(f"scale {args.scale}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
          + f" in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
