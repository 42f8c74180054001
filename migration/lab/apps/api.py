"""Sample legacy app, archetype api: stateless; every INTERVAL seconds it calls each peer's
/health over one persistent keep-alive connection, so the calls show up as ESTABLISHED sockets.

GET /health (last result per peer). Config: APP_ID, PORT, PEERS (comma-separated base URLs).
"""

import sys
import threading
import time
from http.client import HTTPConnection, HTTPException
from urllib.parse import urlsplit

import dccapp

CONF = dccapp.load_conf(sys.argv[1])
PEERS = [p.strip() for p in CONF.get("PEERS", "").split(",") if p.strip()]
INTERVAL = float(CONF.get("INTERVAL", "2"))
LAST = {}


def poll_forever():
    conns = {}
    while True:
        for peer in PEERS:
            url = urlsplit(peer)
            try:
                if peer not in conns:
                    conns[peer] = HTTPConnection(url.hostname, url.port or 80, timeout=3)
                conns[peer].request("GET", "/health")
                resp = conns[peer].getresponse()
                resp.read()
                LAST[peer] = "ok" if resp.status == 200 else f"http {resp.status}"
            except (OSError, ValueError, HTTPException) as exc:  # a peer restarting mid-request
                LAST[peer] = f"down: {exc!r}"
                old = conns.pop(peer, None)
                if old is not None:
                    old.close()
        time.sleep(INTERVAL)


def health(handler, rest):
    return 200, dccapp.health(CONF["APP_ID"], peers=dict(LAST))


if __name__ == "__main__":
    threading.Thread(target=poll_forever, daemon=True).start()
    dccapp.serve(CONF["PORT"], {("GET", "/health"): health})
