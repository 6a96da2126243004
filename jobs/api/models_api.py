"""GET /models: the catalogue, each model's parameters as JSON Schema."""

from ninja import Router

from jobs import catalogue
from jobs.api.schemas import ModelOut
from jobs.parameter_schema import parameters_schema

router = Router(tags=["models"])


@router.get("/models", response=list[ModelOut], summary="The models a job can use")
def list_models(request):
    return [_model(spec) for spec in [*catalogue.offered(), catalogue.CUSTOM]]


def _model(spec: catalogue.ModelSpec) -> dict:
    return {"key": spec.key, "label": spec.label, "description": spec.description, "provider": spec.provider,
            "output_kind": spec.output_kind, "needs_image": spec.needs_image, "takes_prompt": spec.has_prompt,
            "legacy": spec.legacy, "parameters": parameters_schema(spec)}
