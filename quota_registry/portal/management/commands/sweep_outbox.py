from django.core.management.base import BaseCommand

from quota_registry.outbox import sweep


class Command(BaseCommand):
    help = "Re-send documents still pending and e-mails not yet sent (after a broker outage). Safe to rerun."

    def handle(self, *args, **options):
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sweep().items()))
