"""Demo data for `make run` and acceptance tests: the city bureau, every county bureau, an enterprise in
every county, a third-party reviewer, and demo users (password demo12345). Idempotent: running it again
updates the same rows instead of adding new ones. Never run it on a production database."""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from quota_registry.audit.services import record, snapshot
from quota_registry.notifications.services import notify
from quota_registry.orgs.credit_code import make_code
from quota_registry.orgs.models import SECOND_FACTOR_ROLES, ManagementCategory, Organisation, OrganisationKind, Role, User
from quota_registry.reference.models import Industry, QualityIndicator, Region, Watershed
from quota_registry.reference.services import quality_status_set

DEMO_TOTP_KEY = "717575696e672d64656d6f2d746f7470"  # demo city staff's authenticator key (hex); see demo_totp
PASSWORD = "demo12345"  # noqa: S105 - the documented demo password; the command refuses to run unless DEBUG or --force

# county code -> (user-name suffix, short name used in the bureau's name, demo enterprise, industry code)
COUNTIES = {
    "530302": ("qilin", "麒麟", "曲靖麒麟示范焦化有限公司", "2521"),
    "530303": ("zhanyi", "沾益", "曲靖沾益示范化工有限公司", "2614"),
    "530304": ("malong", "马龙", "曲靖马龙示范水泥有限公司", "3011"),
    "530322": ("luliang", "陆良", "陆良示范糖业有限公司", "1340"),
    "530323": ("shizong", "师宗", "师宗示范煤业有限公司", "0610"),
    "530324": ("luoping", "罗平", "罗平示范锌业有限公司", "3212"),
    "530325": ("fuyuan", "富源", "富源示范火电有限公司", "4411"),
    "530326": ("huize", "会泽", "会泽示范铅锌冶炼有限公司", "3212"),
    "530381": ("xuanwei", "宣威", "宣威示范发电有限公司", "4411"),
    "QJ-ETDZ": ("etdz", "经济技术开发区", "曲靖经开区示范电池有限公司", "3843"),
}
# The second city of the demo province (issue 19): Honghe's bureau, two of its counties with an enterprise each.
HONGHE_COUNTIES = {
    "532501": ("gejiu", "个旧", "个旧示范锡业有限公司", "3214"),
    "532503": ("mengzi", "蒙自", "蒙自示范化工有限公司", "2614"),
}
HONGHE_USERS = [("honghe_admin", Role.CITY_ADMIN, "红河州管理员"), ("honghe_reviewer", Role.CITY_REVIEWER, "红河州审核员"),
                ("honghe_approver", Role.CITY_APPROVER, "红河州审批人")]
CITY_USERS = [("city_admin", Role.CITY_ADMIN, "管理员"), ("city_reviewer", Role.CITY_REVIEWER, "审核员"),
              ("city_approver", Role.CITY_APPROVER, "审批人")]
# Demo quality status for last year: (county code, indicator) pairs that did NOT attain; the rest attained.
NOT_ATTAINED = {("530381", "pm25"), ("530381", "pm10"), ("530302", "o3"), ("530322", "water"), ("530303", "water")}


class Command(BaseCommand):
    help = "Create or refresh the demo organisations and users (password demo12345). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")
        parser.add_argument("--without-pool", action="store_true",
                            help="only organisations and users: no demo entry applications or lots")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates users with a known password; use --force to run it here.")
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            counts = self.seed()
            if not options["without_pool"]:
                counts["entry applications"] = self.seed_pool()
                counts["trades"] = self.seed_market()
                counts["key emitters"] = self.seed_carbon()
        from ledger import log

        counts["log leaves"] = log.publish_checkpoint().tree_size  # the public log signs what the demo posted
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(
                "demo data: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f"; password {PASSWORD}"
            ))

    def org(self, *, credit_code, **fields):
        existing = Organisation.objects.filter(credit_code=credit_code).first()
        org = existing or Organisation(credit_code=credit_code)
        before = snapshot(org) if existing else None
        for name, value in fields.items():
            setattr(org, name, value)
        org.full_clean()
        org.save()
        after = snapshot(org)
        if before != after:
            record(actor=None, action="organisation.seed_demo", obj=org, before=before, after=after)
        return org

    def user(self, username, org, role, name):
        user = User.objects.filter(username=username).first() or User(username=username)
        user.organisation, user.role = org, role
        user.last_name, user.first_name = "", name
        user.email = f"{username}@demo.qujing.example"
        user.is_active = True
        user.is_staff = role == Role.CITY_ADMIN
        user.set_password(PASSWORD)
        created = user.pk is None
        user.full_clean()
        user.save()
        if created:
            record(actor=None, action="user.seed_demo", obj=user, after=snapshot(user))
        if role in SECOND_FACTOR_ROLES:
            TOTPDevice.objects.get_or_create(user=user, name="demo", defaults={"key": DEMO_TOTP_KEY, "confirmed": True})
        if not user.notifications.exists():
            notify(recipients=[user], subject=_("Welcome to the pollutant quota reserve registry"),
                   body=_("Your account %(username)s acts for %(org)s as %(role)s.") % {
                       "username": username, "org": org.name, "role": user.get_role_display()},
                   link="/home/")
        return user

    def seed(self):
        city_region = Region.objects.get(code="530300")
        users = self.seed_city("530300", "曲靖市生态环境局", "曲靖市麒麟区", "0874-0000000", "曲靖市", CITY_USERS, COUNTIES)

        reviewer = self.org(credit_code=make_code("52", "530300", 30000001), kind=OrganisationKind.TECH_REVIEWER,
                            name="曲靖示范环境技术评估中心", region=city_region)
        users.append(self.user("tech_reviewer", reviewer, Role.TECH_REVIEWER, "技术评估员"))
        bank = self.org(credit_code=make_code("91", "530300", 40000001), kind=OrganisationKind.BANK,
                        name="曲靖示范银行麒麟支行", region=city_region, contact_person="公司信贷部",
                        contact_phone="0874-0000001")
        users.append(self.user("bank", bank, Role.BANK_USER, "信贷经理"))
        users += self.seed_city("532500", "红河哈尼族彝族自治州生态环境局", "红河州蒙自市", "0873-0000000", "红河州",
                                HONGHE_USERS, HONGHE_COUNTIES)
        verifier = self.org(credit_code=make_code("91", "530300", 50000001), kind=OrganisationKind.VERIFIER,
                            name="云南示范碳排放核查中心", region=city_region, contact_person="核查部",
                            contact_phone="0871-0000002")
        users.append(self.user("verifier", verifier, Role.VERIFIER, "核查员"))
        province = self.org(credit_code=make_code("11", "530000", 10000001), kind=OrganisationKind.PROVINCE_BUREAU,
                            name="云南省生态环境厅", region=Region.objects.get(code="530000"), address="昆明市",
                            contact_person="总量处", contact_phone="0871-0000000")
        users.append(self.user("province", province, Role.PROVINCE_REVIEWER, "省厅总量处"))
        # who approves what the province arranged: another person than who arranged it (four-eyes)
        users.append(self.user("province_leader", province, Role.PROVINCE_REVIEWER, "省厅分管负责人"))

        admins = {u.city_id: u for u in User.objects.filter(username__in=["city_admin", "honghe_admin"])}
        year = timezone.localdate().year - 1
        for region in Region.objects.filter(level="county", parent__in=list(admins)):
            for indicator in QualityIndicator.values:
                quality_status_set(actor=admins[region.parent_id], region=region, year=year, indicator=indicator,
                                   attains=(region.code, indicator) not in NOT_ATTAINED,
                                   basis=_("Demo data, not official figures"))
        return {"organisations": Organisation.objects.count(), "users": len(users)}

    def seed_city(self, code, name, address, phone, short_name, staff, counties) -> list:
        """A city's bureau and staff, and in each county named its bureau (分局) with a reviewer, and a demo
        enterprise with its user."""
        bureau = self.org(credit_code=make_code("11", code, 10000001), kind=OrganisationKind.CITY_BUREAU, name=name,
                          region=Region.objects.get(code=code), address=address, contact_person="总量科",
                          contact_phone=phone)
        users = [self.user(u, bureau, role, person) for u, role, person in staff]
        serial = 20000000
        for county_code, (slug, short, ent_name, industry_code) in counties.items():
            region = Region.objects.get(code=county_code)
            division = county_code if region.national_code else code
            serial += 1
            office = self.org(credit_code=make_code("11", division, serial), kind=OrganisationKind.COUNTY_BUREAU,
                              name=f"{short_name}生态环境局{short}分局", region=region, contact_person="环境管理股",
                              contact_phone=phone)
            users.append(self.user(f"county_{slug}", office, Role.COUNTY_REVIEWER, f"{short}审核员"))
            serial += 1
            enterprise = self.org(
                credit_code=make_code("91", division, serial), kind=OrganisationKind.ENTERPRISE, name=ent_name,
                region=region, industry=Industry.objects.get(code=industry_code),
                permit_number=f"{make_code('91', division, serial)}001P", management_category=ManagementCategory.KEY,
                address=f"{region.name}示范工业园", contact_person="环保专员", contact_phone="13800000000")
            users.append(self.user(f"ent_{slug}", enterprise, Role.ENTERPRISE_USER, f"{short}企业专员"))
        return users

    def seed_pool(self) -> int:
        """Demo entry applications filed, reviewed and approved through the real services, so that the pool,
        the ledger and the inboxes have something to show. Only once: skipped when they exist."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from quota_registry.review import engine
        from reserve.entries import entry_create
        from reserve.models import EntryApplication

        if EntryApplication.objects.filter(measure_description__startswith=DEMO_MARK).exists():
            return EntryApplication.objects.filter(measure_description__startswith=DEMO_MARK).count()
        counties = [*COUNTIES.values(), *HONGHE_COUNTIES.values()]
        users = {u.username: u for u in User.objects.filter(username__in=[
            "city_reviewer", "city_approver", *[u for u, _r, _n in HONGHE_USERS], *[f"county_{v[0]}" for v in counties],
            *[f"ent_{v[0]}" for v in counties]])}
        today = timezone.localdate()
        done = today.replace(day=1) - timezone.timedelta(days=40)
        for filer, enterprise, source_kind, measure, rows, watershed, upto in DEMO_ENTRIES:
            actor = users[filer]
            items = [{"pollutant": code, "quantity": q, "accounting_method": "declared", "completion_date": (
                today + timezone.timedelta(days=120) if source_kind == "planned_reduction" else done).isoformat(),
                "accounting_basis": _("Demo data, not official figures")} for code, q in rows]
            data = {"source_kind": source_kind, "measure": measure, "watershed": Watershed.objects.filter(code=watershed).first(),
                    "measure_description": f"{DEMO_MARK}{_('Demo data, not official figures')}"}
            pdf = SimpleUploadedFile("demo-evidence.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
            application = entry_create(actor=actor, data=data, items=items, files=[pdf],
                                       enterprise=users[enterprise].organisation)
            # four-eyes: the city reviewer prepares, the approver decides
            steps = ["submit"] + ([] if application.filed_by_county else ["county_approve"]) + ["city_prepare",
                                                                                                   "city_approve"]
            city = "honghe" if users[enterprise].username[4:] in {v[0] for v in HONGHE_COUNTIES.values()} else "city"
            deciders = {"city_prepare": users[f"{city}_reviewer"], "city_approve": users[f"{city}_approver"]}
            for action in steps[:{"submitted": 1, "approved": len(steps)}[upto]]:
                who = actor if action == "submit" else deciders.get(action) or \
                    users[f"county_{users[enterprise].username[4:]}"]
                engine.perform(actor=who, model=EntryApplication, pk=application.pk, action=action,
                               data={"opinion": _("Demo data, not official figures")})
        return len(DEMO_ENTRIES)


    def seed_carbon(self) -> int:
        """Two key emitters (seed 004): a power plant whose last year's report was verified, reviewed and covered by
        allowances and CCER, and a coking plant whose report waits for a verifier. Only once."""
        from decimal import Decimal

        from carbon import services as carbon
        from carbon.models import EmissionReport, KeyEmitter
        from quota_registry.review import engine

        if KeyEmitter.objects.exists():
            return KeyEmitter.objects.count()
        users = {u.username: u for u in User.objects.filter(username__in=[
            "city_reviewer", "city_approver", "ent_fuyuan", "ent_qilin", "verifier"])}
        year = timezone.localdate().year - 1
        demo = _("Demo data, not official figures")
        power = carbon.unit_list(actor=users["city_reviewer"], enterprise=users["ent_fuyuan"].organisation,
                                 year=year - 2, emissions="512345.6", reason=demo)
        coke = carbon.unit_list(actor=users["city_reviewer"], enterprise=users["ent_qilin"].organisation,
                                year=year - 1, emissions="88000", reason=demo)
        for unit, user, emitted, energy in ((power, "ent_fuyuan", "498765.4321", "201234"),
                                            (coke, "ent_qilin", "86400", "35000")):
            report = carbon.report_create(actor=users[user], unit=unit, year=year, reported_emissions=emitted,
                                          energy_tce=energy, sources=demo, basis=demo)
            engine.perform(actor=users[user], model=EmissionReport, pk=report.pk, action="submit")
        report = power.reports.get()
        engine.perform(actor=users["city_reviewer"], model=EmissionReport, pk=report.pk, action="assign",
                       data={"verifier": users["verifier"].organisation_id})
        engine.perform(actor=users["verifier"], model=EmissionReport, pk=report.pk, action="verify",
                       data={"verified_emissions": "498765.4321", "findings": demo})
        engine.perform(actor=users["city_approver"], model=EmissionReport, pk=report.pk, action="accept")
        carbon.allowance_record(actor=users["city_reviewer"], unit=power, year=year, quantity="480000", source=demo)
        carbon.surrender_record(actor=users["ent_fuyuan"], unit=power, year=year, allowances="480000",
                                ccer=str(Decimal("18765.4321")), registry_reference=demo)
        provider = carbon.provider_register(
            actor=users["city_reviewer"], name=users["verifier"].organisation.name,
            credit_code=users["verifier"].organisation.credit_code, services=["verification"],
            registered_on=timezone.localdate().replace(month=1, day=1), organisation=users["verifier"].organisation)
        carbon.inspection_record(actor=users["city_reviewer"], provider=provider, inspected_on=timezone.localdate(),
                                 subject=demo, findings=demo, outcome="satisfactory")
        return KeyEmitter.objects.count()

    def seed_market(self) -> int:
        """A sale from the reserve to ent_qilin through the whole procedure (published: the market statistics show
        it), a paid-use fee partly paid, a pledge of part of what was bought registered for the demo bank, and an
        entry of the city's list; all through the real services and the engine. Only once."""
        import datetime
        from decimal import Decimal

        from django.core.files.uploadedfile import SimpleUploadedFile

        from ledger.models import AccountKind, Holding
        from quota_registry.orgs.models import Restriction
        from quota_registry.orgs.services import restriction_create
        from quota_registry.review import engine
        from trading import fees, pledges, trades
        from trading.models import Deal, PaidUseFee, Pledge, Trade, TradeParty

        if Trade.objects.exists():
            return Trade.objects.count()
        users = {u.username: u for u in User.objects.filter(username__in=[
            "city_reviewer", "city_approver", "county_qilin", "ent_qilin", "bank"])}
        ent = users["ent_qilin"].organisation
        holding = (Holding.objects.filter(account__kind=AccountKind.POOL, lot__pollutant__code="SO2", quantity__gte=20)
                   .select_related("lot__pollutant").first())
        if holding is None:
            return 0
        why = _("Demo data, not official figures")

        def act(user, model, pk, action, **data):
            engine.perform(actor=users[user], model=model, pk=pk, action=action, data=data)

        trade = trades.trade_create(actor=users["city_reviewer"], pollutant=holding.lot.pollutant,
                                    lots=[(holding.lot, Decimal("20"))])
        act("city_reviewer", Trade, trade.pk, "announce")
        act("ent_qilin", Trade, trade.pk, "interest", wanted_quantity="20")
        act("county_qilin", TradeParty, trade.parties.get().pk, "qualify", opinion=why)
        act("city_reviewer", Trade, trade.pk, "method", method="negotiated", reason=why)
        act("city_reviewer", Trade, trade.pk, "close", buyer=ent.pk, quantity="20", unit_price="1260")
        act("city_reviewer", Trade, trade.pk, "contract", contract_number="QJPW-DEMO-001")
        paid = timezone.now()  # through the third party, just now
        act("city_reviewer", Trade, trade.pk, "settle", deal=Deal.objects.get(trade=trade).pk,
            buyer_paid_at=paid.isoformat(), seller_paid_at=paid.isoformat())
        act("city_approver", Trade, trade.pk, "confirm")
        act("city_reviewer", Trade, trade.pk, "publish")

        fee = fees.fee_create(actor=users["city_reviewer"], enterprise=ent, pollutant=holding.lot.pollutant,
                              quantity="20", amount_due="8000", due_date=timezone.localdate() + datetime.timedelta(30),
                              basis=f"{DEMO_MARK}{why}")
        act("city_reviewer", PaidUseFee, fee.pk, "pay", amount="3000", paid_on=timezone.localdate().isoformat(),
            receipt="DEMO-0001")
        pledge = pledges.pledge_create(
            actor=users["ent_qilin"], bank=users["bank"].organisation, lot=holding.lot, quantity="8",
            contract_number="QJYH-DEMO-DY-01", secured_amount="600000", starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + datetime.timedelta(days=365),
            files=[SimpleUploadedFile("demo-contract.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")])
        act("city_reviewer", Pledge, pledge.pk, "register", opinion=why)
        if not Restriction.objects.exists():
            restriction_create(actor=users["city_reviewer"], kind="credit_red",
                               organisation=User.objects.get(username="ent_zhanyi").organisation,
                               reason=f"{DEMO_MARK}{why}", source="曲环信用〔演示〕1号",
                               valid_from=timezone.localdate() - datetime.timedelta(days=10))
        return Trade.objects.count()


DEMO_MARK = "【演示】"
# (filer, enterprise, source kind, measure, [(factor, quantity)], watershed, how far it goes)
DEMO_ENTRIES = [
    ("ent_qilin", "ent_qilin", "reduction", "treatment", [("SO2", "100"), ("NOX", "80")], None, "approved"),
    ("ent_huize", "ent_huize", "reduction", "process_change", [("PB", "50"), ("CD", "5")], "niulan", "approved"),
    ("ent_xuanwei", "ent_xuanwei", "reduction", "treatment", [("COD", "30"), ("NH3N", "3")], "beipan", "approved"),
    ("ent_fuyuan", "ent_fuyuan", "reduction", "shutdown", [("SO2", "200"), ("PM", "60")], None, "approved"),
    ("ent_luliang", "ent_luliang", "planned_reduction", "source_substitution", [("COD", "10")], "nanpan", "approved"),
    ("county_luoping", "ent_luoping", "abandoned", "other", [("PB", "8")], None, "approved"),
    ("ent_zhanyi", "ent_zhanyi", "reduction", "treatment", [("VOCS", "12")], None, "submitted"),
    ("ent_gejiu", "ent_gejiu", "reduction", "treatment", [("SO2", "150"), ("COD", "20")], "nanpan", "approved"),
    ("ent_mengzi", "ent_mengzi", "reduction", "shutdown", [("NOX", "60"), ("COD", "15")], "yuanjiang", "approved"),
]
