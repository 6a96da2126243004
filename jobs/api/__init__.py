"""The jobs app's part of the HTTP API (netmind_console/api/v1.py mounts `router`): the catalogue, jobs,
their files and comparisons, one module per concern."""

from ninja import Router

from jobs.api import compare_api, jobs_api, models_api, outputs_api

router = Router()
for part in (models_api, jobs_api, outputs_api, compare_api):
    router.add_router("", part.router)
