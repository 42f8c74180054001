"""The reference estate (inventory/lab) loads into the typed model with the expected content."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from migration.inventory import Application, Dependency, Estate, load_estate

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"


def lab() -> Estate:
    return load_estate(LAB)


def test_lab_counts() -> None:
    estate = lab()
    assert (estate.name, estate.national_datacenter, estate.portal_host) == ("lab", "pdn-cikarang", "pdn-portal")
    sizes = (len(estate.agencies), len(estate.datacenters), len(estate.hosts), len(estate.apps))
    assert sizes == (4, 4, 20, 9), f"expected 4 agencies, 4 DCs, 20 hosts, 9 apps; got {sizes}"
    assert len(estate.dependencies) == 4


def test_lab_typed_values() -> None:
    estate = lab()
    simpeg = estate.apps["simpeg-kemenkes"]
    assert isinstance(simpeg, Application)
    assert simpeg.hosts == ("kmk-web1", "kmk-db1") and simpeg.db_host == "kmk-db1"
    assert simpeg.data_gb == 12.0 and simpeg.port == 8080
    assert estate.hosts["kmk-web1"].target == "pdn-t01"
    assert estate.hosts["bgr-old1"].target is None
    assert estate.datacenters["dc-bogor"].subnet == "10.77.3.0/24"
    assert estate.dependencies[0] == Dependency("sehat-api", "simpeg-kemenkes", "http", "declared")


def test_lab_constraints() -> None:
    constraints = lab().constraints
    assert constraints.schedule.start == date(2027, 1, 4)
    assert constraints.schedule.wave_start(3) == date(2027, 1, 18)
    assert (constraints.max_hosts_per_wave, constraints.max_data_gb_per_wave) == (6, 250.0)
    assert constraints.critical_not_before_wave == 2
    assert constraints.blackouts[0].agency == "pemkab-bogor"
    assert constraints.blackouts[0].covers(date(2027, 1, 4))


def test_digest_is_stable_and_content_sensitive(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "lab"
    shutil.copytree(LAB, copy)
    assert load_estate(copy).digest == lab().digest
    (copy / "dependencies.yaml").write_text("[]\n")
    assert load_estate(copy).digest != lab().digest


def test_model_fields_follow_the_column_order() -> None:
    # CSV rows are built positionally (`cls(*cells)`), so a reordered field would shift values silently.
    from dataclasses import fields

    from migration.inventory.schema import TABLES

    for table, (cls, columns) in TABLES.items():
        names = [f.name for f in fields(cls)][: len(columns)]
        assert names == [c.key for c in columns], f"{table}: {cls.__name__} fields {names}"
