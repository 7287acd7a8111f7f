"""The carbon side's lots by status (a partial index: few rows): the province's lot list counts the quota's lots
from the tallies of all lots less these (ledger.selectors.lot_count)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0020_hold_per_city'),
        ('orgs', '0010_organisation_tally'),
        ('reference', '0009_city_calendar_days'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='lot',
            index=models.Index(condition=models.Q(('source_kind__in', ['allocation', 'acquired', 'ccer'])), fields=['status'], name='lot_carbon_status'),
        ),
    ]
