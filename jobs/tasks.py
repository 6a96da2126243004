"""django-q2 entry points: plain functions that take primary keys and call the domain modules."""

from jobs import archive, batches, input_files, slot_watch, slots, submission, sweeps, sync, webhooks
from netmind_console.core import schedules
from netmind_console.core.queue import enqueue


def submit_job(job_id):
    submission.submit_job(job_id)


def fill_slots(account_id):
    slots.fill(account_id)


def watch_slots(token):
    slot_watch.watch(token)


def sync_job(job_id):
    sync.sync_job(job_id)


def reconcile_job(job_id):
    sync.reconcile_job(job_id)


def sync_account_jobs(account_id, adapter_name):
    sweeps.sync_account_jobs(account_id, adapter_name)


def archive_output(output_id):
    archive.archive_output(output_id)


def ingest_output(output_id, incoming_name):
    archive.ingest_incoming(output_id, incoming_name)


def deliver_webhook(delivery_id):
    webhooks.deliver(delivery_id)


def delete_input_files(job_id):
    input_files.delete_uploaded(job_id)


def sweep_active_jobs(until=None):
    sweeps.sweep_active_jobs()
    if slots.accounts_with_waiting_jobs():
        slots.ensure_watching()  # a watcher that died with its worker is replaced
    schedules.repeat_within_the_minute("jobs.tasks.sweep_active_jobs", until)


def reconcile_outstanding():
    """Work a lost broker message would otherwise strand, re-derived from the rows: due sends, dead workers'
    sends, unknown creates and syncs whose task never ran (the sweep's own message can be lost too; its
    claims make the overlap free), then archives, webhooks and deletes of input files at the provider still due."""
    sweeps.sweep_active_jobs()
    archive.sweep_archives()
    batches.discard_stale_drafts()
    for delivery_id in webhooks.due():
        enqueue(deliver_webhook, delivery_id)
    for job_id in sweeps.input_file_deletes_due():
        enqueue(delete_input_files, job_id)
