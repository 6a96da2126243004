from datetime import timedelta

from django.db import models

# A heartbeat or a media marker older than this is from a worker that stopped (or stands still).
HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


class WorkerHeartbeat(models.Model):
    """One row per worker cluster name, touched by a schedule: /healthz reads how fresh it is."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class MediaMarker(models.Model):
    """One row per worker process, beside the file `workers/<name>-<nonce>.json` it wrote into the media storage:
    a process that cannot find that file does not see the media this worker archives into (core/media_markers.py)."""

    name = models.CharField(max_length=200, unique=True, help_text="host-pid of the worker process")
    host = models.CharField(max_length=200)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
