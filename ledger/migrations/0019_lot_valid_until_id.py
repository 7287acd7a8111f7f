"""Lots indexed by (valid_until, id), the lot list's order, instead of valid_until alone: the list's first page is
then read in that order rather than sorted out of all of a city's (or the province's) lots; the expiry job's reads by
valid_until use the same index. The new index is built before the old one goes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0018_movement_to_from'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='lot',
            index=models.Index(fields=['valid_until', 'id'], name='lot_valid_until_id'),
        ),
        migrations.AlterField(
            model_name='lot',
            name='valid_until',
            field=models.DateField(verbose_name='valid until'),
        ),
    ]
