"""Pre-signed-looking object-store links that the sandbox itself serves and that really expire.

The signature is an HMAC over (method, key, date, expiry) with a secret kept in the store, so a
link survives a sandbox restart but not a change to any of its parts.
"""

import calendar
import hashlib
import hmac
import time
from urllib.parse import quote

DATE_FORMAT = "%Y%m%dT%H%M%SZ"


class Signer:
    def __init__(self, secret: str):
        self._secret = secret.encode()

    def _signature(self, method: str, key: str, date: str, expires: str) -> str:
        message = f"{method}\n{key}\n{date}\n{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def url(self, base: str, key: str, ttl: int, method: str = "GET") -> str:
        date = time.strftime(DATE_FORMAT, time.gmtime())
        query = (
            f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}&X-Amz-Expires={int(ttl)}"
            f"&X-Amz-SignedHeaders=host&X-Amz-Signature={self._signature(method, key, date, str(int(ttl)))}"
        )
        return f"{base}/files/{quote(key)}?{query}"

    def check(self, method: str, key: str, query: dict[str, str]) -> tuple[str, str] | None:
        """None when the link is good, else the S3 error code and message to answer 403 with."""
        date, expires, signature = (query.get(f"X-Amz-{name}", "") for name in ("Date", "Expires", "Signature"))
        if not (date and expires and signature):
            return "AccessDenied", "Query-string authentication requires the Signature, Expires and Date parameters"
        # A HEAD is allowed on a link signed for GET, as S3 does.
        signed_method = "GET" if method == "HEAD" else method
        if not hmac.compare_digest(signature, self._signature(signed_method, key, date, expires)):
            return "SignatureDoesNotMatch", "The request signature we calculated does not match the one provided"
        try:
            issued = calendar.timegm(time.strptime(date, DATE_FORMAT))
            lifetime = int(expires)
        except ValueError:
            return "AccessDenied", "Invalid date or expiry"
        if time.time() > issued + lifetime:
            return "AccessDenied", "Request has expired"
        return None
