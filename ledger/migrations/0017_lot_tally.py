from django.db import migrations

from quota_registry.tallies.sql import attach

# Lots counted by county and state as they change (planned lots await completion: the workbench's counts; issue 19).
lots = attach("reserve_lot", ("status",))


class Migration(migrations.Migration):
    dependencies = [("ledger", "0016_transaction_time_index"), ("tallies", "0002_tally_rows")]
    operations = [migrations.RunPython(*lots)]
