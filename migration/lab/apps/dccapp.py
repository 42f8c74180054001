"""Shared bits of the lab's sample legacy apps (stdlib only; copied to /opt/<app id>/).

Reads /etc/<app id>/app.conf (KEY=VALUE) and serves JSON over HTTP/1.1 keep-alive.
"""

import json
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def load_conf(path):
    conf = {}
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                conf[key.strip()] = value.strip()
    return conf


class Handler(BaseHTTPRequestHandler):
    """Routes are (method, path prefix) -> fn(handler, rest) returning (code, payload)."""

    protocol_version = "HTTP/1.1"  # keep-alive, so peers hold ESTABLISHED connections
    timeout = 120
    routes: dict = {}  # noqa: RUF012 - replaced per app by serve()

    def _dispatch(self, method):
        path = self.path.split("?", 1)[0]
        for (m, prefix), fn in self.routes.items():
            if m == method and (path == prefix or path.startswith(prefix.rstrip("/") + "/")):
                try:
                    code, payload = fn(self, path[len(prefix):].lstrip("/"))
                except Exception as exc:  # noqa: BLE001 - a legacy app answers 500 and keeps serving
                    code, payload = 500, {"status": "error", "error": str(exc)}
                return self.reply(code, payload)
        self.reply(404, {"status": "error", "error": "not found"})

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, code, payload):
        if isinstance(payload, bytes):
            data, ctype = payload, "application/octet-stream"
        else:
            data, ctype = (json.dumps(payload, sort_keys=True) + "\n").encode(), "application/json"
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")


def health(app_id, **extra):
    return dict(status="ok", app=app_id, host=socket.gethostname(), **extra)


def serve(port, routes):
    handler = type("AppHandler", (Handler,), {"routes": routes})
    server = ThreadingHTTPServer(("0.0.0.0", int(port)), handler)
    server.daemon_threads = True
    server.serve_forever()
