"""Sample legacy app, archetype web-db: an HTTP front end over a PostgreSQL table `records`.

GET /health (row count), GET /records?limit=N, POST /records {"title", "amount"}.
Config: /etc/<id>/app.conf (APP_ID, PORT, DB_HOST, DB_NAME, DB_USER, DB_PASSWORD).
"""

import json
import sys
import threading

import dccapp
import psycopg2

CONF = dccapp.load_conf(sys.argv[1])
_lock = threading.Lock()
_conn = [None]


def query(sql, args=(), fetch=True):
    """One persistent connection (a legacy app's pool of one), reopened after a failure."""
    with _lock:
        try:
            if _conn[0] is None or _conn[0].closed:
                _conn[0] = psycopg2.connect(host=CONF["DB_HOST"], dbname=CONF["DB_NAME"], user=CONF["DB_USER"],
                                            password=CONF["DB_PASSWORD"], connect_timeout=3)
                _conn[0].autocommit = True
            with _conn[0].cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall() if fetch else None
        except psycopg2.Error:
            if _conn[0] is not None:
                _conn[0].close()
            _conn[0] = None
            raise


def health(handler, rest):
    try:
        rows = query("SELECT count(*) FROM records")[0][0]
    except psycopg2.Error as exc:
        return 503, {"status": "error", "app": CONF["APP_ID"], "error": str(exc).strip()}
    return 200, dccapp.health(CONF["APP_ID"], rows=rows, db_host=CONF["DB_HOST"])


def records(handler, rest):
    limit = 100
    if "limit=" in handler.path:
        limit = int(handler.path.split("limit=", 1)[1].split("&")[0])
    rows = query("SELECT id, title, amount::text, created::text FROM records ORDER BY id LIMIT %s", (limit,))
    return 200, [dict(zip(("id", "title", "amount", "created"), r)) for r in rows]


def add_record(handler, rest):
    item = json.loads(handler.body() or b"{}")
    row = query("INSERT INTO records (id, title, amount, created) "
                "SELECT coalesce(max(id), 0) + 1, %s, %s, current_date FROM records RETURNING id",
                (str(item.get("title", "")), float(item.get("amount", 0))))
    return 201, {"id": row[0][0]}


if __name__ == "__main__":
    dccapp.serve(CONF["PORT"], {("GET", "/health"): health, ("GET", "/records"): records,
                                ("POST", "/records"): add_record})
