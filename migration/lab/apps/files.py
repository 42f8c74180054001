"""Sample legacy app, archetype files: documents on disk under DATA_DIR.

GET /health (file count), GET /files (name, size), GET /files/<name>, PUT or POST /files/<name>.
Config: /etc/<id>/app.conf (APP_ID, PORT, DATA_DIR).
"""

import os
import sys

import dccapp

CONF = dccapp.load_conf(sys.argv[1])
DATA = os.path.realpath(CONF["DATA_DIR"])


def _walk():
    for top, _dirs, names in os.walk(DATA):
        for n in names:
            full = os.path.join(top, n)
            yield os.path.relpath(full, DATA), full


def _safe(rel):
    full = os.path.realpath(os.path.join(DATA, rel))
    if not full.startswith(DATA + os.sep):
        raise ValueError("path escapes the data dir")
    return full


def health(handler, rest):
    return 200, dccapp.health(CONF["APP_ID"], files=sum(1 for _ in _walk()), data_dir=DATA)


def listing(handler, rest):
    if rest:
        full = _safe(rest)
        if not os.path.isfile(full):
            return 404, {"status": "error", "error": "no such file"}
        with open(full, "rb") as fh:
            return 200, fh.read()
    items = [{"name": rel, "size": os.path.getsize(full)} for rel, full in _walk()]
    return 200, sorted(items, key=lambda i: i["name"])


def upload(handler, rest):
    full = _safe(rest)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = full + ".part"
    with open(tmp, "wb") as fh:
        fh.write(handler.body())
    os.replace(tmp, full)
    return 201, {"name": rest, "size": os.path.getsize(full)}


if __name__ == "__main__":
    dccapp.serve(CONF["PORT"], {("GET", "/health"): health, ("GET", "/files"): listing,
                                ("PUT", "/files"): upload, ("POST", "/files"): upload})
