"""The endpoints app's part of the HTTP API (netmind_console/api/v1.py mounts `router`)."""

from ninja import Router

router = Router()


@router.get("/usage")
def usage(request):
    return {"ok": True}
