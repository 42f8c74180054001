"""Writers for the data-safety tests: clients that keep adding records to a lab app while the
pipeline moves it, and remember what each write was answered.

Not a test module. A write is `acked` (2xx from the app or the portal, or a committed INSERT on
the database), `refused` (an error answer: 4xx/5xx, or the database refused the session or the
statement), or `unknown` (no answer: the connection died mid-request, so it may or may not be
stored). The promise checked is: every acked write is served afterwards, and no refused one is.
Loops are bounded in count and time.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

import psycopg

Outcome = str  # "acked" | "refused" | "unknown"


@dataclass
class Tally:
    """What each write (by its unique title) was answered, and when."""

    outcomes: dict[str, tuple[Outcome, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, title: str, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes[title] = (outcome, time.monotonic())

    def titles(self, outcome: Outcome, since: float = 0.0, until: float = float("inf")) -> set[str]:
        with self.lock:
            return {t for t, (o, at) in self.outcomes.items() if o == outcome and since <= at <= until}


def http_write(ip: str, port: int, host_header: str | None) -> Callable[[str], Outcome]:
    """POST /records with `title`; a 2xx is acked, any other status refused, no answer unknown."""
    def write(title: str) -> Outcome:
        try:
            conn = http.client.HTTPConnection(ip, port, timeout=10)
            conn.request("POST", "/records", body=json.dumps({"title": title, "amount": 1}),
                         headers={"Host": host_header} if host_header else {})
            status = conn.getresponse().status
            conn.close()
        except ConnectionRefusedError:
            return "refused"  # nothing listened: the request reached no app
        except OSError:
            return "unknown"
        return "acked" if 200 <= status < 300 else "refused"
    return write


def http_post(ip: str, port: int, host_header: str, path: str,
              body: Callable[[str], dict[str, object]]) -> Callable[[str], Outcome]:
    """POST `body(title)` as JSON to `path` (any app's own write API); 2xx acked, other status refused."""
    def write(title: str) -> Outcome:
        try:
            conn = http.client.HTTPConnection(ip, port, timeout=10)
            conn.request("POST", path, body=json.dumps(body(title)), headers={"Host": host_header})
            status = conn.getresponse().status
            conn.close()
        except ConnectionRefusedError:
            return "refused"
        except OSError:
            return "unknown"
        return "acked" if 200 <= status < 300 else "refused"
    return write


def db_write(ip: str, dbname: str, user: str, password: str) -> Callable[[str], Outcome]:
    """INSERT a record straight into the app's PostgreSQL, as a direct client would (autocommit)."""
    state: dict[str, psycopg.Connection | None] = {"conn": None}

    def write(title: str) -> Outcome:
        try:
            if state["conn"] is None or state["conn"].closed:
                state["conn"] = psycopg.connect(host=ip, dbname=dbname, user=user, password=password,
                                                connect_timeout=3, autocommit=True)
        except psycopg.Error:
            state["conn"] = None
            return "refused"
        try:
            state["conn"].execute("INSERT INTO records (id, title, amount, created) SELECT "
                                  "coalesce(max(id), 0) + 1, %s, 1, current_date FROM records", (title,))
        except psycopg.errors.UniqueViolation:
            return "refused"
        except psycopg.Error:
            state["conn"] = None
            return "unknown"  # the session ended mid-statement: it may have committed
        return "acked"
    return write


class Writers:
    """Threads, one per writer, each writing titled records until stopped (bounded)."""

    def __init__(self, writers: dict[str, Callable[[str], Outcome]], pause: float = 0.05,
                 max_writes: int = 5000, max_seconds: float = 1200) -> None:
        self.tally = Tally()
        self._tag = f"{time.time_ns():x}"  # titles unique across writer sets on the same app
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(name, fn, pause, max_writes, max_seconds),
                                          daemon=True) for name, fn in writers.items()]

    def _loop(self, name: str, fn: Callable[[str], Outcome], pause: float, max_writes: int,
              max_seconds: float) -> None:
        deadline = time.monotonic() + max_seconds
        for i in range(max_writes):
            if self._stop.is_set() or time.monotonic() > deadline:
                return
            title = f"{name}-{self._tag}-{i}"
            self.tally.note(title, fn(title))
            self._stop.wait(pause)

    def __enter__(self) -> Self:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=30)


def served_titles(ip: str, host_header: str) -> set[str]:
    """Every record title the portal serves for the app now."""
    conn = http.client.HTTPConnection(ip, 80, timeout=30)
    conn.request("GET", "/records?limit=1000000", headers={"Host": host_header})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200, f"the portal must serve the records: HTTP {resp.status} {body[:200]!r}"
    return {r["title"] for r in json.loads(body)}


def lost_and_wrongly_kept(tally: Tally, served: set[str]) -> tuple[set[str], set[str]]:
    """(acked but not served, refused but served): both must be empty."""
    return tally.titles("acked") - served, tally.titles("refused") & served
