"""Every model the console knows, as data: one JSON document per model (documents.py), the project's own in
`shipped/`, the ones admins add in the database (registry.py); each read as a ModelSpec.

A model the catalogue does not know yet can still be sent as "another generation model" with a
free model id and a JSON config (CUSTOM_KEY).
"""

from jobs.catalogue import registry
from jobs.catalogue.specs import (
    CHOICE_LABELS,
    COLUMN_LABELS,
    CUSTOM_KEY,
    PROVIDER_NAMES,
    FieldSpec,
    ModelSpec,
)

__all__ = ["CHOICE_LABELS", "COLUMN_LABELS", "CUSTOM", "CUSTOM_KEY", "MODELS", "FieldSpec", "ModelSpec", "choices",
           "get", "offered", "provider_name", "submittable"]

# The models the project ships, as their documents describe them (an admin's edits are read through get()).
MODELS: dict[str, ModelSpec] = registry.SHIPPED

CUSTOM = ModelSpec(
    key=CUSTOM_KEY, label="Another generation model", provider="netmind", adapter="generation",
    output_kind="image", typical_seconds=30,
    description="Any NetMind generation model by id, with a JSON config, for models the catalogue does not know yet.",
)


def get(key: str) -> ModelSpec | None:
    """The model's spec, also when it is disabled: its jobs are shown as they were."""
    return CUSTOM if key == CUSTOM_KEY else registry.spec(key)


def submittable(key: str) -> ModelSpec | None:
    """The model's spec if new jobs may use it (known and enabled)."""
    return CUSTOM if key == CUSTOM_KEY else registry.spec(key) if registry.is_enabled(key) else None


def offered() -> list[ModelSpec]:
    """The enabled models, in the order pages list them (the custom model is not one of them)."""
    return registry.enabled_specs()


def provider_name(provider: str) -> str:
    """"NetMind" or "Apinfer", as pages name a provider; an unknown key as it is."""
    return PROVIDER_NAMES.get(provider, provider)


def choices():
    grouped = {}
    for spec in [*offered(), CUSTOM]:
        group = "Legacy (Haiper)" if spec.legacy else provider_name(spec.provider)
        grouped.setdefault(group, []).append((spec.key, spec.label))
    return list(grouped.items())
