"""Business functions that nearly every Indonesian government agency runs its own app for.

The generator gives agencies these (that is what makes the national estate so duplicated);
assessment maps some of them to the national shared service that replaces them.
"""

from __future__ import annotations

# function id -> app name prefix (what agencies tend to call such an app)
COMMON_FUNCTIONS: dict[str, str] = {
    "website": "Portal",
    "e-office": "E-Office",
    "payroll": "SIMGAJI",
    "hr": "SIMPEG",
    "finance": "SIMKEU",
    "budgeting": "E-Budgeting",
    "procurement": "E-Procurement",
    "licensing": "Perizinan Online",
    "complaint-handling": "Layanan Aduan",
    "e-archive": "E-Arsip",
    "asset-management": "SIMDA Aset",
    "planning": "E-Planning",
    "attendance": "Absensi Online",
    "population-services": "Layanan Kependudukan",
    "regional-tax": "E-Pajak Daerah",
    "health-info": "SIK",
    "education-info": "Dapodik Daerah",
    "gis": "WebGIS",
    "statistics": "Satu Data",
    "e-learning": "E-Learning",
    "helpdesk": "Helpdesk TI",
    "library": "Perpustakaan Digital",
}

# Functions only regional governments run (a ministry has no regional tax office).
REGIONAL_ONLY = frozenset({"regional-tax", "population-services", "education-info"})
