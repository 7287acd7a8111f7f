from django.db import migrations


def load(apps, schema_editor):
    from quota_registry.reference.loader import load as load_reference

    load_reference(apps)


class Migration(migrations.Migration):
    dependencies = [("reference", "0004_indicator_links")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
