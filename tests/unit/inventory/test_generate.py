"""The national sample generator: reproducible, valid, and shaped like the real estate."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from migration.inventory import Estate, load_estate
from migration.inventory.generate import GenerateSettings, write_estate

SCALE = 0.03  # ~800 apps, ~1,800 hosts: the shape without the cost


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Estate]:
    out = tmp_path_factory.mktemp("national")
    write_estate(out, GenerateSettings(seed=11, scale=SCALE))
    return out, load_estate(out)


def test_same_seed_gives_byte_identical_files(sample: tuple[Path, Estate], tmp_path: Path) -> None:
    first, _ = sample
    write_estate(tmp_path, GenerateSettings(seed=11, scale=SCALE))
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), f"{name} differs for the same seed"


def test_other_seed_gives_other_estate(sample: tuple[Path, Estate], tmp_path: Path) -> None:
    first, _ = sample
    write_estate(tmp_path, GenerateSettings(seed=12, scale=SCALE))
    assert (first / "apps.csv").read_bytes() != (tmp_path / "apps.csv").read_bytes()


def test_sizes_follow_the_scale(sample: tuple[Path, Estate]) -> None:
    _, estate = sample
    assert len(estate.apps) == round(27000 * SCALE)
    legacy = [d for d in estate.datacenters.values() if d.kind == "legacy"]
    assert len(legacy) == round(2700 * SCALE)
    # ~60,000 hosts at scale 1.0 -> about 1,800 here
    assert 0.85 * 60000 * SCALE < len(estate.hosts) < 1.15 * 60000 * SCALE, len(estate.hosts)
    assert sum(1 for d in estate.datacenters.values() if d.kind == "national") == 3
    assert estate.target_hosts(), "the national data centers need target hosts"


def test_functions_are_duplicated_across_agencies(sample: tuple[Path, Estate]) -> None:
    _, estate = sample
    agencies_per_function = Counter()
    for function, agency in {(a.function, a.agency) for a in estate.apps.values()}:
        agencies_per_function[function] += 1
    for function in ("payroll", "e-office", "complaint-handling", "licensing", "procurement"):
        assert agencies_per_function[function] >= len(estate.agencies) * 0.3, (function, agencies_per_function[function])


def test_dependency_graph_is_skewed_and_has_cycles(sample: tuple[Path, Estate]) -> None:
    _, estate = sample
    edges = {(d.from_app, d.to_app) for d in estate.dependencies}
    assert any((b, a) in edges for a, b in edges), "expected some mutual calls (cycles)"
    callers = Counter(b for _, b in edges)
    top = callers.most_common(1)[0][1]
    mean = len(edges) / len(callers)
    assert top > 5 * mean, f"expected hub apps: top in-degree {top}, mean {mean:.1f}"


def test_data_sizes_are_heavy_tailed(sample: tuple[Path, Estate]) -> None:
    _, estate = sample
    sizes = sorted(a.data_gb for a in estate.apps.values())
    median, p99 = sizes[len(sizes) // 2], sizes[int(len(sizes) * 0.99)]
    assert p99 > 50 * median, (median, p99)


def test_settings_file_is_read_and_checked(tmp_path: Path) -> None:
    from migration.errors import InputError

    (tmp_path / "generate.yaml").write_text("seed: 5\nscale: 0.5\n")
    assert GenerateSettings.from_folder(tmp_path) == GenerateSettings(seed=5, scale=0.5)
    (tmp_path / "generate.yaml").write_text("seed: 5\nsize: 3\n")
    with pytest.raises(InputError, match="unknown key"):
        GenerateSettings.from_folder(tmp_path)
