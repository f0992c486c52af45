"""Schemathesis hooks for scripts/check-api: webhooks signed the way each PSP signs them.

Every generated body for POST /webhooks/{connection} is serialised here, once, and signed over exactly those bytes
with the connection's sandbox secret (or the one in the environment, as the gateway reads it), so the run reaches the
gateway's parsing and ingestion rather than stopping at 401. Unknown connections are sent unsigned.
"""
import hashlib
import hmac
import json
import os
from datetime import datetime, timezone

import schemathesis


def secret(name, default):
    return os.environ.get(name) or default


def sign(key, message):
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path != "/webhooks/{connection}":
        return
    if type(case.body).__name__ == "NotSet":
        return
    body = case.body if isinstance(case.body, bytes) else json.dumps(case.body, separators=(",", ":")).encode()
    kwargs["data"] = body
    headers = dict(case.headers or {})
    for name in ("Authorization", "X-Date", "X-Login", "Cko-Signature", "PE-Signature"):
        headers.pop(name, None)
    connection = (case.path_parameters or {}).get("connection")
    if connection == "dlocal":
        login = secret("DLOCAL_X_LOGIN", "sbx_login_pasarela")
        date = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        signature = sign(secret("DLOCAL_SECRET_KEY", "sbx_secret_key_pasarela"), login.encode() + date.encode() + body)
        headers.update({"X-Date": date, "X-Login": login, "Authorization": f"V2-HMAC-SHA256, Signature: {signature}"})
    elif connection == "checkout":
        headers["Cko-Signature"] = sign(secret("CHECKOUT_WEBHOOK_SECRET", "whsec_pasarela_sandbox"), body)
    elif connection == "pagoefectivo":
        headers["PE-Signature"] = sign(secret("PAGOEFECTIVO_SECRET_KEY", "SECRETKEYSANDBOX"), body)
    headers["Content-Type"] = "application/json"
    case.headers = headers
