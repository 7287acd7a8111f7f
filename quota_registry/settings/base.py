from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # SQLite database, uploaded files and collected static files of `make run`
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "quota_registry.tallies",
    "quota_registry.reference",
    "quota_registry.orgs",
    "quota_registry.audit",
    "quota_registry.notifications",
    "quota_registry.review",
    "quota_registry.files",
    "quota_registry.documents",
    "quota_registry.portal",
    "ledger",
    "reserve",
    "trading",
    "carbon",
]

MIDDLEWARE = [
    "quota_registry.middleware.RequestIdMiddleware",
    "quota_registry.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "quota_registry.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "quota_registry.orgs.twofactor.RequireSecondFactorMiddleware",
    "quota_registry.replica.ReplicaReadsMiddleware",
    "quota_registry.middleware.InputGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Login lockout (django-axes): 5 wrong passwords for a user name lock it for 30 minutes. Locked by user
# name, not by address: a county bureau's staff share one office address.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
# axes.W006 warns that a lockout without the address can be evaded by rotating user agents or cookies; a
# lockout by user name locks that name whatever the client sends, which is what is wanted here.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Content-Security-Policy (django-csp): no inline scripts anywhere; the pages' behaviour is in
# static/js/portal.js. Only the vendored Swagger UI page (/api/docs/) is exempt.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
        # ECharts positions its tooltips and canvases with style attributes set from the vendored script;
        # style attributes cannot run code. <style> elements and every script stay 'self' only.
        "style-src-attr": ["'unsafe-inline'"], "img-src": ["'self'", "data:"],
        "font-src": ["'self'"], "connect-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'self'"],
        "form-action": ["'self'"], "frame-ancestors": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

ROOT_URLCONF = "quota_registry.urls"
WSGI_APPLICATION = "quota_registry.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "quota_registry.portal.context.portal",
            ],
        },
    },
]


def planner_costs(database: dict) -> dict:
    """PostgreSQL's planner assumes spinning disks (random_page_cost 4): with the ledger on SSD or in memory it
    then prefers hashing all 20,000 lots and 15,000 accounts over a few hundred index lookups, and the ledger
    page's movements took 10 ms instead of 1 ms at city scale (docs/benchmarks.md). DB_RANDOM_PAGE_COST sets it."""
    if database["ENGINE"].endswith("postgresql"):
        cost = env("DB_RANDOM_PAGE_COST", default="1.1")
        database.setdefault("OPTIONS", {})["options"] = f"-c random_page_cost={float(cost)}"
    return database


# DATABASE_URL switches to PostgreSQL (postgres://user@host:5432/name); default SQLite on disk.
DATABASES = {
    "default": planner_costs(env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")),
}
# Every request is one transaction: what a page or an API call answers is computed before its work commits, so a
# request whose work committed has its answer ready (nothing after the commit can fail it), and one that fails
# before committing leaves nothing behind. Connections are checked before reuse (after a restart or a
# pg_terminate_backend the next request reconnects instead of failing).
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A read replica (issue 19): DATABASE_REPLICA_URL names a streaming replica of the primary; the public pages, the
# public API and the exports read from it, everything else from the primary (quota_registry/replica.py).
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = planner_costs(env.db_url("DATABASE_REPLICA_URL"))
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
PORTAL_READ_REPLICA = env.bool("PORTAL_READ_REPLICA", default="replica" in DATABASES)
PORTAL_REPLICA_PATHS = ["/public/", "/api/v1/public/", "/market/"]
DATABASE_ROUTERS = ["quota_registry.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
OTP_TOTP_ISSUER = "曲靖市主要污染物总量指标储备库"
LOGOUT_REDIRECT_URL = "portal:landing"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: uploaded files go through scoped views
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# REDIS_URL switches Celery to a real broker and the cache to Redis; without it tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Daily jobs (production: celery beat; make run: `manage.py send_reminders` / `manage.py expire_lots`).
CELERY_BEAT_SCHEDULE = {
    "outbox": {"task": "quota_registry.portal.tasks.sweep_outbox", "schedule": 60.0},
    "permit-change-reminders": {"task": "trading.tasks.send_permit_change_reminders",
                                "schedule": crontab(hour=7, minute=30)},
    "lot-expiry": {"task": "reserve.tasks.expire_lots", "schedule": crontab(hour=1, minute=0)},
    # the 1st of each month: last month's report (and on 1 January the year's statistics)
    "reports": {"task": "reserve.tasks.scheduled_reports", "schedule": crontab(day_of_month=1, hour=2, minute=0)},
    # the province's one-ledger: this month's figures summed again (the page shows them as of then)
    "one-ledger": {"task": "reserve.tasks.refresh_one_ledger", "schedule": 300.0},
    # the counts the home page and the workbench read: the changes appended since folded into one row each
    "tallies": {"task": "quota_registry.tallies.tasks.compact_tallies", "schedule": 300.0},
    # the public log: every transaction in a signed checkpoint within a minute; the nightly reconciliation
    "log-checkpoint": {"task": "ledger.tasks.publish_checkpoint", "schedule": 30.0},
    "log-reconcile": {"task": "ledger.tasks.reconcile_log", "schedule": crontab(hour=3, minute=0)},
    # carbon (seed 004): reminders before the surrender deadline, credit marks after it
    "carbon-compliance": {"task": "carbon.tasks.carbon_compliance", "schedule": crontab(hour=7, minute=45)},
}

def redis_cache(url: str) -> dict:
    """The cache on Redis, failing open (quota_registry/cache.py): with Redis unreachable, pages are computed."""
    return {"BACKEND": "quota_registry.cache.ResilientRedisCache", "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}


if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="registry@qujing.example")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "quota_registry.orgs.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "quota_registry.api.exception_handler",
    # JSON only: DRF's browsable pages carry inline scripts the Content-Security-Policy forbids; people
    # explore the API in Swagger UI at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pollutant quota reserve registry API",
    "DESCRIPTION": "REST API v1 of the 主要污染物总量指标储备库 portal.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from this server, not a CDN (the bureau's network may have no internet).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "quota_registry.review.models.Status",
        "LotStatusEnum": "ledger.models.LotStatus",
        "ObligationStatusEnum": "trading.models.ObligationStatus",
        "TradeMethodEnum": "trading.models.TradeMethod",
        "TradeStatusEnum": "trading.models.TradeStatus",
    },
}

# Portal settings the city may change.
PORTAL_CITY_NAME = _("Qujing")
# The rule set (accounting/rulesets/): validity of entered quota, substitution ratios, deadlines.
PORTAL_RULE_SET = env("PORTAL_RULE_SET", default="qujing")
# The deployment's main city (its division code): the public pages' reference prices are its own.
PORTAL_MAIN_CITY = env("PORTAL_MAIN_CITY", default="530300")
# A city deciding under another rule set than PORTAL_RULE_SET: its division code -> the rule set (issue 19).
PORTAL_CITY_RULE_SETS = env.dict("PORTAL_CITY_RULE_SETS", default={})
# Carbon (seed 004): the day (month-day of the following year) by which a year's allowances are surrendered.
PORTAL_CARBON_DEADLINE = env("PORTAL_CARBON_DEADLINE", default="12-31")
# The limits the province applies to transfers between cities (seed 003 Art 21, accounting/transfers.py).
PORTAL_TRANSFER_RULES = tuple(env.list("PORTAL_TRANSFER_RULES", default=["basin", "non_attainment", "air_key_area"]))
# 倍量削减: the multiple where the county does not attain the standard (Art 13: 2 unless the city sets another).
PORTAL_NON_ATTAINMENT_MULTIPLE = env("PORTAL_NON_ATTAINMENT_MULTIPLE", default="2")
# Uploads: one file at most PORTAL_MAX_UPLOAD_BYTES; one request at most PORTAL_MAX_REQUEST_BYTES (refused before
# its body is read) and quota_registry.inputs.FILES_PER_REQUEST files; one record at most the two below.
PORTAL_MAX_UPLOAD_BYTES = env.int("PORTAL_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
PORTAL_MAX_REQUEST_BYTES = env.int("PORTAL_MAX_REQUEST_BYTES", default=50 * 1024 * 1024)
PORTAL_MAX_FILES_PER_RECORD = env.int("PORTAL_MAX_FILES_PER_RECORD", default=40)
PORTAL_MAX_BYTES_PER_RECORD = env.int("PORTAL_MAX_BYTES_PER_RECORD", default=200 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = 20
# API tokens expire after this many days (a new one at each login; their owner may revoke them).
PORTAL_TOKEN_DAYS = env.int("PORTAL_TOKEN_DAYS", default=30)
# Four-eyes: a city decision needs the city's preparatory review, recorded by another person.
PORTAL_FOUR_EYES = env.bool("PORTAL_FOUR_EYES", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# The public log (ledger/log.py): the origin line of its checkpoints (also the key's name), and the Ed25519 signing
# key, kept outside the database: PORTAL_LOG_SIGNING_KEY (base64 of the 32-byte seed) or the file
# PORTAL_LOG_KEY_FILE. Only the demo and the tests generate a key when there is none (see README: rotating it).
PORTAL_LOG_ORIGIN = env("PORTAL_LOG_ORIGIN", default="qujing.quota-registry.example/log")
PORTAL_LOG_SIGNING_KEY = env("PORTAL_LOG_SIGNING_KEY", default="")
PORTAL_LOG_KEY_FILE = env.path("PORTAL_LOG_KEY_FILE", default=VAR_DIR / "log-signing.key")
PORTAL_LOG_GENERATE_KEY = env.bool("PORTAL_LOG_GENERATE_KEY", default=True)
