"""Benchmarks (bench/): production-like settings (DEBUG off, the Redis cache, a real broker) against the
benchmark database. DATABASE_URL and REDIS_URL come from the environment (bench/common.py sets defaults)."""
from .base import *  # noqa: F401,F403
from .base import DATABASES, LOGGING, VAR_DIR, env

DEBUG = False
for _alias in DATABASES:  # the primary, and the read replica when BENCH_REPLICA_URL names one
    DATABASES[_alias]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)  # as in production
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "bench-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": env("LOG_LEVEL", default="WARNING")}}
