"""pytest: PostgreSQL and Redis from DATABASE_URL / REDIS_URL (CI sets both; REQUIRE_REAL_SERVICES=1 makes
their absence an error rather than a silent fallback)."""
import os
import re
import tempfile

# Run in parallel (pytest -n 2), each worker process has a database of its own (pytest-django) and a Redis database
# of its own: the cache a test clears and the broker a test's worker reads are not the other process's.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = re.sub(r"/(\d+)$", lambda m: f"/{(int(m.group(1)) - int(_WORKER[2:])) % 16}",
                                     os.environ["REDIS_URL"])

from .base import *  # noqa: E402, F401,F403
from .base import DATABASES, LOGGING, env  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=tempfile.mkdtemp(prefix="quota-registry-test-media-"))
# Tests run tasks in-process by default; tests marked `redis` start a real worker against REDIS_URL.
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": env("LOG_LEVEL", default="WARNING")}}
PORTAL_LOG_KEY_FILE = env.path("PORTAL_LOG_KEY_FILE", default=tempfile.mkdtemp(prefix="quota-registry-test-key-")
                               + "/log-signing.key")
# The replica's alias is the test database itself (Django's test mirror); reads are routed to it only where a test
# turns PORTAL_READ_REPLICA on (tests/quota_registry/test_replica.py).
DATABASES["replica"] = {**DATABASES["default"], "ATOMIC_REQUESTS": False, "TEST": {"MIRROR": "default"}}
PORTAL_READ_REPLICA = False
