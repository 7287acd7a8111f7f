"""Counts of rows by county and by the values of a few columns, kept by PostgreSQL as the rows change (issue 19: a
city's home page counts its applications and enterprises by state; at a province's scale, counting the rows on each
visit took most of the page's time). How they are kept: `sql.py`; read: `selectors.py`."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from quota_registry.access import ScopeRule


class Tally(models.Model):
    """A count of rows of `table` located in county (or city) `region` (0: located nowhere) with the column values
    `key` (joined by "|"), or a change to it (+1, -1): the rows of one table, county and values sum to how many
    there are. Appended by the trigger `tally_rows`, folded by `compact` (sql.py)."""

    table = models.CharField(_("table"), max_length=63)
    region = models.BigIntegerField(_("region"), default=0)
    key = models.CharField(_("counted values"), max_length=200)
    n = models.BigIntegerField(_("rows"), default=0)

    SCOPE = ScopeRule()  # not shown: read through tallies.selectors, which counts within the reader's scope

    class Meta:
        verbose_name = _("count")
        verbose_name_plural = _("counts")
        indexes = [models.Index(fields=["table", "region"], name="tally_table_region")]

    def __str__(self):
        return f"{self.table}[{self.region}, {self.key}] = {self.n}"
