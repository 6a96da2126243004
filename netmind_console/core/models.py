from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per worker cluster name, touched by a schedule: /healthz reads how fresh it is."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
