from django.core.management.base import BaseCommand, CommandError

from ledger import log


class Command(BaseCommand):
    help = ("Check the ledger and the public log from where the last clean check stopped: the hash chain of the new "
            "transactions, every holding and lot they touched recomputed from the movements, the new leaves of the "
            "log encoded again, the root they give against the latest signed checkpoint and its signature. --full "
            "checks everything from the start. Exits non-zero on any difference.")

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="check every transaction, holding, lot and leaf")

    def handle(self, *args, **options):
        report, run = log.check(full=options["full"])
        scope = (self.style.NOTICE("full check") if run.full else
                 f"incremental: log leaves {run.from_size}..{run.tree_size}, transactions after the last clean check")
        self.stdout.write(f"{scope}; transactions {report.transactions}, movements {report.movements}, lots "
                          f"{report.lots}, holdings {report.holdings}; log size {run.tree_size}; {run.seconds} s")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("ledger verified: holdings, conservation, hash chain and the signed "
                                                 "log agree"))
            return
        for problem in report.problems[:200]:
            self.stderr.write(problem)
        raise CommandError(f"{len(report.problems)} difference(s) found")
