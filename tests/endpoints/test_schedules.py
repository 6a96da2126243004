"""Weekly windows: edges in the owner's time zone, applied once by the minute sweep, shown on the page."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from endpoints import budgets, schedules, sweeps, tasks
from endpoints.models import Endpoint, EndpointSchedule, ScaleIntent
from netmind_console.accounts.models import preferences_for
from netmind_console.workspaces.models import AuditEntry
from netmind_console.workspaces.services import personal_workspace

from .conftest import remote_calls

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_7_UTC = datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # 08:00 in Berlin (CET, UTC+1)
WINDOW_START = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
WINDOW_END = datetime(2026, 3, 9, 18, 0, tzinfo=UTC)  # Monday 19:00 in Berlin


def set_time_zone(user, name):
    prefs = preferences_for(user)
    prefs.time_zone = name
    prefs.save()


def office_hours(endpoint, now=MONDAY_7_UTC, instances=2):
    return schedules.add_schedule(endpoint, weekdays="01234", start_time=time(9), end_time=time(19),
                                 instances=instances, now=now)


def sweep_schedules_at(now):
    """The schedule half of the minute sweep, with the clock frozen at `now`."""
    for schedule_id in sweeps.sweep_work(now)["schedule"]:
        schedules.apply_schedule(schedule_id, now)


@pytest.fixture
def in_berlin(owner):
    set_time_zone(owner, "Europe/Berlin")


def test_a_window_scales_up_at_its_start_and_to_zero_at_its_end(running, in_berlin, sandbox):
    office_hours(running)
    sweep_schedules_at(WINDOW_START - timedelta(seconds=30))
    assert remote_calls(sandbox, "PUT") == 0

    sweep_schedules_at(WINDOW_START + timedelta(seconds=20))
    running.refresh_from_db()
    assert running.target_instances == 2 and remote_calls(sandbox, "PUT") == 1
    assert running.events.last().note == "Schedule Mon–Fri 09:00–19:00: scaled to 2"

    sweep_schedules_at(WINDOW_END + timedelta(seconds=20))
    running.refresh_from_db()
    assert running.target_instances == 0 and remote_calls(sandbox, "PUT") == 2
    assert running.events.last().note == "Schedule Mon–Fri 09:00–19:00: stopped at the end of the window"
    edges = AuditEntry.objects.filter(action="endpoint.schedule_edge").order_by("at", "id")
    assert [(edge.actor_name, edge.before, edge.after) for edge in edges] == [
        ("system", {"instances": 1}, {"instances": 2}), ("system", {"instances": 2}, {"instances": 0})]


def test_running_the_sweep_twice_at_a_window_edge_sends_one_remote_call(running, in_berlin, sandbox):
    schedule = office_hours(running)
    sweep_schedules_at(WINDOW_START + timedelta(seconds=5))
    sweep_schedules_at(WINDOW_START + timedelta(seconds=5))
    schedules.apply_schedule(schedule.pk, WINDOW_START + timedelta(seconds=40))  # a task delivered twice
    assert remote_calls(sandbox, "PUT") == 1
    assert ScaleIntent.objects.filter(endpoint=running, reason="schedule").count() == 1
    schedule.refresh_from_db()
    assert (schedule.last_edge_at, schedule.last_action, schedule.last_outcome) == (WINDOW_START, "start",
                                                                                   "Scaled to 2.")


def test_the_minute_sweep_task_applies_a_due_window_once(running, sandbox):
    schedule = schedules.add_schedule(running, weekdays="0123456", start_time=time(0), end_time=time(23, 59),
                                     instances=2, now=timezone.now() - timedelta(days=2))
    tasks.sweep_endpoints()
    tasks.sweep_endpoints()
    schedule.refresh_from_db()
    assert schedule.last_edge_at is not None and remote_calls(sandbox, "PUT") == 1
    assert running.events.last().note.startswith("Schedule Mon–Sun 00:00–23:59: ")


def test_a_window_added_during_its_hours_waits_for_its_next_edge(running, in_berlin, sandbox):
    office_hours(running, now=WINDOW_START + timedelta(hours=2))
    sweep_schedules_at(WINDOW_START + timedelta(hours=2, minutes=1))
    running.refresh_from_db()
    assert running.target_instances == 1 and remote_calls(sandbox, "PUT") == 0


def test_a_window_already_satisfied_sends_nothing_and_says_so(running, in_berlin, sandbox):
    schedule = office_hours(running, instances=1)
    sweep_schedules_at(WINDOW_START)
    schedule.refresh_from_db()
    assert remote_calls(sandbox, "PUT") == 0 and schedule.last_outcome == "Already at 1: nothing sent."


def test_a_paused_window_does_nothing_and_resuming_skips_the_edges_it_missed(running, in_berlin, sandbox):
    schedule = office_hours(running)
    schedules.set_schedule_enabled(schedule, False)
    sweep_schedules_at(WINDOW_START)
    schedule.refresh_from_db()  # paused in the database, as the resume view would find it
    schedules.set_schedule_enabled(schedule, True, now=WINDOW_START + timedelta(hours=1))
    sweep_schedules_at(WINDOW_START + timedelta(hours=1, minutes=1))
    assert remote_calls(sandbox, "PUT") == 0


def test_a_window_does_not_start_an_endpoint_whose_monthly_budget_is_used_up(running, in_berlin, sandbox):
    schedule = office_hours(running)
    running.events.update(at=WINDOW_START - timedelta(days=5))
    budgets.set_budget(running, 1)
    sweep_schedules_at(WINDOW_START)
    schedule.refresh_from_db()
    assert remote_calls(sandbox, "PUT") == 0
    assert schedule.last_outcome == "Not started: this month's budget is used up."


# --- daylight saving time (pure: no endpoint needed) ---------------------------------------------


def daily(start, end):
    return EndpointSchedule(weekdays="0123456", start_time=start, end_time=end, instances=1)


def test_a_window_keeps_its_local_hours_when_the_clocks_go_forward():
    window = daily(time(9), time(10))
    saturday_noon = datetime(2026, 3, 28, 11, 0, tzinfo=UTC)
    latest, following = schedules.edges_around(window, saturday_noon, BERLIN)
    assert latest.at == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 10:00 CET, the Saturday's end
    assert following.at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST on Sunday
    assert following.at.astimezone(BERLIN).hour == 9


def test_a_start_in_the_skipped_hour_happens_once_an_hour_later():
    window = daily(time(2, 30), time(4))
    _, following = schedules.edges_around(window, datetime(2026, 3, 28, 23, 0, tzinfo=UTC), BERLIN)
    assert following.at == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST: 02:30 never happened
    assert following.is_start


def test_a_start_in_the_repeated_hour_happens_the_first_time_only():
    window = daily(time(2, 30), time(4))
    latest, following = schedules.edges_around(window, datetime(2026, 10, 25, 0, 0, tzinfo=UTC), BERLIN)
    assert following.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)
    _, after_start = schedules.edges_around(window, following.at, BERLIN)
    assert not after_start.is_start and after_start.at == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)  # 04:00 CET


# --- the endpoint page ----------------------------------------------------------------------------


@pytest.fixture
def stopped(owner):
    """An endpoint row with a service id: enough for the page and the forms, no remote calls."""
    return Endpoint.objects.create(owner=owner, workspace=personal_workspace(owner), name="night", status="stopped",
                                   service_id="svc-1", target_instances=0)


def test_the_page_shows_the_next_action_in_the_users_time_zone(owner_client, owner, stopped):
    set_time_zone(owner, "Asia/Kolkata")  # +05:30 all year, so a UTC time can never look right by chance
    schedules.add_schedule(stopped, weekdays="0123456", start_time=time(9), end_time=time(19), instances=3)
    page = owner_client.get(reverse("endpoints:detail", args=[stopped.uuid])).content.decode()
    assert "Weekly windows in your time zone, Asia/Kolkata" in page
    assert "Mon–Sun 09:00–19:00" in page
    local_hour = timezone.now().astimezone(ZoneInfo("Asia/Kolkata")).time()
    expected = "scale to 3 instances on" if not time(9) <= local_hour < time(19) else "stop on"
    next_line = page.split('class="next-action">Next: ')[1].split("</p>")[0]
    assert next_line.startswith(expected)
    assert ("09:00 IST" if expected.startswith("scale") else "19:00 IST") in next_line
    assert '+05:30"' in next_line


def add(client, endpoint, **fields):
    form = {"weekdays": ["0", "1", "2", "3", "4"], "start_time": "09:00", "end_time": "19:00", "instances": "2"}
    form.update(fields)
    return client.post(reverse("endpoints:schedule_add", args=[endpoint.uuid]), form)


def test_adding_a_window_saves_it_and_returns_to_the_schedule(owner_client, stopped):
    response = add(owner_client, stopped)
    assert response.status_code == 302 and response.url.endswith("#schedule")
    schedule = stopped.schedules.get()
    assert (schedule.weekdays, schedule.start_time, schedule.end_time, schedule.instances) == (
        "01234", time(9), time(19), 2)


@pytest.mark.parametrize("fields, message", [
    ({"end_time": "08:00"}, "Ends: End after the start (09:00); a window stays within one day."),
    ({"end_time": "09:00"}, "Ends: End after the start (09:00); a window stays within one day."),
    ({"weekdays": []}, "Days: Choose at least one day."),
    ({"weekdays": ["7"]}, "Days: Select a valid choice. 7 is not one of the available choices."),
    ({"instances": "0"}, "Instances: Ensure this value is greater than or equal to 1."),
    ({"start_time": "9 o'clock"}, "Starts: Enter a valid time."),
])
def test_a_bad_window_is_refused_with_a_message_naming_the_field_and_nothing_is_saved(
    owner_client, stopped, fields, message
):
    response = add(owner_client, stopped, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not stopped.schedules.exists()


def test_a_window_overlapping_another_on_a_shared_day_is_refused(owner_client, stopped):
    add(owner_client, stopped)
    response = add(owner_client, stopped, weekdays=["4", "5"], start_time="19:00", end_time="22:00")
    assert response.status_code == 400
    assert "Starts: This overlaps or touches the window Mon–Fri 09:00–19:00" in response.content.decode()
    assert stopped.schedules.count() == 1
    assert add(owner_client, stopped, weekdays=["5", "6"], start_time="10:00", end_time="14:00").status_code == 302


def test_removing_and_pausing_a_window(owner_client, stopped):
    schedule = office_hours(stopped)
    toggle = owner_client.post(reverse("endpoints:schedule_toggle", args=[stopped.uuid, schedule.uuid]))
    schedule.refresh_from_db()
    assert toggle.status_code == 302 and not schedule.enabled
    assert "Paused" in owner_client.get(reverse("endpoints:detail", args=[stopped.uuid])).content.decode()
    owner_client.post(reverse("endpoints:schedule_delete", args=[stopped.uuid, schedule.uuid]))
    assert not stopped.schedules.exists()


def test_bob_gets_404_on_every_schedule_url_of_alices_endpoint(client, other, stopped):
    schedule = office_hours(stopped)
    client.force_login(other)
    assert add(client, stopped).status_code == 404
    for name in ["schedule_toggle", "schedule_delete"]:
        assert client.post(reverse(f"endpoints:{name}", args=[stopped.uuid, schedule.uuid])).status_code == 404
    schedule.refresh_from_db()
    assert schedule.enabled and stopped.schedules.count() == 1


def test_a_window_of_another_endpoint_is_404_under_this_one(owner_client, owner, stopped):
    elsewhere = Endpoint.objects.create(owner=owner, workspace=personal_workspace(owner), name="day", status="stopped",
                                        service_id="svc-2")
    schedule = office_hours(elsewhere)
    url = reverse("endpoints:schedule_delete", args=[stopped.uuid, schedule.uuid])
    assert owner_client.post(url).status_code == 404 and EndpointSchedule.objects.filter(pk=schedule.pk).exists()


def test_schedule_urls_take_only_posts(owner_client, stopped):
    assert owner_client.get(reverse("endpoints:schedule_add", args=[stopped.uuid])).status_code == 405


def test_a_deleted_endpoint_cannot_get_a_window(owner_client, stopped):
    Endpoint.objects.filter(pk=stopped.pk).update(status="deleted")
    response = add(owner_client, stopped)
    assert response.status_code == 409
    assert "This endpoint is deleted; it cannot have a schedule." in response.content.decode()
    assert not stopped.schedules.exists()
