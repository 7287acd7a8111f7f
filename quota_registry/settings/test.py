"""pytest: PostgreSQL and Redis from DATABASE_URL / REDIS_URL (CI sets both; REQUIRE_REAL_SERVICES=1 makes
their absence an error rather than a silent fallback)."""
import tempfile

from .base import *  # noqa: F401,F403
from .base import DATABASES, LOGGING, env

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
