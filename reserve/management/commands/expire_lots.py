import datetime

from django.core.management.base import BaseCommand

from reserve.expiry import expire_lots, notify_expiring


class Command(BaseCommand):
    help = "Notify holders of lots expiring in 90 and 30 days, and expire lots past their validity. Safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, help="run as if today were this date")

    def handle(self, *args, today=None, **options):
        notified = notify_expiring(today=today)
        expired = expire_lots(today=today)
        self.stdout.write(f"expiry notices: {notified}, lots expired: {expired}")
