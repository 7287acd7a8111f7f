"""Reading the per-factor rows that applications carry (entry items, withdrawal items, plan measures):
the checks every kind shares, with errors keyed `<list>[N].<field>` so pages and the API show them."""
from __future__ import annotations

from django.utils.translation import gettext as _

from quota_registry.reference.models import Pollutant


class FactorRows:
    """Walks the rows of one list, resolving each row's factor once and refusing a factor twice."""

    def __init__(self, name: str = "items"):
        self.name = name
        self.errors: dict[str, str] = {}
        self.seen: set[int] = set()

    def key(self, index: int, field: str) -> str:
        return f"{self.name}[{index}].{field}"

    def error(self, index: int, field: str, message: str) -> None:
        self.errors[self.key(index, field)] = message

    def pollutant(self, index: int, raw: dict, *, unique: bool = True) -> Pollutant | None:
        """The row's factor (a Pollutant or its code), or None after recording what is wrong."""
        code = raw.get("pollutant")
        pollutant = code if isinstance(code, Pollutant) else Pollutant.objects.filter(code=str(code or "").upper()).first()
        if pollutant is None:
            self.error(index, "pollutant", _("Choose one of the 13 pollutant factors."))
            return None
        if unique:
            if pollutant.pk in self.seen:
                self.error(index, "pollutant", _("%(factor)s appears twice; put it on one row.") % {"factor": pollutant.name})
                return None
            self.seen.add(pollutant.pk)
        return pollutant
