"""Movements indexed by (to_account, from_account) instead of to_account alone: the same reads by the receiving
account, and what one account received from another (a city's pool from another city's: the lots it received, which
its staff see, issue 19). The new index is built before the old one goes, so reads by to_account always have one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0017_lot_tally'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='movement',
            index=models.Index(fields=['to_account', 'from_account'], name='movement_to_from'),
        ),
        migrations.AlterField(
            model_name='movement',
            name='to_account',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to='ledger.account', verbose_name='to'),
        ),
    ]
