"""Shared fixtures. The suite runs on PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (make
test sets them when the local services answer; CI always does and sets REQUIRE_REAL_SERVICES=1, which
turns a missing service into an error instead of a fallback)."""
import os

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from quota_registry.orgs.models import User
from quota_registry.orgs.twofactor import mark_session_verified

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop in the test thread

DEMO_PASSWORD = "demo12345"
REQUIRE_REAL = os.environ.get("REQUIRE_REAL_SERVICES") == "1"


def pytest_configure(config):
    if REQUIRE_REAL:
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            raise pytest.UsageError("REQUIRE_REAL_SERVICES=1 but DATABASE_URL is not PostgreSQL")
        if not settings.REDIS_URL:
            raise pytest.UsageError("REQUIRE_REAL_SERVICES=1 but REDIS_URL is not set")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` or `redis` need those services; without them they are skipped locally,
    and fail in CI (REQUIRE_REAL_SERVICES=1) rather than being skipped."""
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres and not REQUIRE_REAL:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "redis" in item.keywords and not settings.REDIS_URL and not REQUIRE_REAL:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set REDIS_URL)"))


SNAPSHOT_SCHEMA = "demo_snapshot"
_snapshot: list[str] | None = None  # the tables the demo seed filled, copied into SNAPSHOT_SCHEMA (PostgreSQL)


def _ensure_demo():
    """The reference data and the demo's organisations and users. A transactional test empties every table after
    it (and post_migrate makes the content types again): the first seed is copied into a schema of its own, and on
    PostgreSQL later calls put that copy back (about 50 ms) instead of seeding again through the services (2.4 s,
    once for each of some hundred transactional tests)."""
    if User.objects.filter(username="city_admin").exists():
        return
    if _snapshot is not None:
        _restore_demo()
        return
    from quota_registry.reference.loader import load

    load()  # a transactional test flushes the tables, reference data included
    call_command("seed_demo", force=True, without_pool=True, verbosity=0)
    _snapshot_demo()


def _snapshot_demo():
    global _snapshot
    if connection.vendor != "postgresql":
        return
    filled = []
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        for table in connection.introspection.django_table_names(only_existing=True):
            cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')
            if cursor.fetchone()[0]:
                cursor.execute(f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table}" AS TABLE public."{table}"')
                filled.append(table)
    _snapshot = filled


def _restore_demo():
    """Every table as the first seed left it, ids included: what post_migrate made after the flush (content types,
    permissions) is emptied first; the foreign keys and the ledger's triggers are off while the rows go back (they
    were checked when the seed wrote them); the sequences have only moved on since, so new rows never collide."""
    from django.contrib.contenttypes.models import ContentType

    tables = connection.introspection.django_table_names(only_existing=True)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables))
            for table in _snapshot:
                cursor.execute(f'INSERT INTO public."{table}" SELECT * FROM {SNAPSHOT_SCHEMA}."{table}"')
        finally:
            cursor.execute("SET session_replication_role = origin")
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _ensure_demo()


@pytest.fixture
def demo(db):
    """The demo organisations and users of `manage.py seed_demo`."""
    _ensure_demo()
    return {u.username: u for u in User.objects.select_related("organisation", "organisation__region")}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_user(demo):
    """A Django test client logged in as a demo user: `as_user("ent_qilin")`."""
    from django.test import Client

    def login(username):
        client = Client()
        client.force_login(demo[username])
        mark_session_verified(client.session, demo[username])
        return client

    return login


def current_code(username):
    """The code an authenticator app would show. django-otp refuses a code of a time step already used
    (replay protection): when this user logged in during the current 30 s, take the next step's code,
    which is within the accepted tolerance, as an app would show a moment later."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    if generator.t() <= device.last_t:
        generator.time = (device.last_t + 1) * device.step + device.t0
    return f"{generator.token():06d}"


@pytest.fixture
def api_as(demo):
    """A DRF client authenticated with the user's token, as an integrator would."""
    from quota_registry.orgs.token import token_issue

    keys = {}

    def login(username):
        client = APIClient()
        if username not in keys:
            keys[username] = token_issue(user=demo[username])[1]
        client.credentials(HTTP_AUTHORIZATION=f"Token {keys[username]}")
        return client

    return login


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def reset_broker_connections():
    from quota_registry.celery import app

    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_on_redis(settings):
    """Tasks leave the process: Celery (configured from Django settings) sends them through the real
    Redis broker, so a worker has to pick them up. Start one with celery.contrib.testing.worker."""
    from quota_registry.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    reset_broker_connections()
    assert not app.conf.task_always_eager and app.conf.broker_url == settings.REDIS_URL
    yield app
    reset_broker_connections()


@pytest.fixture
def work_left_to_the_worker(monkeypatch):
    """Messages sent after a commit (forms to render, e-mails) stay with the broker instead of running in the test's
    own process: for tests of locks and the ledger, where rendering dozens of PDFs would only cost time. (The
    rendering itself is tested in tests/documents.)"""
    from quota_registry import outbox

    sent = []
    monkeypatch.setattr(outbox, "send_now", lambda task, *args, lease=None: sent.append((task, args)) or True)
    return sent
