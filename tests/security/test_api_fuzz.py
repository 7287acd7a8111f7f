"""API fuzzing: schemathesis generates requests from /api/schema/ for every operation and sends them as each
kind of user (and anonymously); no response may be a server error.

Two depths (FUZZ_DEPTH):
- `quick` (the default, in `make test`): the schema's examples and a few generated cases per operation, each sent
  as every role. About a minute on this machine kind.
- `deep` (`make fuzz`): also schemathesis' coverage phase (boundary values of every field: the longest strings,
  the largest numbers, every enum value and missing field) and many more generated cases. Tens of minutes.
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

FUZZ_ROLES = ["ent_qilin", "county_huize", "city_approver", "city_admin"]
DEEP = os.environ.get("FUZZ_DEPTH", "quick") == "deep"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60" if DEEP else "4"))


@pytest.fixture
def api_schema(db):
    """The real WSGI application; like Django's test client, it must not close the test's connection."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from schemathesis.config import SchemathesisConfig

    config = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": DEEP}}})
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application(), config=config)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def tokens(demo):
    from quota_registry.orgs.token import token_issue

    return {role: token_issue(user=demo[role])[1] for role in FUZZ_ROLES}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
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
