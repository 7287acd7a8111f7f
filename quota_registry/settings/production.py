"""docker-compose.yml: PostgreSQL, Redis broker, gunicorn, a Celery worker and Celery beat."""
from .base import *  # noqa: F401,F403
from .base import env, planner_costs, redis_cache

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # required: no default in production
DATABASES = {"default": planner_costs(env.db_url("DATABASE_URL"))}
DATABASES["default"].update(CONN_MAX_AGE=env.int("DB_CONN_MAX_AGE", default=60), CONN_HEALTH_CHECKS=True,
                            ATOMIC_REQUESTS=True)
if env("DATABASE_REPLICA_URL", default=""):  # the streaming replica: public pages, the public API, exports
    DATABASES["replica"] = planner_costs(env.db_url("DATABASE_REPLICA_URL"))
    DATABASES["replica"].update(CONN_MAX_AGE=env.int("DB_CONN_MAX_AGE", default=60), CONN_HEALTH_CHECKS=True)
PORTAL_READ_REPLICA = env.bool("PORTAL_READ_REPLICA", default="replica" in DATABASES)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = False
CACHES = {"default": redis_cache(REDIS_URL)}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_HTTPONLY = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# a production log is signed only with a key the operators provide (PORTAL_LOG_SIGNING_KEY or PORTAL_LOG_KEY_FILE)
PORTAL_LOG_GENERATE_KEY = env.bool("PORTAL_LOG_GENERATE_KEY", default=False)
