from django.db import migrations, models

from quota_registry.tallies.sql import create_function


class Migration(migrations.Migration):
    """The counts are appended (+1, -1) instead of added to one row per key: no writer waits for another's count."""

    dependencies = [("tallies", "0002_tally_rows")]

    operations = [
        migrations.RemoveConstraint(model_name="tally", name="tally_one_per_key"),
        migrations.AddIndex(model_name="tally", index=models.Index(fields=["table", "region"], name="tally_table_region")),
        # the trigger function that appends (sql.FUNCTION) in place of the one that added to a row per key
        migrations.RunPython(create_function, migrations.RunPython.noop),
    ]
