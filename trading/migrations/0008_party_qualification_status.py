"""A trade party's qualification becomes a state of the workflow engine (pending, qualified, refused) and its decision
a decision record (review.Review) like every other: the decisions already taken (who, when, opinion) are copied into
decision records before the party's own columns for them go."""
from django.db import migrations, models


def decisions_to_records(apps, schema_editor):
    TradeParty = apps.get_model("trading", "TradeParty")
    Review = apps.get_model("review", "Review")
    ContentType = apps.get_model("contenttypes", "ContentType")
    created_at = Review._meta.get_field("created_at")
    created_at.auto_now_add = False  # keep the time the decision was taken (this model class is this migration's own)
    content_type, _created = ContentType.objects.get_or_create(app_label="trading", model="tradeparty")
    records = []
    for party in TradeParty.objects.exclude(qualified=None).select_related(
            "trade", "organisation", "decided_by__organisation"):
        status = "qualified" if party.qualified else "refused"
        TradeParty.objects.filter(pk=party.pk).update(status=status)
        actor = party.decided_by
        records.append(Review(
            content_type=content_type, object_id=party.pk, subject_label=party.trade.number[:30],
            organisation=party.organisation, region_id=party.organisation.region_id, actor=actor,
            actor_name=(f"{actor.last_name}{actor.first_name}".strip() or actor.username) if actor else "",
            organisation_name=actor.organisation.name if actor and actor.organisation_id else "",
            role=actor.role if actor else "", stage="county" if actor and actor.role == "county_reviewer" else "city",
            action="qualify" if party.qualified else "refuse", from_status="pending", to_status=status,
            opinion=party.opinion, details={}, created_at=party.decided_at or party.applied_at))
    Review.objects.bulk_create(records)


class Migration(migrations.Migration):

    dependencies = [
        ('trading', '0007_obligation_origin'),
        ('review', '0003_decision_records_for_every_kind'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='tradeparty',
            name='status',
            field=models.CharField(choices=[('pending', 'Qualification pending'), ('qualified', 'Qualification approved'), ('refused', 'Qualification refused')], default='pending', max_length=10, verbose_name='qualification'),
        ),
        migrations.RunPython(decisions_to_records, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='tradeparty',
            name='decided_at',
        ),
        migrations.RemoveField(
            model_name='tradeparty',
            name='decided_by',
        ),
        migrations.RemoveField(
            model_name='tradeparty',
            name='opinion',
        ),
        migrations.RemoveField(
            model_name='tradeparty',
            name='qualified',
        ),
        migrations.AlterField(
            model_name='permitchangeobligation',
            name='origin_label',
            field=models.CharField(blank=True, max_length=30, verbose_name='arising from'),
        ),
    ]
