"""Each city keeps its own HOLD account, as it keeps its own pool (issue 19): what its pending withdrawals and the
reserve's sales took from its pool lies there, so that a city's held figures are its own. The one shared HOLD of
before (without a city) keeps the holds made before until they are released or withdrawn; nothing is moved."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0019_lot_valid_until_id'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='account',
            name='account_city_iff_pool',
        ),
        migrations.RemoveConstraint(
            model_name='account',
            name='account_singletons',
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('kind__in', ['enterprise', 'pool', 'carbon', 'hold']), _negated=True), fields=('kind',), name='account_singletons'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'hold')), fields=('city',), name='account_hold_per_city'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.UniqueConstraint(condition=models.Q(('city__isnull', True), ('kind', 'hold')), fields=('kind',), name='account_one_shared_hold'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('city__isnull', False), ('kind', 'pool')), ('kind', 'hold'), models.Q(models.Q(('kind__in', ['pool', 'hold']), _negated=True), ('city__isnull', True)), _connector='OR'), name='account_city_of_pool_or_hold'),
        ),
    ]
