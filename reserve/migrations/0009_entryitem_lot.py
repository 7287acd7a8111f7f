"""The link between an entry item and the lot issued for it now points from the item to the lot (the ledger knows
nothing of the applications that feed it): EntryItem.lot is added and filled from Lot.entry_item, which
ledger/migrations/0002 then removes; 0010 gives the link its reverse name `lot.entry_item` back."""
import django.db.models.deletion
from django.db import migrations, models


def copy_links(apps, schema_editor):
    Lot = apps.get_model("ledger", "Lot")
    EntryItem = apps.get_model("reserve", "EntryItem")
    for lot_id, item_id in Lot.objects.filter(entry_item__isnull=False).values_list("pk", "entry_item_id"):
        EntryItem.objects.filter(pk=item_id).update(lot_id=lot_id)


def copy_back(apps, schema_editor):
    Lot = apps.get_model("ledger", "Lot")
    EntryItem = apps.get_model("reserve", "EntryItem")
    for item_id, lot_id in EntryItem.objects.filter(lot__isnull=False).values_list("pk", "lot_id"):
        Lot.objects.filter(pk=lot_id).update(entry_item_id=item_id)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0001_initial'),
        ('reserve', '0008_ledger_moved_to_its_app'),
    ]

    operations = [
        migrations.AddField(
            model_name='entryitem',
            name='lot',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='ledger.lot', verbose_name='lot issued'),
        ),
        migrations.RunPython(copy_links, copy_back),
    ]
