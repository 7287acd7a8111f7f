"""On PostgreSQL the ledger's transactions and movements refuse UPDATE and DELETE (the function
registry_refuse_change comes from the audit app's migration)."""
from django.db import migrations

TABLES = ["reserve_ledgertransaction", "reserve_movement"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION registry_refuse_change();", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", params=None)


class Migration(migrations.Migration):
    dependencies = [("reserve", "0001_initial"), ("audit", "0003_append_only_trigger")]

    operations = [migrations.RunPython(forwards, backwards)]
