"""Write docs/workflows.md from the workflow engine's tables; `--check`: exit 1 if the file is not current."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quota_registry.review.diagrams import render


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only check that docs/workflows.md is current")

    def handle(self, *args, check=False, **options):
        path = Path(settings.BASE_DIR) / "docs" / "workflows.md"
        text = render()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError("docs/workflows.md is not current: run manage.py workflow_docs")
            self.stdout.write("docs/workflows.md is current")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
