"""Names as people read them: providers and model parameters by the catalogue's words, never the API's keys."""

from django import template

from jobs import catalogue

register = template.Library()


@register.filter
def provider_name(provider: str) -> str:
    return catalogue.provider_name(provider)


@register.filter
def parameters(values: dict, model_key: str) -> list[tuple[str, str]]:
    """The model's parameters among `values` as (label, readable value) pairs; none for a model it does not know."""
    spec = catalogue.get(model_key)
    return spec.shown_parameters(values or {}) if spec else []


@register.filter
def labelled(values: dict, model_key: str) -> list[tuple[str, str]]:
    """Every one of `values` (a batch row's own) as a (label, readable value) pair, in its order."""
    spec = catalogue.get(model_key)
    return [spec.shown(name, value) if spec else (name, str(value)) for name, value in (values or {}).items()]


@register.filter
def field_label(spec, name: str) -> str:
    """A parameter's label in the model's form ("Audio clip" for audio_url); the name itself for an unknown model."""
    return spec.shown(name, "")[0] if spec else name
