"""Benchmarks (bench/): production-like settings (DEBUG off, the Redis cache, a real broker) against the
benchmark database. DATABASE_URL and REDIS_URL come from the environment (bench/common.py sets defaults)."""
from .base import *  # noqa: F401,F403
from .base import LOGGING, VAR_DIR, env

DEBUG = False
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "bench-media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": env("LOG_LEVEL", default="WARNING")}}
