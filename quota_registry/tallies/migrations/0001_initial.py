from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Tally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("table", models.CharField(max_length=63, verbose_name="table")),
                ("region", models.BigIntegerField(default=0, verbose_name="region")),
                ("key", models.CharField(max_length=200, verbose_name="counted values")),
                ("n", models.BigIntegerField(default=0, verbose_name="rows")),
            ],
            options={
                "verbose_name": "count",
                "verbose_name_plural": "counts",
                "constraints": [models.UniqueConstraint(fields=("table", "region", "key"), name="tally_one_per_key")],
            },
        ),
    ]
