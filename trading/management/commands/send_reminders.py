import datetime

from django.core.management.base import BaseCommand

from trading.services import send_reminders


class Command(BaseCommand):
    help = "Send the permit-change reminders due today (10, 5, 1 working days ahead; first overdue day). Safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="run as if today were this date")

    def handle(self, *args, today=None, **options):
        sent = send_reminders(today=today)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sent.items()))
