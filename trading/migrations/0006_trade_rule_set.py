"""A trade stores the rule set its jurisdiction gave it when applied for (the permit-change deadline of its
transferors follows it)."""
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    apps.get_model("trading", "Trade").objects.filter(rule_set="").update(rule_set=settings.PORTAL_RULE_SET)


class Migration(migrations.Migration):

    dependencies = [
        ('trading', '0005_ledger_moved_to_its_app'),
    ]

    operations = [
        migrations.AddField(
            model_name='trade',
            name='rule_set',
            field=models.CharField(blank=True, max_length=20, verbose_name='rule set'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
