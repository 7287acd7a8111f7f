from django.core.management.base import BaseCommand

from quota_registry.reference.loader import load


class Command(BaseCommand):
    help = "Load or refresh the reference data in fixtures/reference/ (idempotent)."

    def handle(self, *args, **options):
        counts = load()
        self.stdout.write(self.style.SUCCESS(", ".join(f"{k}: {v}" for k, v in counts.items())))
