#!/usr/bin/env python3
# The README's receiver recipe (the function below, verbatim), run by webhook_sink_test against
# a request the sink really sent: usage: verify_webhook.py DIR, where DIR holds `secret`,
# `headers` (one "name: value" per line) and `body` (the raw bytes). Exit 0 = verified.
import sys
from pathlib import Path

# --- README recipe begins ---
import base64, hashlib, hmac, time

def verify_webhook(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> bool:
    """headers: lower-case names; body: the raw request body, exactly as received."""
    key = (base64.b64decode(secret[6:], validate=True) if secret.startswith("whsec_")
           else secret.encode())
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if not (ts.isascii() and ts.isdigit()) or abs(time.time() - int(ts)) > tolerance:
        return False  # missing, malformed or stale timestamp: a replay
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(mac).decode()
    return any(hmac.compare_digest(sig, expected) for sig in headers["webhook-signature"].split())
# --- README recipe ends ---

if __name__ == "__main__":
    folder = Path(sys.argv[1])
    headers = {}
    for line in (folder / "headers").read_text().splitlines():
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    ok = verify_webhook((folder / "secret").read_text().strip(), headers,
                        (folder / "body").read_bytes())
    sys.exit(0 if ok else 1)
