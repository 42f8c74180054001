#!/usr/bin/python3
"""Rekap Dana Desa status page: the latest report, and the form villages submit to.

GET /status, GET /laporan/terbaru (latest CSV), POST /kirim {"desa", "jumlah"} (201 once the
submission is on disk in the spool), GET /kiriman/<id> (where it is: masuk or arsip).
Settings: /etc/default/rekapdesa (SPOOL, PORT).
"""

import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def settings(path):
    out = {}
    with open(path) as fh:
        for line in fh:
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith("#"):
                out[key] = value.strip('"')
    return out


ENV = settings(sys.argv[1] if len(sys.argv) > 1 else "/etc/default/rekapdesa")
SPOOL = ENV["SPOOL"]


def reports():
    return sorted(n for n in os.listdir(os.path.join(SPOOL, "reports")) if n.endswith(".csv"))


def count(sub):
    return sum(1 for n in os.listdir(os.path.join(SPOOL, sub)) if n.endswith(".txt"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, payload, ctype="application/json"):
        data = payload if isinstance(payload, bytes) else (json.dumps(payload) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def guarded(self, handler):
        try:
            handler()
        except Exception as exc:  # noqa: BLE001 - a failed write answers 500 (never 201); the server keeps serving
            self.send(500, {"status": "error", "error": str(exc)})

    def do_GET(self):
        self.guarded(self.get)

    def do_POST(self):
        self.guarded(self.post)

    def get(self):
        path = self.path.partition("?")[0]
        done = reports()
        if path == "/status":
            latest = done[-1] if done else None
            age = time.time() - os.path.getmtime(os.path.join(SPOOL, "reports", latest)) if latest else None
            return self.send(200 if latest else 503, {
                "status": "ok" if latest else "no report yet", "app": "rekapdesa", "host": socket.gethostname(),
                "latest_report": latest, "report_age_s": age, "reports": len(done),
                "pending": count("masuk"), "archived": count("arsip")})
        if path == "/laporan/terbaru" and done:
            with open(os.path.join(SPOOL, "reports", done[-1]), "rb") as fh:
                return self.send(200, fh.read(), "text/csv")
        if path.startswith("/kiriman/"):
            name = os.path.basename(path) + ".txt"
            for sub in ("masuk", "arsip"):
                if os.path.exists(os.path.join(SPOOL, sub, name)):
                    return self.send(200, {"id": name[:-4], "where": sub})
        self.send(404, {"status": "error", "error": "not found"})

    def post(self):
        if self.path.partition("?")[0] != "/kirim":
            return self.send(404, {"status": "error", "error": "not found"})
        item = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        desa = str(item.get("desa", "")).replace("\t", " ").replace("\n", " ")
        ident = f"{time.time_ns()}-{os.getpid()}-{os.urandom(3).hex()}"
        tmp = os.path.join(SPOOL, "masuk", f".{ident}.tmp")
        with open(tmp, "w") as fh:
            fh.write(f"{desa}\t{int(item.get('jumlah', 0))}\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, os.path.join(SPOOL, "masuk", ident + ".txt"))
        self.send(201, {"id": ident})

    def log_message(self, fmt, *args):
        sys.stderr.write(f"{self.address_string()} {fmt % args}\n")


if __name__ == "__main__":
    server = ThreadingHTTPServer(("0.0.0.0", int(ENV["PORT"])), Handler)
    server.daemon_threads = True
    server.serve_forever()
