"""The New job form's data as the job commands take it (`submit --set`, `batch --param`): what the page posts
untouched for the model, then each NAME=VALUE given. The form then checks the values as it checks the page's."""

from django.core.management.base import CommandError

from jobs import catalogue
from jobs.forms import JobForm

# Fields the commands fill themselves, or that name the seed's mode (a seed given means a fixed one).
NOT_ASSIGNABLE = {"model", "account", "prompt", "seed_mode"}


def form_data(spec: catalogue.ModelSpec, workspace, account, assignments: list[str], option: str) -> dict:
    """`assignments` are `option`'s values; one naming no field of the model's form is refused by name."""
    data = {"model": spec.key, "account": account.pk if account else "", "seed_mode": "random", "config_json": "{}"}
    data.update({f.name: f.default for f in spec.fields if f.default is not None and f.kind != "bool"})
    data.update({f.name: "on" for f in spec.fields if f.kind == "bool" and f.default})
    names = [name for name in JobForm(spec=spec, workspace=workspace).fields if name not in NOT_ASSIGNABLE]
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise CommandError(f"{option} takes NAME=VALUE, not {assignment!r}.")
        if name not in names:
            raise CommandError(f"{option} {name}: {spec.label} has no such parameter; its parameters: "
                               f"{', '.join(names) or 'none'}.")
        data[name] = value
    if "seed" in data:
        data["seed_mode"] = "fixed"
    return data
