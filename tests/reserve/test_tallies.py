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


def test_compaction_folds_the_changes_and_keeps_the_counts(demo, filed):
    from django.db import connection

    from quota_registry.tallies.sql import compact

    made = [filed()["id"] for _ in range(2)]
    EntryApplication.objects.filter(pk__in=made).update(status="withdrawn")
    EntryApplication.objects.filter(pk=made[0]).update(status="draft")
    before, rows = tally(demo["city_reviewer"], EntryApplication), Tally.objects.count()
    with transaction.atomic(), connection.cursor() as cursor:
        assert compact(cursor)
    assert Tally.objects.count() < rows
    assert not Tally.objects.filter(n=0).exists()  # a key whose changes sum to nothing is gone
    assert tally(demo["city_reviewer"], EntryApplication) == before
    assert_tied(demo)


@pytest.mark.django_db(transaction=True)
def test_two_writers_changing_states_in_opposite_orders_do_not_wait_for_each_other():
    """Each transaction changes two applications' states in the same county, in an order that would deadlock if a
    count were a row each writer locked; appended counts let both commit, and the counts still tie out."""
    import threading

    from django.db import connections

    from tests.conftest import _ensure_demo

    _ensure_demo()
    from quota_registry.orgs.models import User

    demo = {u.username: u for u in User.objects.select_related("organisation")}
    org = demo["ent_qilin"].organisation
    base = {"applicant": org, "region": org.region, "source_kind": "reduction", "measure": "treatment",
            "measure_description": "计数并发", "rule_set": "qujing", "created_by": demo["ent_qilin"]}
    x, y, z, w = (EntryApplication.objects.create(number=f"TALLY{i}", status=s, **base).pk
                  for i, s in enumerate(("draft", "submitted", "submitted", "draft")))
    barrier, errors = threading.Barrier(2, timeout=10), []

    def writer(first, second):
        try:
            with transaction.atomic():
                EntryApplication.objects.filter(pk=first[0]).update(status=first[1])
                barrier.wait()
                EntryApplication.objects.filter(pk=second[0]).update(status=second[1])
        except Exception as exc:  # noqa: BLE001 (a deadlock or a timeout is the failure looked for)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=((x, "withdrawn"), (z, "rejected"))),
               threading.Thread(target=writer, args=((y, "returned"), (w, "rejected")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert dict(EntryApplication.objects.filter(pk__in=[x, y, z, w]).values_list("pk", "status")) == {
        x: "withdrawn", y: "returned", z: "rejected", w: "rejected"}
    assert_tied(demo)
