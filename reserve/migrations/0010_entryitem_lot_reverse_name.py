import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0002_account_reference_lot_entry_item_reversed'),
        ('reserve', '0009_entryitem_lot'),
    ]

    operations = [
        migrations.AlterField(
            model_name='entryitem',
            name='lot',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='entry_item', to='ledger.lot', verbose_name='lot issued'),
        ),
    ]
