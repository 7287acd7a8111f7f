"""Issue 19: the public pages, the public API and the exports read from the read replica through the database
router; a clerk's pages and every write use the primary. The replica's alias is the test database's mirror, a
connection of its own outside the test's transaction: it sees what was committed (the demo), as a replica would."""
import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from quota_registry.documents.excel import render_export
from quota_registry.documents.models import Document, DocumentKind
from quota_registry.replica import ReplicaRouter, replica_reads

pytestmark = pytest.mark.django_db(databases=["default", "replica"])

PUBLIC = ["/public/", "/public/lots/", "/public/province/", "/public/carbon/", "/market/",
          "/api/v1/public/ledger/", "/api/v1/public/log/checkpoint"]


@pytest.fixture(autouse=True)
def _close_replica():
    yield
    connections["replica"].close()  # its own connection to the test database, which is dropped at the end


def _queries(do):
    """What `do` returns, how many tables it read on the primary (the request's transaction and a lock are not
    reads) and how many queries it ran on the replica."""
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as replica:
        result = do()
    reads = [q["sql"] for q in primary.captured_queries if q["sql"].startswith("SELECT") and " FROM " in q["sql"]]
    return result, len(reads), len(replica)


@pytest.mark.parametrize("path", PUBLIC)
def test_a_public_page_reads_from_the_replica_only(client, settings, demo, path):
    settings.PORTAL_READ_REPLICA = True
    response, primary, replica = _queries(lambda: client.get(path))
    assert response.status_code == 200 and replica > 0 and primary == 0, (path, primary, replica)


def test_without_the_replica_everything_reads_from_the_primary(client, demo):
    response, primary, replica = _queries(lambda: client.get("/public/"))
    assert response.status_code == 200 and primary > 0 and replica == 0


def test_a_clerks_pages_and_a_post_use_the_primary(as_user, settings):
    settings.PORTAL_READ_REPLICA = True
    clerk = as_user("city_reviewer")
    response, primary, replica = _queries(lambda: clerk.get("/ledger/"))
    assert response.status_code == 200 and primary > 0 and replica == 0
    # a logged-in user on a public page: who they are comes from the primary, the page from the replica
    response, primary, replica = _queries(lambda: clerk.get("/public/"))
    assert response.status_code == 200 and primary > 0 and replica > 0


def test_an_export_reads_its_rows_from_the_replica(demo, settings):
    settings.PORTAL_READ_REPLICA = True
    document = Document(kind=DocumentKind.EXPORT, title="指标批次", requested_by=demo["city_reviewer"],
                        params={"dataset": "lots", "filters": {}})
    content, primary, replica = _queries(lambda: render_export(document))
    assert content[:2] == b"PK" and replica > 0 and primary == 0


def test_writes_and_migrations_go_to_the_primary(settings):
    settings.PORTAL_READ_REPLICA = True
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Document) == "replica" and router.db_for_write(Document) == "default"
    assert router.db_for_read(Document) == "default"
    assert router.allow_migrate("default", "ledger") and not router.allow_migrate("replica", "ledger")
