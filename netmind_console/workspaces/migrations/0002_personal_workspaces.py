from django.db import migrations

from netmind_console.workspaces.data_migration import make_personal_workspaces


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0001_initial"),
        ("accounts", "0002_preferences"),
    ]

    operations = [migrations.RunPython(make_personal_workspaces, migrations.RunPython.noop)]
