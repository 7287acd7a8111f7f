from django.db import migrations

from quota_registry.tallies.sql import attach

# A city's and a county's entry and withdrawal applications counted by state as they change (the home page and the
# workbench's counts; issue 19).
entries = attach("reserve_entryapplication", ("status",))
withdrawals = attach("reserve_withdrawalapplication", ("status",))


class Migration(migrations.Migration):
    dependencies = [("reserve", "0017_transfer_origin"), ("tallies", "0002_tally_rows")]
    operations = [migrations.RunPython(*entries), migrations.RunPython(*withdrawals)]
