"""The New job form's data as the job commands take it (`submit --set`, `batch --param`): what the page posts
untouched for the model, then each NAME=VALUE given. The form then checks the values as it checks the page's."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError

from jobs import catalogue
from jobs.forms import JobForm
from jobs.parameter_fields import allowed_values

# Fields the commands fill themselves, or that name the seed's mode (a seed given means a fixed one).
NOT_ASSIGNABLE = {"model", "account", "prompt", "seed_mode"}


def known_models() -> str:
    return ", ".join([*(spec.key for spec in catalogue.offered()), catalogue.CUSTOM_KEY])


def form_data(spec: catalogue.ModelSpec, workspace, account, assignments: list[str], option: str) -> dict:
    """`assignments` are `option`'s values; one naming no field of the model's form is refused by name."""
    data = {"model": spec.key, "account": account.pk if account else "", "seed_mode": "random", "config_json": "{}"}
    data.update({f.name: f.default for f in spec.fields if f.default is not None and f.kind != "bool"})
    data.update({f.name: "on" for f in spec.fields if f.kind == "bool" and f.default})
    files = {f.name for f in spec.file_fields}
    names = [name for name in JobForm(spec=spec, workspace=workspace).fields
             if name not in NOT_ASSIGNABLE and name not in files]
    for name, value in _pairs(assignments, option):
        if name in files:
            raise CommandError(f"{option} {name}: a file; give it with --input {name}=PATH.")
        if name not in names:
            raise CommandError(f"{option} {name}: {spec.label} has no such parameter; its parameters: "
                               f"{', '.join(names) or 'none'}.")
        data[name] = value
    if "seed" in data:
        data["seed_mode"] = "fixed"
    return data


def input_files(spec: catalogue.ModelSpec, inputs: list[str], option: str = "--input") -> dict:
    """`--input NAME=PATH` values as the form's files: NAME is one of the model's file inputs (or `image`, the first
    frame of a model that needs one)."""
    names = [field.name for field in spec.file_fields] + (["image"] if spec.needs_image else [])
    files = {}
    for name, path in _pairs(inputs, option, shape="NAME=PATH"):
        if name not in names:
            raise CommandError(f"{option} {name}: {spec.label} takes no such file; its file inputs: "
                               f"{', '.join(names) or 'none'}.")
        files[name] = read_file(Path(path), f"{option} {name}")
    return files


def image_input_name(spec: catalogue.ModelSpec) -> str | None:
    """Which file `--image` gives: the first frame, or the model's one image input."""
    if spec.needs_image:
        return "image"
    images = [field.name for field in spec.file_fields if field.media == "image"]
    return images[0] if len(images) == 1 else None


def read_file(path: Path, option: str) -> SimpleUploadedFile:
    try:
        content = path.read_bytes()
    except OSError as error:  # missing, a directory, unreadable, or a name too long for the file system
        raise CommandError(f"{option}: cannot read {str(path)[:200]}: {error.strerror or error}.") from None
    return SimpleUploadedFile(path.name, content)


def refusal(form: JobForm) -> str:
    """The form's errors as one line, a refused choice followed by the values it takes."""
    spec_fields = {field.name: field for field in form.spec.fields}
    problems = []
    for name, errors in form.errors.items():
        problem = f"{name}: {' '.join(errors)}"
        if name in spec_fields and spec_fields[name].choices:
            problem += f" Allowed values: {allowed_values(spec_fields[name])}."
        problems.append(problem)
    return "; ".join(problems)


def _pairs(assignments: list[str], option: str, shape: str = "NAME=VALUE"):
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise CommandError(f"{option} takes {shape}, not {assignment!r}.")
        yield name, value
