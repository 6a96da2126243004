"""What the endpoints and usage operations take and answer.

Amounts of money (US dollars) and Apinfer credits are strings with two decimals ("12.50"): JSON numbers are
floats, and a float does not keep cents exact. A price per GPU-hour has four decimals, as the provider lists it.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Schema

from endpoints.flavors import CENT
from endpoints.models import MAX_INSTANCES, EndpointSchedule, ScaleIntent, Status

Money = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["12.50"],
                             description="US dollars with two decimals, as a string (exact)")]
Credits = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["3.50"],
                               description="Apinfer credits with two decimals, as a string (exact)")]
BudgetStatus = Literal["none", "ok", "warning", "used_up"]


def two_decimals(amount) -> str:
    """Money and credits as the schemas describe them."""
    return f"{Decimal(amount).quantize(CENT)}"


class EndpointOut(Schema):
    uuid: UUID
    name: str
    status: Status
    status_text: str = Field(description="The status in words; the provider's own word when `status` is `other`")
    status_info: str = Field(description="What the provider or the console said about the status, if anything")
    target_instances: int = Field(description="What the console last asked for")
    reported_instances: int = Field(description="What the provider last reported running")
    last_nonzero_instances: int = Field(description="What start scales back to")
    flavor: str | None = Field(description="The GPU, e.g. RTX_4090; null when the flavor is no longer known")
    region: str | None
    gpus_per_instance: int
    usd_per_gpu_hour: str = Field(pattern=r"^\d+\.\d{4}$", examples=["0.3000"],
                                  description="The price when created, four decimals")
    hourly_usd: Money = Field(description="What it costs per hour now (0 while it runs nothing billed)")
    month_spend_usd: Money = Field(description="Spent this calendar month (the console's time zone)")
    projected_month_spend_usd: Money = Field(description="This month's spend plus the hourly cost until its end")
    monthly_budget_usd: Money | None = Field(description="Null without a budget")
    budget_status: BudgetStatus = Field(
        description="`warning` from 80 % of the monthly budget; at `used_up` the console stops the endpoint")
    url: str | None = Field(description="Where the service answers, once the provider gave it")
    created_at: datetime


class EndpointList(Schema):
    items: list[EndpointOut]


class EventOut(Schema):
    at: datetime
    status: Status
    status_text: str
    instances: int
    note: str


class ScaleOut(Schema):
    """One wish to run `target` instances and what became of it."""

    target: int
    state: ScaleIntent.State = Field(description="pending and sending: not sent yet; skipped: already so")
    reason: ScaleIntent.Reason
    error: str = Field(description="Why it failed, when `state` is failed")
    requested_at: datetime


class NextActionOut(Schema):
    at: datetime
    action: EndpointSchedule.Action
    instances: int


class WindowOut(Schema):
    uuid: UUID
    days: str = Field(examples=["Mon–Fri"])
    weekdays: list[int] = Field(description="0 is Monday")
    start_time: str = Field(examples=["09:00"])
    end_time: str = Field(examples=["19:00"])
    instances: int
    enabled: bool
    next_action: NextActionOut | None = Field(description="Null while the window is paused")


class ScheduleOut(Schema):
    time_zone: str = Field(description="The endpoint creator's zone, which the windows' times are in")
    windows: list[WindowOut]


class EndpointDetail(EndpointOut):
    settled: bool = Field(description="False while something is changing: read it again in a few seconds")
    spend_usd: Money = Field(description="Spent since it was created")
    last_scale: ScaleOut | None
    events: list[EventOut] = Field(description="The latest changes of status or instances, newest first")
    schedule: ScheduleOut


class ScaleIn(Schema):
    instances: int = Field(ge=0, le=MAX_INSTANCES, description="0 stops the endpoint")


class ScaleAnswer(Schema):
    endpoint: EndpointOut
    scale: ScaleOut


class UsageDay(Schema):
    date: date
    jobs: int = Field(description="Jobs submitted that day, whatever became of them")
    apinfer_credits: Credits = Field(description="Credits of the Apinfer jobs that succeeded that day")
    endpoint_spend_usd: Money
    spend_by_endpoint: dict[str, Money] = Field(description="By endpoint UUID, for the endpoints in `endpoints`")


class UsageEndpoint(Schema):
    uuid: UUID
    name: str
    spend_usd: Money = Field(description="Over the whole period")


class UsageTotals(Schema):
    jobs: int
    apinfer_credits: Credits
    endpoint_spend_usd: Money


class UsageOut(Schema):
    time_zone: str = Field(description="Days run midnight to midnight here: the key owner's time zone (Settings)")
    days: list[UsageDay] = Field(description="Oldest first, ending today")
    endpoints: list[UsageEndpoint] = Field(description="The endpoints that cost something in the period")
    totals: UsageTotals
