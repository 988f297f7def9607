#!/usr/bin/env python3
"""A business service behind a wxgate webhook, with the Python standard library only.

It checks every request the way a service should: the timestamp is within a window (a captured
request cannot be replayed later) and the signature is HMAC-SHA256(secret, timestamp + "." +
body), compared in constant time. Then it answers a sync webhook with a text reply that becomes
the user's passive reply:

    {"reply": {"type": "text", "content": "..."}}

and answers 204 (no reply) to what it has nothing to say to. For async webhooks any 2xx is
"delivered"; de-duplicate on X-Wxgate-Delivery, which stays the same across retries.

Configure the gateway with

    [[accounts.webhooks]]
    url = "http://127.0.0.1:8090/wechat-events"
    secret = "the same secret as --secret"
    events = ["text", "subscribe", "SCAN"]
    mode = "sync"

and run  python3 webhook_service.py --port 8090 --secret '...'  (or WEBHOOK_SECRET in the
environment). --port 0 picks a free port; the address is printed as "listening on http://...".
"""

import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Requests older or newer than this (seconds) are refused.
TIMESTAMP_WINDOW = 300
# Bodies larger than this are refused.
MAX_BODY = 1 << 20


def verify(secret: bytes, headers, body: bytes, now: float) -> str | None:
    """Returns why the request is not from the gateway, or None if it is."""
    timestamp = headers.get("X-Wxgate-Timestamp", "")
    signature = headers.get("X-Wxgate-Signature", "")
    if not timestamp.isdigit():
        return "missing or malformed X-Wxgate-Timestamp"
    if abs(now - int(timestamp)) > TIMESTAMP_WINDOW:
        return "timestamp outside the window"
    expected = "sha256=" + hmac.new(
        secret, timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return "bad signature"
    return None


def answer(event: dict) -> dict | None:
    """The reply to a push, or None for no reply (the gateway then uses its configured one)."""
    if event.get("msg_type") == "text":
        text = event.get("message", {}).get("Content", "")
        return {"type": "text", "content": f"The service got: {text}"}
    if event.get("event") in ("subscribe", "SCAN") and event.get("scene"):
        return {"type": "text", "content": f"Welcome from {event['scene']}"}
    return None


def make_handler(secret: bytes):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self.plain(413, "too large")
            body = self.rfile.read(length)
            problem = verify(secret, self.headers, body, time.time())
            if problem:
                return self.plain(401, problem)
            try:
                event = json.loads(body)
            except ValueError:
                return self.plain(400, "not JSON")
            reply = answer(event)
            if reply is None:
                self.send_response(204)
                self.end_headers()
                return
            data = json.dumps({"reply": reply}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def plain(self, status: int, text: str):
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args):
            # One line per request on stderr, never the headers (the signature) or the body.
            sys.stderr.write("%s %s\n" % (self.command, self.path))

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"))
    args = parser.parse_args()
    if not args.secret:
        parser.error("--secret or WEBHOOK_SECRET is required")
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.secret.encode()))
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
