import uuid

from django import forms
from django.core.validators import RegexValidator

from endpoints.flavors import cost_of, default_account, netmind_accounts
from endpoints.models import MAX_INSTANCES, WEEKDAY_NAMES, Endpoint, Flavor, Status
from endpoints.schedules import overlapping_window, window_label
from netmind_console.accounts.forms import AccountChoiceField
from netmind_console.core.json_input import parse_json_field

NAME_RULE = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
    "Use letters, digits, hyphens and underscores, starting with a letter or digit.",
)
IMAGE_RULE = RegexValidator(r"^\S+$", "An image reference has no spaces, e.g. python:3.10-slim.")
MAX_TRY_BODY_CHARS = 1_000_000
# What the new endpoint's cost preview is computed from.
COST_FIELDS = ("flavor", "instances", "gpus_per_instance")


class LabelledErrorsMixin:
    """Every message names its field, Django's stock ones too ("Port: Ensure this value is ...")."""

    def add_error(self, field, error):
        label = self.fields[field].label if field in self.fields else None
        if label:
            messages = error.messages if isinstance(error, forms.ValidationError) else [str(error)]
            error = [message if message.startswith(f"{label}:") else f"{label}: {message}" for message in messages]
        super().add_error(field, error)


class AccountChoiceMixin:
    """The "Account" field: a chooser when the workspace has several NetMind accounts, else hidden.

    Always a field, so an account named in the post that is not one of the workspace's (a forged UUID,
    or a page rendered in another workspace) is refused, never quietly replaced by the first account.
    """

    def _add_account_field(self, workspace):
        self.accounts = netmind_accounts(workspace)
        self.default_account = default_account(workspace)
        several = self.accounts.count() > 1
        self.fields["account"] = AccountChoiceField(
            label="Account", queryset=self.accounts, to_field_name="uuid", required=several,
            initial=self.default_account if several else None, empty_label=None,
            widget=forms.Select if several else forms.HiddenInput,
            error_messages={"invalid_choice": "That is not one of this workspace's NetMind accounts."},
        )

    def chosen_account(self):
        return self.cleaned_data.get("account") or self.default_account


class FlavorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, flavor):
        return str(flavor) if flavor.is_available else f"{flavor} — none available"


class CreateEndpointForm(LabelledErrorsMixin, AccountChoiceMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=64, validators=[NAME_RULE])
    flavor = FlavorChoiceField(label="Flavor", queryset=Flavor.objects.none(), empty_label="Choose a GPU flavor")
    instances = forms.IntegerField(label="Instances", min_value=1, max_value=MAX_INSTANCES, initial=1)
    # The hint starts with "e.g.": a bare image name in grey read as a value already filled in.
    image_url = forms.CharField(
        label="Container image", max_length=500, validators=[IMAGE_RULE],
        widget=forms.TextInput(attrs={"placeholder": "e.g. vllm/vllm-openai:latest"}),
        help_text="The Docker image to run, as you would pull it; it must answer HTTP on the port below.",
    )
    command = forms.CharField(label="Command", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    port = forms.IntegerField(label="Port", min_value=1, max_value=65535, initial=8080)
    gpus_per_instance = forms.IntegerField(label="GPUs per instance", min_value=1, initial=1)
    create_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self._add_account_field(workspace)
        self.fields["flavor"].queryset = Flavor.objects.filter(
            base_url__in=self.accounts.values("base_url"), listed=True
        )
        self.fields["create_key"].initial = uuid.uuid4()

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = Endpoint.objects.filter(workspace=self.workspace, name=name).exclude(status=Status.DELETED)
        if self.data.get("create_key"):
            taken = taken.exclude(create_key=self.data.get("create_key"))  # a resubmit of the same form
        if taken.exists():
            raise forms.ValidationError(f"{self.workspace.name} already has an endpoint with this name.")
        return name

    def clean_flavor(self):
        flavor = self.cleaned_data["flavor"]
        if not flavor.is_available:
            raise forms.ValidationError("None of these GPUs are available right now; choose another.")
        return flavor

    def clean(self):
        data = super().clean()
        flavor, gpus = data.get("flavor"), data.get("gpus_per_instance")
        account = self.chosen_account()
        if flavor and account and flavor.base_url != account.base_url:
            self.add_error("flavor", "This flavor belongs to another account's API; refresh the flavors.")
        instances = data.get("instances")
        if flavor and instances and instances > flavor.available_num:
            self.add_error("instances", f"Only {flavor.available_num} of this flavor are available right now.")
        if flavor and gpus and gpus > flavor.node_max_gpu:
            self.add_error(
                "gpus_per_instance",
                f"{flavor.gpu_name} allows at most {flavor.node_max_gpu} GPU"
                f"{'s' if flavor.node_max_gpu != 1 else ''} per instance.",
            )
        return data

    def cost(self):
        """The cost of what the form currently says, or None until flavor, instances and GPUs are valid."""
        data = getattr(self, "cleaned_data", None) or {}
        flavor, instances, gpus = data.get("flavor"), data.get("instances"), data.get("gpus_per_instance")
        if not (flavor and instances and gpus):
            return None
        return cost_of(flavor.usd_per_gpu_hour, instances, gpus)

    def cost_problems(self):
        """Why there is no cost although the fields it needs are filled in (say, more GPUs than the flavor
        allows): the preview says so before Create is pressed. A field left empty is no problem yet."""
        return [message for name in COST_FIELDS if self.is_bound and self.data.get(name)
                for message in self.errors.get(name, [])]


class ScaleForm(LabelledErrorsMixin, forms.Form):
    instances = forms.IntegerField(label="Instances", min_value=0, max_value=MAX_INSTANCES)
    intent_key = forms.UUIDField(widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DeleteForm(LabelledErrorsMixin, forms.Form):
    confirm_name = forms.CharField(label="Name")

    def __init__(self, *args, endpoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.endpoint = endpoint

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"].strip()
        if typed != self.endpoint.name:
            raise forms.ValidationError(f"Type it exactly as shown, {self.endpoint.name}, to delete.")
        return typed


class TryItForm(LabelledErrorsMixin, forms.Form):
    path = forms.CharField(label="Path", max_length=500, initial="/")
    body = forms.CharField(label="JSON body", widget=forms.Textarea(attrs={"rows": 6}), initial="{}")

    def clean_path(self):
        path = self.cleaned_data["path"].strip()
        if not path.startswith("/") or path.startswith("//") or ".." in path or "://" in path:
            raise forms.ValidationError("Start with a single / and stay inside the endpoint, e.g. /predict.")
        return path

    def clean_body(self):
        # No name: LabelledErrorsMixin puts "JSON body:" in front of the message.
        return parse_json_field(self.cleaned_data["body"], max_chars=MAX_TRY_BODY_CHARS)


class AdoptForm(LabelledErrorsMixin, AccountChoiceMixin, forms.Form):
    service_id = forms.CharField(label="Service id", max_length=100,
                                 validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", "Letters, digits, - and _ only.")])

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_account_field(workspace)


class BudgetForm(LabelledErrorsMixin, forms.Form):
    monthly_budget_usd = forms.DecimalField(label="Monthly budget (USD)", min_value=0, max_digits=10,
                                            decimal_places=2, required=False)


class ScheduleForm(LabelledErrorsMixin, forms.Form):
    weekdays = forms.MultipleChoiceField(
        label="Days", choices=list(enumerate(WEEKDAY_NAMES)), widget=forms.CheckboxSelectMultiple,
        initial=["0", "1", "2", "3", "4"], error_messages={"required": "Choose at least one day."},
    )
    start_time = forms.TimeField(label="Starts", initial="09:00", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="Ends", initial="19:00", widget=forms.TimeInput(attrs={"type": "time"}))
    instances = forms.IntegerField(label="Instances", min_value=1, max_value=MAX_INSTANCES, initial=1)

    def __init__(self, *args, endpoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.endpoint = endpoint

    def clean_weekdays(self):
        return "".join(sorted(self.cleaned_data["weekdays"]))

    def clean(self):
        data = super().clean()
        days, start, end = data.get("weekdays"), data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            # A window stays within one local day, so each edge belongs to exactly one date.
            self.add_error("end_time", f"End after the start ({start:%H:%M}); a window stays within one day.")
        elif days and start and end:
            other = overlapping_window(self.endpoint, days, start, end)
            if other:
                self.add_error("start_time", f"This overlaps or touches the window {window_label(other)}; "
                                             "leave a gap between windows of one endpoint.")
        return data
