from django.core.management import call_command
from django.db import migrations, models


def create_cache_table(apps, schema_editor):
    # The embedded default uses the database cache; creating its table here means `migrate`
    # (and the test database) is all a fresh install needs. A no-op with the Redis cache.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
                ("beat_at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
