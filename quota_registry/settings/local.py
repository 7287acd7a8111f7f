"""`make run`: SQLite unless DATABASE_URL is set, Celery in-process unless REDIS_URL is set, e-mail written to
files in var/mail/ (one per message) instead of the console, and only warnings logged: the terminal shows
where the portal is, not every task and message."""
from .base import *  # noqa: F401,F403
from .base import LOGGING, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": env("LOG_LEVEL", default="WARNING")},
           "loggers": {"django.utils.autoreload": {"level": "WARNING"}}}
