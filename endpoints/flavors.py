"""The NetMind accounts a workspace runs endpoints on, their cached GPU flavors, and what a size costs."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from endpoints.models import Flavor
from netmind_console.accounts.models import Provider, ProviderAccount
from netmind_console.accounts.services import accounts_for, client_for_account
from netmind_console.accounts.services import default_account as default_account_of

CENT = Decimal("0.01")
HOURS_PER_DAY = 24
HOURS_PER_30_DAYS = 720


def netmind_accounts(workspace):
    """The workspace's NetMind accounts: the only ones its forms offer, so another workspace's is refused."""
    return accounts_for(workspace, Provider.NETMIND).order_by("created_at", "id")


def default_account(workspace) -> ProviderAccount | None:
    """The workspace's default NetMind account (an admin's choice in Settings), which every form preselects."""
    return default_account_of(workspace, Provider.NETMIND)


def flavors_for(account: ProviderAccount):
    return Flavor.objects.filter(base_url=account.base_url, listed=True)


def refresh_flavors(account: ProviderAccount) -> int:
    """Replace the cached flavor list of the account's API; returns how many are listed now."""
    with client_for_account(account) as client:
        remote = client.list_flavors()
    now = timezone.now()
    priced = [flavor for flavor in remote if flavor.usd_per_gpu_hour is not None]
    with transaction.atomic():
        for flavor in priced:
            Flavor.objects.update_or_create(
                base_url=account.base_url,
                flavor_id=flavor.flavor_id,
                defaults={
                    "display_name": flavor.display_name,
                    "cluster_id": flavor.cluster_id or "",
                    "cluster_flavor_id": flavor.cluster_flavor_id or "",
                    "cuda": flavor.cuda or "",
                    "region": flavor.region or "",
                    "usd_per_gpu_hour": flavor.usd_per_gpu_hour,
                    "available_num": max(flavor.available_num or 0, 0),
                    "node_max_gpu": max(flavor.node_max_gpu or 1, 1),
                    "listed": True,
                    "refreshed_at": now,
                },
            )
        # Kept, not deleted: endpoints created on a withdrawn flavor still point at it.
        Flavor.objects.filter(base_url=account.base_url).exclude(
            flavor_id__in=[flavor.flavor_id for flavor in priced]
        ).update(listed=False, refreshed_at=now)
    return len(priced)


def known_flavor(account: ProviderAccount, flavor_id) -> Flavor | None:
    """The cached flavor with this id, refreshing the cache once if it is not there (yet)."""
    if not flavor_id:
        return None
    found = Flavor.objects.filter(base_url=account.base_url, flavor_id=flavor_id).first()
    if found is None:
        refresh_flavors(account)
        found = Flavor.objects.filter(base_url=account.base_url, flavor_id=flavor_id).first()
    return found


@dataclass(frozen=True)
class Cost:
    hourly: Decimal
    daily: Decimal
    monthly: Decimal  # 30 days


def cost_of(usd_per_gpu_hour: Decimal, instances: int, gpus_per_instance: int) -> Cost:
    hourly = usd_per_gpu_hour * instances * gpus_per_instance
    return Cost(
        hourly=hourly.quantize(CENT),
        daily=(hourly * HOURS_PER_DAY).quantize(CENT),
        monthly=(hourly * HOURS_PER_30_DAYS).quantize(CENT),
    )
