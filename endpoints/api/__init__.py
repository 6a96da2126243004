"""The endpoints app's part of the HTTP API (netmind_console/api/v1.py mounts `router`): endpoints and usage."""

from ninja import Router

from endpoints.api import endpoints_api, usage_api

router = Router()
router.add_router("", endpoints_api.router)
router.add_router("", usage_api.router)
