"""API fuzzing: schemathesis generates requests from /api/schema/ for every operation and sends them
as each kind of user (and anonymously); no response may be a server error. Bounded: a few examples per
operation, so the run stays well under a minute in CI."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

FUZZ_ROLES = ["ent_qilin", "county_huize", "city_approver", "city_admin"]


@pytest.fixture
def api_schema(db):
    """The real WSGI application; like Django's test client, it must not close the test's connection."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def tokens(demo):
    from rest_framework.authtoken.models import Token

    return {role: Token.objects.get_or_create(user=demo[role])[0].key for role in FUZZ_ROLES}


@schema.parametrize()
@settings(max_examples=3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_error(case, tokens):
    failures = []
    for role, token in [("anonymous", None), *tokens.items()]:
        headers = {"Authorization": f"Token {token}"} if token else {}
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} as {role}: {response.status_code} "
                            f"{response.text[:300]}")
    assert failures == [], "\n".join(failures)
