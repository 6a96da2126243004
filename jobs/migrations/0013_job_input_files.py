"""File inputs of a job (jobs/input_files.py): a new table, so jobs_job and its FTS triggers (0011) stay as they are."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0012_catalogue_entries'),
    ]

    operations = [
        migrations.CreateModel(
            name='JobInputFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('parameter', models.CharField(help_text="The config key whose value is this file's download link", max_length=200)),
                ('file', models.CharField(help_text='Its name in the media storage', max_length=500)),
                ('file_name', models.CharField(help_text='The name it was uploaded with, made safe', max_length=200)),
                ('content_type', models.CharField(max_length=100)),
                ('size', models.PositiveBigIntegerField()),
                ('remote_file_id', models.CharField(blank=True, help_text="The provider's file id, once created", max_length=200)),
                ('uploaded_at', models.DateTimeField(blank=True, help_text='When its bytes reached the provider', null=True)),
                ('deleted_at', models.DateTimeField(blank=True, help_text='When it was deleted at the provider', null=True)),
                ('delete_error', models.CharField(blank=True, help_text='Why the last delete at the provider failed', max_length=500)),
                ('delete_attempts', models.PositiveIntegerField(default=0)),
                ('delete_retry_at', models.DateTimeField(blank=True, help_text='When the sweep tries the delete again', null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='input_files', to='jobs.job')),
            ],
            options={
                'ordering': ['job', 'parameter'],
                'indexes': [models.Index(condition=models.Q(('deleted_at', None), models.Q(('remote_file_id', ''), _negated=True)), fields=['delete_retry_at'], name='input_file_delete_due')],
                'constraints': [models.UniqueConstraint(fields=('job', 'parameter'), name='one_input_file_per_parameter')],
            },
        ),
    ]
