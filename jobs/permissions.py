"""The jobs app's objects as the access helper hands them out (netmind_console/workspaces/access.py decides).

One helper per kind, with what its pages read alongside; and the one rule that looks past the role: a
member deletes what they submitted, someone else's needs an admin (README: Roles).
"""

from jobs.models import Batch, Job, Output
from netmind_console.workspaces import access
from netmind_console.workspaces.roles import Role


def job_for(request, uuid, minimum: str = Role.VIEWER) -> Job:
    return access.get_for(request, Job.objects.select_related("account", "owner", "workspace"), minimum, uuid=uuid)


def output_for(request, uuid, minimum: str = Role.VIEWER, queryset=None) -> Output:
    return access.get_for(request, Output.objects.all() if queryset is None else queryset, minimum, uuid=uuid)


def batch_for(request, uuid, minimum: str = Role.VIEWER) -> Batch:
    return access.get_for(request, Batch.objects.select_related("account", "owner", "workspace"), minimum, uuid=uuid)


def controllable_batch(request, uuid) -> Batch:
    """A batch the caller may start, discard, pause, resume, cancel or retry: their own as a member, a
    teammate's as an admin (the rule deleting follows)."""
    batch = batch_for(request, uuid, Role.MEMBER)
    require_delete_right(request, batch.workspace, [batch.owner_id])
    return batch


def require_delete_right(request, workspace, submitter_ids):
    """403 unless the caller may delete things these people submitted in `workspace`."""
    someone_elses = any(submitter != request.user.pk for submitter in submitter_ids)
    access.require(request, Role.ADMIN if someone_elses else Role.MEMBER, workspace=workspace)


def deletable_job(request, uuid) -> Job:
    job = job_for(request, uuid, Role.MEMBER)
    require_delete_right(request, job.workspace, [job.owner_id])
    return job
