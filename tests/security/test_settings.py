"""Security settings: deploy checks, the Content-Security-Policy with no inline script, login lockout."""
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_checks_pass_with_production_settings():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "quota_registry.settings.production",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
           "REDIS_URL": "redis://127.0.0.1:6379/9", "DJANGO_ALLOWED_HOSTS": "registry.example.gov.cn"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_take_the_read_replica_from_the_environment():
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "quota_registry.settings.production",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "DATABASE_URL": "postgres://registry@postgres:5432/registry",
           "REDIS_URL": "redis://127.0.0.1:6379/9", "DJANGO_ALLOWED_HOSTS": "registry.example.gov.cn"}
    show = ("from django.conf import settings as s; print(sorted(s.DATABASES), s.PORTAL_READ_REPLICA, "
            "s.DATABASES.get('replica', {}).get('HOST'))")
    run = [sys.executable, "manage.py", "shell", "--no-imports", "-c", show]
    without = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True)
    assert without.stdout.split() == ["['default']", "False", "None"], without.stdout + without.stderr
    env["DATABASE_REPLICA_URL"] = "postgres://registry@postgres-replica:5432/registry"
    with_replica = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True)
    assert with_replica.stdout.split() == ["['default',", "'replica']", "True", "postgres-replica"], (
        with_replica.stdout + with_replica.stderr)


def test_csp_header_forbids_inline_script(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'self'" in script and "unsafe" not in script and "unsafe-eval" not in policy
    assert "unsafe-inline" not in re.search(r"style-src ([^;]+)", policy).group(1)
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_inline_script_or_event_handler():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{path.name}: {tag}")
        if re.search(r"\son(submit|click|change|load|input)=", text):
            offenders.append(f"{path.name}: inline event handler")
        if re.search(r'\sstyle="', text):
            offenders.append(f"{path.name}: inline style")
    assert offenders == []


def test_login_lockout_after_five_wrong_passwords(client, demo):
    for _ in range(5):
        client.post(reverse("login"), {"username": "ent_huize", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "ent_huize", "password": "demo12345"})
    assert response.status_code in (403, 429) and "账号已锁定" in response.content.decode()
    other = client.post(reverse("login"), {"username": "ent_qilin", "password": "demo12345"})
    assert other.status_code == 302  # another user name from the same office is not locked


def test_uploads_are_limited_and_checked_by_content(settings):
    assert settings.PORTAL_MAX_UPLOAD_BYTES <= 20 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 25 * 1024 * 1024
    from quota_registry.files.services import sniff

    assert sniff(b"%PDF-1.7\n") == ("application/pdf", "pdf")
    assert sniff(b"<html><script>") is None and sniff(b"MZ\x90\x00") is None
