from django.core.management.base import BaseCommand, CommandError

from quota_registry.documents.services import document_render
from reserve.reports import report_request, scheduled_reports


class Command(BaseCommand):
    help = ("Build the monthly report (--month 2026-10) or the annual statistics (--year 2025) as Excel and PDF; "
            "without options, what the 1st of the month would build.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM")
        parser.add_argument("--year", type=int)

    def handle(self, *args, month=None, year=None, **options):
        if month:
            try:
                y, m = (int(x) for x in month.split("-"))
            except ValueError as exc:
                raise CommandError("--month takes YYYY-MM") from exc
            documents = [report_request(actor=None, year=y, month=m, fmt=f) for f in ("xlsx", "pdf")]
        elif year:
            documents = [report_request(actor=None, year=year, month=None, fmt=f) for f in ("xlsx", "pdf")]
        else:
            documents = scheduled_reports()
        for document in documents:
            status = document_render(document.pk)
            document.refresh_from_db()
            self.stdout.write(f"{document.title} ({document.format}): {status} {document.file.name}")
