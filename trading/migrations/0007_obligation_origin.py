"""A permit-change obligation names what transferred the reduction (an approved withdrawal, a confirmed trade) by
content type and id, instead of one foreign key per kind: trading no longer depends on the reserve's models, and one
rule (one obligation per enterprise and origin) serves both."""
import django.db.models.deletion
from django.db import migrations, models


def copy_origins(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Obligation = apps.get_model("trading", "PermitChangeObligation")
    Withdrawal = apps.get_model("reserve", "WithdrawalApplication")
    Trade = apps.get_model("trading", "Trade")
    withdrawal_type, _ = ContentType.objects.get_or_create(app_label="reserve", model="withdrawalapplication")
    trade_type, _ = ContentType.objects.get_or_create(app_label="trading", model="trade")
    numbers = dict(Withdrawal.objects.values_list("pk", "number"))
    trades = dict(Trade.objects.values_list("pk", "number"))
    for pk, withdrawal_id, trade_id in Obligation.objects.values_list("pk", "withdrawal_id", "trade_id"):
        if withdrawal_id:
            Obligation.objects.filter(pk=pk).update(origin_type=withdrawal_type, origin_id=withdrawal_id,
                                                    origin_label=numbers.get(withdrawal_id, ""))
        elif trade_id:
            Obligation.objects.filter(pk=pk).update(origin_type=trade_type, origin_id=trade_id,
                                                    origin_label=trades.get(trade_id, ""))


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('reserve', '0008_ledger_moved_to_its_app'),
        ('trading', '0006_trade_rule_set'),
    ]

    operations = [
        migrations.AddField(
            model_name='permitchangeobligation',
            name='origin_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='permitchangeobligation',
            name='origin_label',
            field=models.CharField(blank=True, max_length=30, verbose_name='transferred by'),
        ),
        migrations.AddField(
            model_name='permitchangeobligation',
            name='origin_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='contenttypes.contenttype'),
        ),
        migrations.RunPython(copy_origins, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='permitchangeobligation',
            name='obligation_one_per_enterprise_and_withdrawal',
        ),
        migrations.RemoveConstraint(
            model_name='permitchangeobligation',
            name='obligation_one_per_enterprise_and_trade',
        ),
        migrations.RemoveField(
            model_name='permitchangeobligation',
            name='trade',
        ),
        migrations.RemoveField(
            model_name='permitchangeobligation',
            name='withdrawal',
        ),
        migrations.AddConstraint(
            model_name='permitchangeobligation',
            constraint=models.UniqueConstraint(condition=models.Q(('origin_id__isnull', False)), fields=('enterprise', 'origin_type', 'origin_id'), name='obligation_one_per_enterprise_and_origin'),
        ),
    ]
