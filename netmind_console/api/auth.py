"""`Authorization: Bearer <key>`: who the request acts for, in which workspace, and whether it may write."""

from ninja.security import HttpBearer

from netmind_console.api import keys, rate_limit
from netmind_console.api.models import Scope
from netmind_console.api.problems import ApiProblem
from netmind_console.workspaces import access

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class KeyBearer(HttpBearer):
    def authenticate(self, request, token):
        try:
            key, membership = keys.key_in_use(token)
        except keys.KeyRefused as refusal:
            raise ApiProblem(401, str(refusal), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
        if request.method not in SAFE_METHODS and key.scope != Scope.WRITE:
            raise ApiProblem(403, "This API key can only read; create a read and write key to change anything.")
        rate_limit.check(key)
        request.user = key.user
        request.api_key = key
        access.act_only_in(request, membership)
        return key
