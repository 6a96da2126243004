"""On the Redis broker a task in flight lives only in its worker: kill the worker, and the rows must say
what is left to do. The sweep finds the send the dead worker held, reconciles it with the provider and
the job completes, created remotely once."""

import os
import signal

from tests.fixtures.sandbox import SandboxProcess
from tests.fixtures.scaled import ScaledConsole, pids_connected_to, wait_for

SLOW_CREATE_MS = 4000  # the sandbox answers the create this late (after making it): time to kill the worker


def test_a_job_whose_worker_is_killed_mid_send_still_completes_and_is_created_once(scaled_services, tmp_path):
    with SandboxProcess(tmp_path / "sandbox", speed=50, latency_ms=SLOW_CREATE_MS) as sandbox, \
            ScaledConsole("lost_task", tmp_path / "console", sandbox.url, redis_db=13, CONSOLE_WORKERS=1,
                          CONSOLE_SWEEP_SECONDS=1, CONSOLE_TASK_TIMEOUT=8) as console:
        console.create_user("alice")
        cluster = console.start_cluster()
        console.start_sweeping()
        console.manage("submit", "--user", "alice", "--model", "Qwen/Qwen-Image", "--prompt", "a lighthouse")

        worker = wait_for(lambda: pids_connected_to(sandbox.port, os.getpgid(cluster.pid)), 30, "the create call")
        assert console.job_states() == {"submitting": 1}
        for pid in worker:
            os.kill(pid, signal.SIGKILL)
        sandbox.configure(latency_ms=0)

        wait_for(lambda: console.job_states() == {"succeeded": 1}, 90, "the job to succeed")
        notes = [note for (note,) in console.query("SELECT note FROM jobs_jobevent ORDER BY at, id")]
        assert "The worker stopped while sending" in notes
        assert sandbox.stats()["outcomes"]["POST /v1/generation"] == {"none": 1}
