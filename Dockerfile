# One image for every production process: web (gunicorn), Celery worker, Celery beat, migrations.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=quota_registry.settings.production

# Pango/HarfBuzz (+ libharfbuzz-subset0: fast font subsetting) and Noto CJK for WeasyPrint's Chinese PDFs;
# gettext to compile the Chinese catalogue.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 registry
WORKDIR /app
COPY pyproject.toml ./
RUN pip install --no-cache-dir uv \
 && uv pip install --system --no-cache -r pyproject.toml
COPY . .
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://unused:6379/0 \
      python manage.py compilemessages --ignore=.venv -v0 \
 && DJANGO_SECRET_KEY=build-only DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://unused:6379/0 \
      python manage.py collectstatic --noinput -v0 \
 && mkdir -p /app/var/media && chown -R registry:registry /app/var
USER registry
EXPOSE 8000
CMD ["gunicorn", "quota_registry.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
