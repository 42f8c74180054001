"""National shared services and the functions they take over from agencies' own apps.

Policy: no new apps; agencies integrate into the common national applications. The map
says which national service a duplicated function moves to, and for whom.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SharedService:
    id: str
    name: str
    owner: str
    regional_only: bool = False  # only regional governments use it (central has its own)


_SERVICES = {
    "SRIKANDI": SharedService("SRIKANDI", "Sistem Informasi Kearsipan Dinamis Terintegrasi", "ANRI / KemenPAN-RB"),
    "SP4N-LAPOR": SharedService("SP4N-LAPOR", "Sistem Pengelolaan Pengaduan Pelayanan Publik Nasional",
                                "KemenPAN-RB"),
    "SIASN": SharedService("SIASN", "Sistem Informasi ASN (national HR and payroll data)", "BKN"),
    "OSS": SharedService("OSS", "Online Single Submission (licensing)", "BKPM"),
    "SPSE": SharedService("SPSE", "Sistem Pengadaan Secara Elektronik", "LKPP"),
    "SIPD": SharedService("SIPD", "Sistem Informasi Pemerintahan Daerah (planning, budget, finance)",
                          "Kemendagri", regional_only=True),
    "SIAK": SharedService("SIAK", "Sistem Informasi Administrasi Kependudukan", "Dukcapil Kemendagri",
                          regional_only=True),
    "SATU-DATA": SharedService("SATU-DATA", "Portal Satu Data Indonesia", "Bappenas / BPS"),
}

# function -> shared service id
FUNCTION_SERVICE: dict[str, str] = {
    "e-office": "SRIKANDI",
    "e-archive": "SRIKANDI",
    "complaint-handling": "SP4N-LAPOR",
    "payroll": "SIASN",
    "hr": "SIASN",
    "licensing": "OSS",
    "procurement": "SPSE",
    "planning": "SIPD",
    "budgeting": "SIPD",
    "finance": "SIPD",
    "population-services": "SIAK",
    "statistics": "SATU-DATA",
}


_BY_FUNCTION = {function: _SERVICES[sid] for function, sid in FUNCTION_SERVICE.items()}


def service_for(function: str) -> SharedService | None:
    """The national service covering `function`, if any."""
    return _BY_FUNCTION.get(function)
