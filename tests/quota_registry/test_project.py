"""Project-level checks: translations complete, API schema valid, seed idempotent, deployment files sane."""
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_has_a_chinese_translation():
    import polib

    po = polib.pofile(str(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"))
    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    assert untranslated == []


def test_catalogue_is_up_to_date_with_the_code(tmp_path):
    """Every translatable string in the code is in the .po file (run `manage.py makemessages -l zh_Hans`)."""
    import shutil
    import subprocess

    import polib

    if not shutil.which("xgettext"):
        pytest.fail("gettext is not installed (make installs it)")
    work = tmp_path / "proj"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".venv", "var", ".git", "node_modules", "*.mo"))
    subprocess.run([str(ROOT / ".venv/bin/python"), "manage.py", "makemessages", "-l", "zh_Hans",
                    "--ignore=.venv", "--ignore=var", "--no-obsolete"], cwd=work, check=True, capture_output=True)
    fresh = {e.msgid for e in polib.pofile(str(work / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    committed = {e.msgid for e in polib.pofile(str(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po")) if not e.obsolete}
    assert fresh - committed == set()


def test_openapi_schema_and_docs(api, db):
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/v1/pollutants/", "/api/v1/regions/", "/api/v1/quality-status/", "/api/v1/auth/token/",
                 "/api/v1/organisations/{id}/"]:
        assert path in paths
    docs = api.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()  # assets served locally


def test_schema_generation_has_no_warnings(capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_token_auth(api, demo):
    response = api.post("/api/v1/auth/token/", {"username": "ent_qilin", "password": "demo12345"}, format="json")
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/").json()
    assert me["role"] == "enterprise_user" and me["organisation"]["name"] == demo["ent_qilin"].organisation.name
    assert api.post("/api/v1/auth/token/", {"username": "ent_qilin", "password": "x"}, format="json").status_code == 400


def test_seed_demo_is_idempotent(demo):
    from quota_registry.audit.models import AuditEntry
    from quota_registry.orgs.models import Organisation, User
    from quota_registry.reference.models import QualityStatus

    counts = [m.objects.count() for m in (Organisation, User, QualityStatus, AuditEntry)]
    call_command("seed_demo", force=True, without_pool=True, verbosity=0)
    assert [m.objects.count() for m in (Organisation, User, QualityStatus, AuditEntry)] == counts
    assert {"city_admin", "city_reviewer", "city_approver", "county_qilin", "county_huize", "county_xuanwei",
            "ent_qilin", "ent_huize", "ent_xuanwei"} <= set(demo)
    assert demo["ent_qilin"].organisation.region.code == "530302"
    assert demo["ent_huize"].organisation.region.code == "530326"
    assert demo["ent_xuanwei"].organisation.region.code == "530381"
    assert demo["county_huize"].organisation.region.code == "530326"
    from quota_registry.reference.models import Region

    counties = set(Region.objects.filter(level="county", parent__code="530300").values_list("pk", flat=True))
    counties |= set(Region.objects.filter(code__in=["532501", "532503"]).values_list("pk", flat=True))  # Honghe's two
    with_enterprise = set(Organisation.objects.filter(kind="enterprise").values_list("region", flat=True))
    with_bureau = set(Organisation.objects.filter(kind="county_bureau").values_list("region", flat=True))
    assert counties == with_enterprise == with_bureau


def test_docker_compose_runs_every_process_from_one_image():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    app_services = ["migrate", "web", "worker", "beat"]
    assert {services[s]["image"] for s in app_services} == {"quota-registry:latest"}
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "quota_registry", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "quota_registry", "beat"]
    for s in app_services:
        env = services[s]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "quota_registry.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
    assert (ROOT / "Dockerfile").exists()


def test_production_settings_refuse_to_start_without_secrets():
    import subprocess
    import sys

    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "quota_registry.settings.production"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_seed_demo_fills_the_pool_through_the_services_once(demo):
    from ledger.models import Lot
    from ledger.verification import verify
    from reserve.models import EntryApplication

    call_command("seed_demo", force=True, verbosity=0)
    approved = EntryApplication.objects.filter(status="approved").count()
    assert approved == 8 and EntryApplication.objects.filter(status="submitted").count() == 1
    assert EntryApplication.objects.filter(status="approved", region__parent__code="532500").count() == 2  # Honghe
    lots = Lot.objects.count()
    assert Lot.objects.filter(status="planned").count() == 1 and Lot.objects.filter(earmarked=True).count() == 1
    call_command("seed_demo", force=True, verbosity=0)
    assert Lot.objects.count() == lots and EntryApplication.objects.count() == 9
    assert verify().ok
