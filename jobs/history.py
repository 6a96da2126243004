"""A job's history beyond the console: deleting a job (remote copy and local files too) or outputs, and
importing the generations and Haiper jobs an account already has at the provider.

Deleting what a teammate submitted writes an audit row (README: Audit log) in the deleting transaction; deleting
outputs also leaves an OutputDeletion row on each job, which its pages show.
"""

from collections import Counter

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from jobs import catalogue, input_files
from jobs.adapters import ADAPTERS, RemoteSnapshot
from jobs.lifecycle import apply_snapshot
from jobs.models import Job, JobEvent, JobState, Output, OutputDeletion, name_of
from netmind_console.accounts.services import client_for_account
from netmind_console.clients import errors
from netmind_console.workspaces import audit

IMPORTED_KINDS = [("generation", catalogue.CUSTOM_KEY), ("haiper_video", "haiper/text2video"),
                  ("haiper_image", "haiper/text2image")]


def delete_job(job: Job, *, actor, request=None) -> str:
    """Delete the remote job (if the provider keeps one), the local files and the row; returns a note for
    the person when the provider's copy stayed."""
    from jobs import archive

    note = ""
    adapter = ADAPTERS[job.adapter]
    if job.remote_id and job.account and hasattr(adapter, "delete"):
        try:
            with client_for_account(job.account) as client:
                adapter.delete(client, job)
        except errors.NotFound:
            pass
        except errors.ProviderError as error:
            note = f"The provider copy could not be deleted ({error.user_message}); the local copy is gone."
    note = input_files.discard(job) or note
    outputs = list(job.outputs.all())
    archive.delete_output_files(outputs)
    if job.input_file and not Job.objects.filter(input_file=job.input_file).exclude(pk=job.pk).exists():
        default_storage.delete(job.input_file)  # a batch's jobs share theirs
    with transaction.atomic():
        if job.owner_id != actor.pk:
            audit.record(job.workspace, actor, "job.deleted", f"{job.model_label} job {job.uuid}",
                         before={"submitted_by": name_of(job.owner), "model": job.model_key,
                                 "prompt": job.prompt[:200], "outputs": len(outputs)}, request=request)
        job.delete()
    return note


def delete_outputs(outputs: list[Output], *, actor, request=None):
    """Delete outputs (local files and rows); their jobs stay. `outputs` come with their job and workspace."""
    from jobs import archive

    archive.delete_output_files(outputs)
    with transaction.atomic():
        for output in outputs:
            if output.owner_id != actor.pk:
                audit.record(output.workspace, actor, "output.deleted", f"{output.kind} output {output.uuid}",
                             before={"submitted_by": name_of(output.owner), "job": str(output.job.uuid),
                                     "model": output.model_key}, request=request)
        Output.objects.filter(pk__in=[output.pk for output in outputs]).delete()
        OutputDeletion.objects.bulk_create(
            OutputDeletion(job_id=job_id, actor_name=name_of(actor), count=count)
            for job_id, count in Counter(output.job_id for output in outputs).items())


def import_history(account, user) -> int:
    """Pull the account's existing remote generations and Haiper jobs into its workspace, as submitted by
    `user` (who asked for the import); a second run adds nothing."""
    imported = 0
    with client_for_account(account) as client:
        for adapter_name, model_key in IMPORTED_KINDS:
            known = set(Job.objects.filter(account=account, adapter=adapter_name).values_list("remote_id", flat=True))
            for snapshot in ADAPTERS[adapter_name].list_remote(client):
                if snapshot.remote_id not in known:
                    imported += _import_one(account, user, adapter_name, model_key, snapshot)
    return imported


def _import_one(account, user, adapter_name, model_key, snapshot: RemoteSnapshot) -> int:
    created_at = snapshot.created_at or timezone.now()
    with transaction.atomic():
        job = Job.objects.create(workspace_id=account.workspace_id, owner=user, account=account, model_key=model_key,
                                 provider="netmind", adapter=adapter_name, remote_id=snapshot.remote_id,
                                 state=JobState.QUEUED, created_at=created_at, submitted_at=created_at,
                                 prompt="(imported from the provider)")
        JobEvent.objects.create(job=job, at=created_at, to_state=JobState.QUEUED, note="Imported")
        apply_snapshot(job, snapshot)
    return 1
