"""quota_registry/compiled.py: a query compiled once gives, for any values, what the ORM's own query gives; what
it depends on besides is its key; what it is not given as a parameter is refused."""
import pytest
from django.db.models import Count, Exists, OuterRef

from quota_registry.compiled import Compiled
from quota_registry.orgs.models import Organisation, User


def _with_users(pk):
    return (Organisation.objects.filter(pk=pk).order_by("pk")
            .annotate(has_users=Exists(User.objects.filter(organisation=OuterRef("pk"), is_active=True)),
                      n=Count("users")))


def test_a_compiled_query_gives_what_the_orm_gives_for_every_value(demo):
    compiled, built = Compiled(), []
    ids = [*Organisation.objects.values_list("pk", flat=True), 0, -1, 10**9]
    for pk in ids:
        found = compiled.first("users", lambda pk: built.append(pk) or _with_users(pk), pk=pk)
        expected = _with_users(pk).first()
        if expected is None:
            assert found is None, pk
            continue
        assert (found.pk, found.name, found.region_id, found.has_users, found.n) == (
            expected.pk, expected.name, expected.region_id, expected.has_users, expected.n), pk
    assert len(built) == 1  # built once, run with every value


def test_what_a_query_depends_on_besides_its_values_is_its_key(demo):
    compiled, built = Compiled(size=2), []

    def by_kind(kind):
        return lambda pk: built.append(kind) or Organisation.objects.filter(pk__gte=pk, kind=kind).order_by("pk")

    for kind in ("enterprise", "county_bureau"):
        found = compiled.first(kind, by_kind(kind), pk=0)
        assert found == Organisation.objects.filter(kind=kind).order_by("pk").first()
    compiled.first("enterprise", by_kind("enterprise"), pk=0)
    assert built == ["enterprise", "county_bureau"]
    compiled.first("city_bureau", by_kind("city_bureau"), pk=0)  # the least recently used ("county_bureau") goes
    compiled.first("county_bureau", by_kind("county_bureau"), pk=0)
    assert built == ["enterprise", "county_bureau", "city_bureau", "county_bureau"]


def test_a_value_the_query_does_not_take_is_refused(demo):
    with pytest.raises(ValueError, match="region"):
        Compiled().first("x", lambda pk, region: Organisation.objects.filter(pk=pk), pk=1, region=2)


@pytest.mark.django_db(transaction=True)
def test_a_locking_read_holds_the_row_until_the_transaction_ends(is_postgres):
    """A compiled FOR UPDATE takes the row's lock in the caller's transaction: another connection cannot take it
    then, and can once the transaction has ended."""
    import threading

    from django.db import connection, transaction

    from tests.conftest import _ensure_demo

    if not is_postgres:
        pytest.skip("row locks: PostgreSQL")
    _ensure_demo()
    org = Organisation.objects.order_by("pk").first()

    def try_lock(results):
        try:
            with transaction.atomic():
                Organisation.objects.select_for_update(nowait=True, of=("self",)).filter(pk=org.pk).first()
            results.append("taken")
        except Exception as exc:  # noqa: BLE001 - the refusal is what is looked for
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    def other():
        results = []
        thread = threading.Thread(target=try_lock, args=(results,))
        thread.start()
        thread.join()
        return results[0]

    with transaction.atomic():
        locked = Compiled().first("lock", lambda pk: Organisation.objects.select_for_update(of=("self",)).filter(
            pk=pk), pk=org.pk)
        assert locked.pk == org.pk
        assert other().startswith("OperationalError")  # could not obtain the lock (NOWAIT)
    assert other() == "taken"
