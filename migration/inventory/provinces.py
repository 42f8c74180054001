"""Indonesia's 38 provinces with their number of regencies and cities.

Used to validate the `province` field and by the national sample generator to spread
local governments the way the country actually is.
"""

from __future__ import annotations

# (province, regencies, cities); DKI Jakarta's administrative regency/cities are counted too.
PROVINCES: tuple[tuple[str, int, int], ...] = (
    ("Aceh", 18, 5), ("Sumatera Utara", 25, 8), ("Sumatera Barat", 12, 7), ("Riau", 10, 2),
    ("Kepulauan Riau", 5, 2), ("Jambi", 9, 2), ("Sumatera Selatan", 13, 4),
    ("Kepulauan Bangka Belitung", 6, 1), ("Bengkulu", 9, 1), ("Lampung", 13, 2),
    ("DKI Jakarta", 1, 5), ("Jawa Barat", 18, 9), ("Banten", 4, 4), ("Jawa Tengah", 29, 6),
    ("DI Yogyakarta", 4, 1), ("Jawa Timur", 29, 9), ("Bali", 8, 1), ("Nusa Tenggara Barat", 8, 2),
    ("Nusa Tenggara Timur", 21, 1), ("Kalimantan Barat", 12, 2), ("Kalimantan Tengah", 13, 1),
    ("Kalimantan Selatan", 11, 2), ("Kalimantan Timur", 7, 3), ("Kalimantan Utara", 4, 1),
    ("Sulawesi Utara", 11, 4), ("Gorontalo", 5, 1), ("Sulawesi Tengah", 12, 1), ("Sulawesi Barat", 6, 0),
    ("Sulawesi Selatan", 21, 3), ("Sulawesi Tenggara", 15, 2), ("Maluku", 9, 2), ("Maluku Utara", 8, 2),
    ("Papua", 8, 1), ("Papua Barat", 7, 0), ("Papua Barat Daya", 5, 1), ("Papua Tengah", 8, 0),
    ("Papua Pegunungan", 8, 0), ("Papua Selatan", 4, 0),
)

PROVINCE_NAMES: frozenset[str] = frozenset(name for name, _, _ in PROVINCES)
