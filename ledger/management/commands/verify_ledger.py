import time

from django.core.management.base import BaseCommand, CommandError

from ledger.verification import verify


class Command(BaseCommand):
    help = ("Recompute every holding from the movements, check conservation per lot and the hash chain; "
            "exit non-zero on any difference.")

    def handle(self, *args, **options):
        started = time.monotonic()
        report = verify()
        self.stdout.write(f"transactions {report.transactions}, movements {report.movements}, lots {report.lots}, "
                          f"holdings {report.holdings}; {time.monotonic() - started:.2f} s")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("ledger verified: holdings, conservation and hash chain agree"))
            return
        for problem in report.problems[:200]:
            self.stderr.write(problem)
        raise CommandError(f"{len(report.problems)} difference(s) found")
