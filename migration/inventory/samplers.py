"""The random draws behind `generate.py`: agencies, data centers, apps, hosts, dependencies.

Everything comes from one seeded `random.Random` consumed in a fixed order, so a seed
always yields the same estate. Shapes follow the real estate: skewed data-center sizes,
every agency running its own copy of the common functions, hub apps many others call.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from dataclasses import dataclass, field
from typing import Any

from migration.inventory.functions import COMMON_FUNCTIONS, REGIONAL_ONLY
from migration.inventory.provinces import PROVINCES

COLUMNS = {
    "agencies": ("id", "name", "kind", "province"),
    "datacenters": ("id", "name", "agency", "province", "tier", "kind", "power_kw", "annual_cost_idr", "subnet"),
    "hosts": ("id", "datacenter", "role", "ip", "os", "cpu", "memory_gb", "disk_gb", "target"),
    "apps": ("id", "name", "agency", "function", "criticality", "data_class", "data_gb", "hosts",
             "archetype", "db_host", "port", "service"),
    "dependencies": ("from", "to", "kind"),
}
MINISTRIES = ("kemenkes", "kemendikdasmen", "kemenkeu", "kemendagri", "kemenag", "kemensos", "kemenhub",
              "kemenpupr", "kementan", "kemnaker", "kemenkumham", "kemenlu", "kemhan", "kemenperin",
              "kemendag", "kemenparekraf", "kemenpan-rb", "kemenko-perekonomian", "bappenas", "komdigi",
              "kkp", "klhk", "esdm", "atr-bpn", "bumn", "kemenpora", "kemenpppa", "kemendes", "kemenkop",
              "kemensetneg", "bkn", "bps", "bnpb", "bpom", "lkpp", "anri", "bmkg", "basarnas", "bpjs-kes",
              "big", "brin", "bssn", "polri", "kejagung", "ma", "kpk", "bpk", "ojk", "lan", "bnn")
NATIONAL_DCS = (("pdn-cikarang", "Pusat Data Nasional Cikarang", "Jawa Barat"),
                ("pdn-batam", "Pusat Data Nasional Batam", "Kepulauan Riau"),
                ("pdn-ikn", "Pusat Data Nasional IKN", "Kalimantan Timur"),
                ("pdn-labuan-bajo", "Pusat Data Nasional Labuan Bajo", "Nusa Tenggara Timur"))
REGIONAL_SECTORS = ("tourism", "agriculture", "fisheries", "transport", "social-aid", "disaster-info",
                    "smart-city", "village-info", "market-prices", "public-works", "environment",
                    "investment", "culture", "youth-sports", "labor", "cooperatives-sme", "parking", "water")
OS_CHOICES = (("debian-12", 10), ("debian-11", 10), ("ubuntu-22.04", 15), ("ubuntu-20.04", 15),
              ("ubuntu-18.04", 8), ("centos-7", 18), ("rhel-8", 8), ("windows-2016", 8), ("windows-2012r2", 8))
TARGET = {"cpu": 128, "memory_gb": 1024, "disk_gb": 60000}


@dataclass
class Sample:
    tables: dict[str, list[list[Any]]] = field(default_factory=lambda: {k: [] for k in COLUMNS})
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Host:
    id: str
    dc: str
    role: str
    cpu: int
    memory_gb: int
    disk_gb: int
    os: str
    ip: str = ""
    target: str = ""


_CUMULATIVE: dict[tuple[tuple[Any, float], ...], tuple[list[Any], list[float]]] = {}


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    """One value drawn by weight (one `rng.random()` call; cumulative sums cached per table)."""
    table = _CUMULATIVE.get(weighted)
    if table is None:
        values, sums, total = [], [], 0.0
        for value, weight in weighted:
            total += weight
            values.append(value)
            sums.append(total)
        table = _CUMULATIVE[weighted] = (values, sums)
    values, sums = table
    return values[bisect.bisect_right(sums, rng.random() * sums[-1])]


def _dotted(address: int) -> str:
    return f"{address >> 24 & 255}.{address >> 16 & 255}.{address >> 8 & 255}.{address & 255}"


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


class NationalSample:
    """Builds one national sample; call `build()` once."""

    def __init__(self, settings: Any, rng: random.Random) -> None:
        self.s, self.rng, self.out = settings, rng, Sample()
        self.agencies: list[tuple[str, str, str, str]] = []  # id, name, kind, province
        self.dcs: list[dict[str, Any]] = []
        self.hosts: dict[str, list[_Host]] = {}  # dc id -> hosts
        self.apps: list[dict[str, Any]] = []
        self.host_seq = 0
        self.db_hosts: dict[str, list[str]] = {}

    def build(self) -> Sample:
        self._agencies()
        self._datacenters()
        self._apps()
        self._targets()
        self._dependencies()
        self._address_and_emit()
        self._documents()
        return self.out

    # -- agencies ---------------------------------------------------------------------------
    def _agencies(self) -> None:
        central = [(m, f"Kementerian/Lembaga {m.upper()}", "ministry" if m.startswith("kemen") else "agency",
                    "DKI Jakarta") for m in MINISTRIES]
        central += [(f"lembaga-{i:02d}", f"Lembaga Nasional {i:02d}", "agency", "DKI Jakarta")
                    for i in range(1, max(0, self.s.central_agencies - len(MINISTRIES)) + 1)]
        regional = []
        for prov, regencies, cities in PROVINCES:
            slug = prov.lower().replace(" ", "-")
            regional.append((f"pemprov-{slug}", f"Pemerintah Provinsi {prov}", "province", prov))
            regional += [(f"pemkab-{slug}-{i:02d}", f"Pemerintah Kabupaten {prov} {i:02d}", "regency", prov)
                         for i in range(1, regencies + 1)]
            regional += [(f"pemkot-{slug}-{i:02d}", f"Pemerintah Kota {prov} {i:02d}", "city", prov)
                         for i in range(1, cities + 1)]
        central = central[: self.s.count(self.s.central_agencies)]
        if not any(a[0] == "komdigi" for a in central):
            central.append(next(a for a in ((m, "Kementerian Komunikasi dan Digital", "ministry", "DKI Jakarta")
                                            for m in ("komdigi",))))
        keep = sorted(self.rng.sample(range(len(regional)), min(len(regional), self.s.count(len(regional)))))
        self.agencies = central + [regional[i] for i in keep]
        self.out.tables["agencies"] = [list(a) for a in self.agencies]

    # -- data centers -------------------------------------------------------------------------
    def _datacenters(self) -> None:
        n = self.s.count(self.s.datacenters, minimum=len(self.agencies))
        weight = {"ministry": 6.0, "agency": 3.0, "province": 4.0, "regency": 1.2, "city": 1.2}
        share = [weight[a[2]] * min(30.0, self.rng.paretovariate(1.5)) for a in self.agencies]
        per_agency = [1] * len(self.agencies)
        for i in self.rng.choices(range(len(self.agencies)), share, k=n - len(self.agencies)):
            per_agency[i] += 1
        provinces = [p for p, _, _ in PROVINCES]
        for (aid, aname, kind, prov), count in zip(self.agencies, per_agency):
            for k in range(1, count + 1):
                where = prov if kind not in ("ministry", "agency") or k == 1 else self.rng.choice(provinces)
                self.dcs.append({"id": f"dc-{aid}-{k:02d}", "name": f"Ruang server {aname} {k:02d}",
                                 "agency": aid, "province": where, "kind": "legacy",
                                 "tier": _pick(self.rng, ((0, 10), (1, 45), (2, 35), (3, 9), (4, 1))),
                                 "weight": min(40.0, self.rng.paretovariate(1.2))})
        for dc_id, name, prov in NATIONAL_DCS[: max(1, self.s.national_datacenters)]:
            self.dcs.append({"id": dc_id, "name": name, "agency": "komdigi", "province": prov,
                             "kind": "national", "tier": 4, "weight": 0.0})
        self.hosts = {dc["id"]: [] for dc in self.dcs}

    # -- apps and their hosts -----------------------------------------------------------------
    def _apps(self) -> None:
        legacy = [dc for dc in self.dcs if dc["kind"] == "legacy"]
        n = self.s.count(self.s.apps, minimum=len(legacy))
        order = list(legacy) + self.rng.choices(legacy, [dc["weight"] for dc in legacy], k=n - len(legacy))
        kinds = {a[0]: a[2] for a in self.agencies}
        names = {a[0]: a[1] for a in self.agencies}
        queues: dict[str, list[str]] = {}
        used: dict[str, list[str]] = {}
        seen_ids: set[str] = set()
        for dc in order:
            agency = dc["agency"]
            function = self._function(agency, kinds[agency], queues, used)
            app_id = f"{function}-{agency}" if function.count("-svc-") == 0 else function
            suffix = 2
            while app_id in seen_ids:
                app_id, suffix = f"{function}-{agency}-{suffix}", suffix + 1
            seen_ids.add(app_id)
            self.apps.append(self._app(app_id, function, agency, names[agency], kinds[agency], dc["id"]))

    def _function(self, agency: str, kind: str, queues: dict[str, list[str]], used: dict[str, list[str]]) -> str:
        done = used.setdefault(agency, [])
        if done and self.rng.random() < 0.03:
            return self.rng.choice(done)  # an agency running two apps for one job
        if agency not in queues:
            regional = kind in ("province", "regency", "city")
            core = [f for f in COMMON_FUNCTIONS if regional or f not in REGIONAL_ONLY]
            core = [f for f in core if self.rng.random() < 0.85]
            sectors = list(REGIONAL_SECTORS) if regional else []
            self.rng.shuffle(core)
            self.rng.shuffle(sectors)
            queues[agency] = core + sectors
        queue = queues[agency]
        function = queue.pop(0) if queue else f"{agency}-svc-{len(done) + 1}"
        done.append(function)
        return function

    def _app(self, app_id: str, function: str, agency: str, aname: str, kind: str, dc: str) -> dict[str, Any]:
        rng = self.rng
        archetype = _pick(rng, (("web-db", 50), ("api", 25), ("files", 25)))
        central = kind in ("ministry", "agency")
        k = _pick(rng, ((1, 38), (2, 34), (3, 16), (4, 7), (5, 2), (6, 1.5), (8, 1.5)))
        hosts = [self._new_host(dc) for _ in range(k)]
        db_host = None
        if archetype == "web-db":
            shared = self.db_hosts.setdefault(dc, [])
            if shared and rng.random() < 0.06:
                db_host = rng.choice(shared)  # a database server several apps share
            else:
                db_host = hosts[-1].id
                shared.append(db_host)
        prefix = COMMON_FUNCTIONS.get(function, function.split("-svc-")[0].replace("-", " ").title())
        return {"id": app_id, "name": f"{prefix} {aname}", "agency": agency, "function": function,
                "criticality": _pick(rng, (("low", 35), ("medium", 45), ("high", 20))),
                "data_class": _pick(rng, (("public", 22), ("internal", 45), ("confidential", 30),
                                          ("secret", 8 if central else 1))),
                "data_gb": _data_gb(rng, archetype), "hosts": [h.id for h in hosts], "archetype": archetype,
                "db_host": db_host, "port": 8080 + rng.randrange(3), "service": f"{dns_label(app_id)}.go.id"}

    def _new_host(self, dc: str, role: str = "legacy") -> _Host:
        self.host_seq += 1
        cpu = _pick(self.rng, ((1, 10), (2, 30), (4, 35), (8, 18), (16, 6), (32, 1)))
        host = _Host(id=f"srv{self.host_seq:06d}", dc=dc, role=role, cpu=cpu,
                     memory_gb=cpu * _pick(self.rng, ((2, 30), (4, 50), (8, 20))),
                     disk_gb=_pick(self.rng, ((40, 20), (100, 35), (250, 25), (500, 12), (1000, 6), (4000, 2))),
                     os=_pick(self.rng, OS_CHOICES))
        self.hosts[dc].append(host)
        return host

    def _targets(self) -> None:
        legacy = [h for hs in self.hosts.values() for h in hs]
        need = max(sum(h.cpu for h in legacy) / TARGET["cpu"], sum(h.memory_gb for h in legacy) / TARGET["memory_gb"],
                   sum(h.disk_gb for h in legacy) / TARGET["disk_gb"])
        national = [dc["id"] for dc in self.dcs if dc["kind"] == "national"]
        targets = []
        for i in range(math.ceil(need * 1.15)):
            dc = national[i % len(national)]
            self.host_seq += 1
            host = _Host(f"pdn-t{i + 1:05d}", dc, "target", TARGET["cpu"], TARGET["memory_gb"],
                         TARGET["disk_gb"], "debian-12")
            self.hosts[dc].append(host)
            targets.append(host)
        self.hosts[national[0]].append(_Host("pdn-portal", national[0], "portal", 16, 64, 500, "debian-12"))
        for host in legacy:
            if self.rng.random() < 0.03:
                host.target = self.rng.choice(targets).id  # agency asked for a specific target
        self.target_hosts = targets

    # -- dependencies -------------------------------------------------------------------------
    def _dependencies(self) -> None:
        """Preferential attachment per agency: an app that many call attracts more callers."""
        rng, edges = self.rng, set()
        by_agency: dict[str, list[str]] = {}
        for app in self.apps:
            by_agency.setdefault(app["agency"], []).append(app["id"])
        # An "urn" holds each app once per incoming edge; drawing from it is drawing by popularity.
        urns: dict[str, list[str]] = {agency: [] for agency in by_agency}
        central = [a["id"] for a in self.apps if a["agency"] in MINISTRIES][:400]
        agency_of = {a["id"]: a["agency"] for a in self.apps}
        central_urn: list[str] = []
        for app in self.apps:
            peers, urn = by_agency[app["agency"]], urns[app["agency"]]
            if len(peers) < 2 or rng.random() > 0.6:
                continue
            chosen = {self._draw(peers, urn) for _ in range(_pick(rng, ((1, 55), (2, 30), (3, 15))))}
            if central and rng.random() < 0.05:
                chosen.add(self._draw(central, central_urn))
            for to in sorted(chosen - {app["id"]}):
                edges.add((app["id"], to))
                (urn if agency_of[to] == app["agency"] else central_urn).append(to)
        for frm, to in sorted(edges):
            if rng.random() < 0.01:
                edges.add((to, frm))  # mutual calls: a dependency cycle
        kinds = (("http", 70), ("db", 10), ("file", 10), ("queue", 10))
        self.out.tables["dependencies"] = [[f, t, _pick(rng, kinds)] for f, t in sorted(edges)]

    def _draw(self, pool: list[str], urn: list[str]) -> str:
        if urn and self.rng.random() < 0.7:
            return urn[self.rng.randrange(len(urn))]
        return pool[self.rng.randrange(len(pool))]

    # -- addresses and rows ---------------------------------------------------------------------
    def _address_and_emit(self) -> None:
        base = 10 << 24
        cursor = 0
        rows = self.out.tables
        for dc in self.dcs:
            hosts = self.hosts[dc["id"]]
            bits = max(8, math.ceil(math.log2(len(hosts) + 3)))
            cursor = -(-cursor // (1 << bits)) * (1 << bits)  # align the block to its size
            network, first = base + cursor, 10 if len(hosts) + 11 < 1 << bits else 1
            cursor += 1 << bits
            for i, host in enumerate(hosts):
                host.ip = _dotted(network + first + i)
                rows["hosts"].append([host.id, host.dc, host.role, host.ip, host.os, host.cpu, host.memory_gb,
                                      host.disk_gb, host.target])
            size = sum(h.cpu for h in hosts)
            rows["datacenters"].append([dc["id"], dc["name"], dc["agency"], dc["province"], dc["tier"], dc["kind"],
                                        _fmt(size * 0.35 + 3), (40 + size * 25) * 10**6 if dc["kind"] == "legacy"
                                        else 0, f"{_dotted(network)}/{32 - bits}"])
        for app in self.apps:
            rows["apps"].append([app["id"], app["name"], app["agency"], app["function"], app["criticality"],
                                 app["data_class"], _fmt(app["data_gb"]), ";".join(app["hosts"]), app["archetype"],
                                 app["db_host"] or "", app["port"], app["service"]])

    def _documents(self) -> None:
        regional = [a[0] for a in self.agencies if a[2] in ("province", "regency", "city")]
        closing = [{"agency": a, "from": "2027-12-15", "to": "2028-01-10", "reason": "year-end budget closing (APBD)"}
                   for a in regional if self.rng.random() < 0.6]
        legacy = [dc["id"] for dc in self.dcs if dc["kind"] == "legacy"]
        maintenance = [{"datacenter": dc, "from": "2027-03-01", "to": "2027-03-31", "reason": "power upgrade"}
                       for dc in sorted(self.rng.sample(legacy, min(len(legacy), self.s.count(20))))]
        total_data = sum(app["data_gb"] for app in self.apps)
        n_targets = len(self.target_hosts)
        self.out.documents["estate.yaml"] = {"name": "national", "national_datacenter": "pdn-cikarang",
                                             "portal_host": "pdn-portal"}
        self.out.documents["constraints.yaml"] = {
            "schedule": {"start": "2027-01-04", "wave_days": self.s.wave_days},
            "max_hosts_per_wave": self.s.count(self.s.max_hosts_per_wave),
            "max_data_gb_per_wave": round(total_data / 20, -2) or 100.0,
            "critical_not_before_wave": 3,
            "target_capacity": {k: v * n_targets for k, v in TARGET.items()},
            "blackouts": closing + maintenance,
        }


def _data_gb(rng: random.Random, archetype: str) -> float:
    mu = {"web-db": 2.0, "api": -1.0, "files": 4.0}[archetype]
    return max(0.1, round(min(200_000.0, math.exp(rng.gauss(mu, 1.8))), 1))


def dns_label(app_id: str) -> str:
    """`app_id` as one DNS label: '.'/'_' become '-', and an id over 63 characters keeps its
    first 54 plus 8 hex of its SHA-256 (unique, and a valid host name for the portal's config)."""
    label = app_id.replace(".", "-").replace("_", "-").strip("-")
    if len(label) <= 63:
        return label
    return f"{label[:54].rstrip('-')}-{hashlib.sha256(app_id.encode()).hexdigest()[:8]}"
