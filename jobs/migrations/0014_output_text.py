"""Text outputs (a transcript from openai/whisper, say): the text on the row, kind "text", and the partial index the
gallery's search reads them by (jobs/search.py). Only jobs_output changes: jobs_job's FTS triggers (0011) stay."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("jobs", "0013_job_input_files")]

    operations = [
        migrations.AddField(
            model_name="output",
            name="text",
            field=models.TextField(blank=True, help_text="A text output's text (a transcript, say); empty for media"),
        ),
        migrations.AlterField(
            model_name="output",
            name="kind",
            field=models.CharField(
                choices=[("image", "Image"), ("video", "Video"), ("audio", "Audio"), ("text", "Text")], max_length=10
            ),
        ),
        migrations.AddIndex(
            model_name="output",
            index=models.Index(condition=models.Q(kind="text"), fields=["workspace", "-created_at"],
                               name="output_workspace_text"),
        ),
    ]
