from django.db import migrations

from quota_registry.tallies.sql import attach

# A city's organisations counted by kind and whether active as they change (the home page; issue 19).
forwards, backwards = attach("orgs_organisation", ("kind", "is_active"))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0009_carbon"), ("tallies", "0002_tally_rows")]
    operations = [migrations.RunPython(forwards, backwards)]
