"""The counts PostgreSQL keeps of entry applications by state and of organisations by kind (quota_registry/tallies/)
equal the rows, for every kind of viewer, after inserts, changes of state one by one and in bulk, moves between
counties, deletions and a rolled-back change."""
import pytest
from django.db import transaction
from django.db.models import Count

from ledger.models import Lot
from quota_registry.access import scope
from quota_registry.orgs.models import Organisation, OrganisationKind
from quota_registry.tallies.models import Tally
from quota_registry.tallies.selectors import COUNTED, key, tally
from reserve.models import EntryApplication, WithdrawalApplication

pytestmark = pytest.mark.postgres

VIEWERS = ("province", "city_reviewer", "honghe_reviewer", "county_qilin", "county_gejiu", "ent_qilin")


def rows(user, model) -> dict[str, int]:
    columns = COUNTED[model._meta.db_table]
    return {key(*values): n for *values, n in scope(user, model).order_by().values_list(*columns)
            .annotate(n=Count("pk"))}


def assert_tied(demo):
    for name in VIEWERS:
        for model in (EntryApplication, WithdrawalApplication, Lot, Organisation):
            assert tally(demo[name], model) == rows(demo[name], model), (name, model.__name__)


def test_the_counts_equal_the_rows_through_every_kind_of_change(demo, filed):
    assert Tally.objects.filter(table="orgs_organisation").exists()  # the demo's, counted as they were made
    assert_tied(demo)
    made = [filed()["id"] for _ in range(3)]
    assert_tied(demo)
    before = tally(demo["city_reviewer"], EntryApplication)
    filed(upto="submitted")  # made a draft, then submitted: one more submitted, drafts as they were
    after = tally(demo["city_reviewer"], EntryApplication)
    assert (after["draft"], after["submitted"]) == (before["draft"], before.get("submitted", 0) + 1)
    assert_tied(demo)
    EntryApplication.objects.filter(pk__in=made[1:]).update(status="withdrawn")  # one statement, two rows
    assert_tied(demo)
    huize = demo["county_huize"].organisation.region_id
    EntryApplication.objects.filter(pk=made[1]).update(region_id=huize)  # to another county, same state
    assert tally(demo["county_huize"], EntryApplication).get("withdrawn", 0) >= 1
    assert_tied(demo)
    with transaction.atomic():
        EntryApplication.objects.filter(pk=made[2]).delete()
        assert_tied(demo)
        transaction.set_rollback(True)  # as if never deleted
    assert_tied(demo)
    EntryApplication.objects.filter(pk=made[2]).delete()
    assert_tied(demo)


def test_lots_are_counted_as_issued_and_completed(demo, make_lot):
    before = tally(demo["city_reviewer"], Lot)
    lot = make_lot("3", "SO2", status="planned")
    assert tally(demo["city_reviewer"], Lot)["planned"] == before.get("planned", 0) + 1
    Lot.objects.filter(pk=lot.pk).update(status="active")
    assert tally(demo["city_reviewer"], Lot).get("planned", 0) == before.get("planned", 0)
    assert_tied(demo)


def test_the_workbench_counts_what_waits_by_state_from_the_tallies(demo, filed):
    from quota_registry.review import engine

    filed(upto="submitted")
    entries = next(count for kind, count in engine.waiting_for(demo["county_qilin"]) if kind.model is EntryApplication)
    assert entries == EntryApplication.objects.filter(region=demo["county_qilin"].organisation.region,
                                                      status="submitted").count()


def test_organisations_are_counted_by_kind_and_whether_active(demo):
    city = demo["city_reviewer"]
    enterprises = tally(city, Organisation)[key(OrganisationKind.ENTERPRISE, True)]
    org = demo["ent_qilin"].organisation
    Organisation.objects.filter(pk=org.pk).update(is_active=False)
    assert tally(city, Organisation)[key(OrganisationKind.ENTERPRISE, True)] == enterprises - 1
    assert tally(city, Organisation)[key(OrganisationKind.ENTERPRISE, False)] >= 1
    Organisation.objects.bulk_create([Organisation(kind=OrganisationKind.ENTERPRISE, name=f"计数测试{i}",
                                                   credit_code=f"91530300TALLY{i:05d}", region=org.region,
                                                   industry=org.industry)
                                      for i in range(3)])
    assert tally(city, Organisation)[key(OrganisationKind.ENTERPRISE, True)] == enterprises + 2
    assert_tied(demo)
