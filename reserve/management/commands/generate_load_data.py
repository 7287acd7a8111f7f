import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from reserve.loadgen import AT_SCALE_1, NAME_MARK, Generator
from reserve.models import LedgerTransaction


class Command(BaseCommand):
    help = ("Build a deterministic benchmark dataset: at --scale 1, " + ", ".join(
        f"{v:,} {k}" for k, v in AT_SCALE_1.items()) + ". Needs reference data and the demo bureaus "
        "(seed_demo --without-pool) and an empty ledger. Never on a production database.")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=0.01, help="1 = city scale (default 0.01)")
        parser.add_argument("--seed", type=int, default=20261121, help="random seed (same seed, same data)")
        parser.add_argument("--force", action="store_true", help="run even when DEBUG is off")

    def handle(self, *args, scale, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("generate_load_data fills the database with made-up records; use --force to run it here.")
        if not 0 < scale <= 10:
            raise CommandError("--scale must be more than 0 and at most 10.")
        from quota_registry.orgs.models import Organisation

        if Organisation.objects.filter(name__contains=NAME_MARK).exists() or LedgerTransaction.objects.exists():
            raise CommandError("This database already has a ledger or generated data: start from an empty one "
                               "(migrate, seed_demo --without-pool).")
        started = time.monotonic()
        try:
            with transaction.atomic():
                counts = Generator(scale, seed=seed, log=lambda m: self.stdout.write(
                    f"  {time.monotonic() - started:7.1f} s  {m}")).run()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(
            f"scale {scale}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
            + f" in {time.monotonic() - started:.1f} s"))
