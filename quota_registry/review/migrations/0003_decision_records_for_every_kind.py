"""Decision records serve every kind of record of the workflow engine, not only applications: the number and the
organisation concerned are named generally, the region and (for the system's decisions) the actor may be empty,
the decisions and stages are those of every kind, the input of a decision is kept; and on PostgreSQL the table
refuses UPDATE and DELETE like the audit trail (the function registry_refuse_change comes from the audit app)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE TRIGGER review_review_append_only BEFORE UPDATE OR DELETE ON review_review "
                              "FOR EACH ROW EXECUTE FUNCTION registry_refuse_change();", params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS review_review_append_only ON review_review;", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_append_only_trigger'),
        ('orgs', '0003_apitoken'),
        ('reference', '0006_calendar'),
        ('review', '0002_text_limits'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name='review', old_name='application_number', new_name='subject_label'),
        migrations.AlterField(
            model_name='review', name='subject_label', field=models.CharField(max_length=30, verbose_name='number')),
        migrations.RenameField(model_name='review', old_name='applicant', new_name='organisation'),
        migrations.AlterField(
            model_name='review', name='organisation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to='orgs.organisation', verbose_name='organisation concerned')),
        migrations.AlterField(
            model_name='review', name='region',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to='reference.region', verbose_name='county-level division')),
        migrations.AlterField(
            model_name='review', name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+',
                                    to=settings.AUTH_USER_MODEL, verbose_name='reviewer')),
        migrations.AlterField(
            model_name='review', name='organisation_name',
            field=models.CharField(blank=True, max_length=120, verbose_name="reviewer's organisation")),
        migrations.AlterField(
            model_name='review', name='role', field=models.CharField(blank=True, max_length=20, verbose_name='role')),
        migrations.AlterField(
            model_name='review', name='stage',
            field=models.CharField(choices=[('applicant', 'Applicant'), ('county', 'County pre-review'), ('city_prep', 'City preparatory review'), ('city', 'City review'), ('party', 'Party to the trade'), ('system', 'System')], max_length=12, verbose_name='stage')),
        migrations.AlterField(
            model_name='review', name='action',
            field=models.CharField(choices=[('submit', 'Submitted'), ('withdraw', 'Withdrew'), ('approve', 'Approved'), ('return', 'Returned for correction'), ('reject', 'Rejected'), ('prepare', 'Recorded the preparatory review'), ('revoke', 'Revoked'), ('verify', 'Recorded the verified figure'), ('complete', 'Recorded the completion'), ('expire', 'Expired'), ('file', 'Applied for the permit change'), ('confirm_permit', 'Recorded the changed permit'), ('announce', 'Announced'), ('interest', 'Applied to buy'), ('qualify', 'Qualified'), ('refuse', 'Refused the qualification'), ('method', 'Set the trading method'), ('bid', 'Placed a bid'), ('close', 'Struck the deal'), ('contract', 'Recorded the contract'), ('settle', 'Recorded the settlement'), ('confirm', 'Confirmed'), ('publish', 'Published'), ('cancel', 'Cancelled')], max_length=20, verbose_name='decision')),
        migrations.AlterField(
            model_name='review', name='from_status', field=models.CharField(max_length=20, verbose_name='status before')),
        migrations.AlterField(
            model_name='review', name='to_status', field=models.CharField(max_length=20, verbose_name='status after')),
        migrations.AddField(
            model_name='review', name='details',
            field=models.JSONField(blank=True, default=dict, verbose_name='what was entered')),
        migrations.AlterModelOptions(
            name='review',
            options={'ordering': ['created_at', 'id'], 'verbose_name': 'decision record', 'verbose_name_plural': 'decision records'}),
        migrations.RunPython(forwards, backwards),
    ]
