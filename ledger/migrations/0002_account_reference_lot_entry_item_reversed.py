"""An enterprise's account for one purpose is named by a reference (the withdrawal's number) and a label (the
project), instead of a foreign key into reserve/: the ledger knows nothing of the records that use it. The lot
no longer points at its entry item (reserve/migrations/0009 copied the link to the item's side first)."""
from django.db import migrations, models


def accounts_referenced(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    Withdrawal = apps.get_model("reserve", "WithdrawalApplication")
    for account in Account.objects.filter(project__isnull=False):
        project = Withdrawal.objects.get(pk=account.project_id)
        Account.objects.filter(pk=account.pk).update(reference=project.number, label=project.project_name[:200])


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0001_initial'),
        ('orgs', '0003_apitoken'),
        ('reserve', '0009_entryitem_lot'),
    ]

    operations = [
        migrations.AddField(
            model_name='account',
            name='label',
            field=models.CharField(blank=True, max_length=200, verbose_name='for'),
        ),
        migrations.AddField(
            model_name='account',
            name='reference',
            field=models.CharField(blank=True, max_length=40, verbose_name='reference'),
        ),
        migrations.RunPython(accounts_referenced, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='account',
            name='account_per_enterprise',
        ),
        migrations.RemoveConstraint(
            model_name='account',
            name='account_per_enterprise_project',
        ),
        migrations.RemoveConstraint(
            model_name='account',
            name='account_owner_iff_enterprise',
        ),
        migrations.RemoveField(
            model_name='account',
            name='project',
        ),
        migrations.RemoveField(
            model_name='lot',
            name='entry_item',
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'enterprise'), ('reference', '')), fields=('organisation',), name='account_per_enterprise'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('reference', ''), _negated=True), fields=('organisation', 'reference'), name='account_per_enterprise_reference'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'enterprise'), ('organisation__isnull', False)), models.Q(models.Q(('kind', 'enterprise'), _negated=True), ('organisation__isnull', True), ('reference', '')), _connector='OR'), name='account_owner_iff_enterprise'),
        ),
    ]
