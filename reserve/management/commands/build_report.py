from django.core.management.base import BaseCommand, CommandError

from quota_registry.documents.services import document_render
from reserve.reports import report_request, scheduled_reports


class Command(BaseCommand):
    help = ("Build the monthly report (--month 2026-10) or the annual statistics (--year 2025) as Excel and PDF; "
            "without options, what the 1st of the month would build. A report already built for the period is "
            "shown, not built again, unless --rebuild asks for a new version.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM")
        parser.add_argument("--year", type=int)
        parser.add_argument("--rebuild", action="store_true", help="build a new version even if one exists")

    def handle(self, *args, month=None, year=None, rebuild=False, **options):
        if month:
            try:
                y, m = (int(x) for x in month.split("-"))
                if not 1 <= m <= 12 or not 1996 <= y <= 2100:
                    raise ValueError(month)
            except ValueError as exc:
                raise CommandError("--month takes YYYY-MM, e.g. 2026-10") from exc
            documents = [report_request(actor=None, year=y, month=m, fmt=f, rebuild=rebuild) for f in ("xlsx", "pdf")]
        elif year:
            if not 1996 <= year <= 2100:
                raise CommandError("--year takes a year such as 2025")
            documents = [report_request(actor=None, year=year, month=None, fmt=f, rebuild=rebuild)
                         for f in ("xlsx", "pdf")]
        else:
            documents = scheduled_reports()
        for document in documents:
            status = document_render(document.pk)
            document.refresh_from_db()
            self.stdout.write(f"{document.title} ({document.format}) v{document.version}: {status} {document.file.name}")
