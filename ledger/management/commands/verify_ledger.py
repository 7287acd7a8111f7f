import time

from django.core.management.base import BaseCommand, CommandError

from ledger.verification import verify


class Command(BaseCommand):
    help = ("Recompute every holding from the movements, check conservation per lot and the hash chain, and (with "
            "--log) every leaf and node of the public log; exit non-zero on any difference.")

    def add_arguments(self, parser):
        parser.add_argument("--log", action="store_true", help="also re-encode every leaf of the public log from the "
                                                              "ledger and check the signed tree (ledger/log.py)")

    def handle(self, *args, **options):
        started = time.monotonic()
        report = verify()
        if options["log"]:
            from ledger import log

            report.problems += log.reconcile()
        self.stdout.write(f"transactions {report.transactions}, movements {report.movements}, lots {report.lots}, "
                          f"holdings {report.holdings}; {time.monotonic() - started:.2f} s")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("ledger verified: holdings, conservation and hash chain agree"))
            return
        for problem in report.problems[:200]:
            self.stderr.write(problem)
        raise CommandError(f"{len(report.problems)} difference(s) found")
