"""Each application stores the rule set and the review tiers its jurisdiction gave it when filed
(quota_registry/jurisdiction.py); existing entries get the rule set in force now, and county-filed entries the
city tier only (the county's filing was its pre-review, Art 9)."""
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    Entry = apps.get_model("reserve", "EntryApplication")
    Withdrawal = apps.get_model("reserve", "WithdrawalApplication")
    Entry.objects.filter(rule_set="").update(rule_set=settings.PORTAL_RULE_SET)
    Entry.objects.filter(filed_by_county=True).update(review_tiers="city")
    Withdrawal.objects.filter(filed_by_county=True).update(review_tiers="city")


class Migration(migrations.Migration):

    dependencies = [
        ('reserve', '0010_entryitem_lot_reverse_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='entryapplication',
            name='rule_set',
            field=models.CharField(default='', max_length=20, verbose_name='rule set'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='entryapplication',
            name='review_tiers',
            field=models.CharField(default='county,city', max_length=40, verbose_name='review tiers'),
        ),
        migrations.AddField(
            model_name='withdrawalapplication',
            name='review_tiers',
            field=models.CharField(default='county,city', max_length=40, verbose_name='review tiers'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
