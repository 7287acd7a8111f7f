"""`make run`: SQLite unless DATABASE_URL is set, Celery in-process unless REDIS_URL is set, mail to the console."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
