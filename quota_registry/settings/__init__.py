"""Settings: base (shared), local (make run), production (docker-compose), test (pytest).

Every setting that differs between machines is read from the environment; the defaults are the
embedded ones (SQLite, Celery eager, files on local disk) so that a fresh clone runs with no set-up.
"""
