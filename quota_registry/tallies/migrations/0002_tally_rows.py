from django.db import migrations

from quota_registry.tallies.sql import create_function, drop_function


class Migration(migrations.Migration):
    dependencies = [("tallies", "0001_initial")]
    operations = [migrations.RunPython(create_function, drop_function)]
