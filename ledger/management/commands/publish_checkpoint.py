"""Integrate the ledger transactions not yet in the public log and sign a checkpoint (beat runs it every 30 s)."""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--reconcile", action="store_true",
                            help="then check every leaf and node against the ledger (the nightly job)")

    def handle(self, *args, **options):
        from ledger import log

        checkpoint = log.publish_checkpoint()
        self.stdout.write(checkpoint.note)
        if options["reconcile"]:
            problems = log.reconcile_and_report()
            for p in problems:
                self.stderr.write(p)
            if problems:
                raise SystemExit(1)
            self.stdout.write(f"reconciled: {checkpoint.tree_size} leaves match the ledger")
