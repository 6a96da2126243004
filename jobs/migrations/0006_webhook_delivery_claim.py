import uuid

from django.db import migrations, models


def give_each_delivery_its_own_id(apps, schema_editor):
    # AddField with a callable default gives every existing row the same value: one id each, then unique.
    WebhookDelivery = apps.get_model("jobs", "WebhookDelivery")
    for pk in WebhookDelivery.objects.values_list("pk", flat=True).iterator():
        WebhookDelivery.objects.filter(pk=pk).update(delivery_id=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [
        ("jobs", "0005_job_model_recent_finish_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="delivery_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_delivery_its_own_id, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="delivery_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
