"""The fast manifest YAML writer and reader agree with PyYAML on every value they accept,
and anything else (comments, flow style, hand edits) is read by PyYAML."""

from __future__ import annotations

import pytest
import yaml

from stacks import manifest_yaml as M

TRICKY = ["yes", "No", "on", "null", "~", "true", "1.0", "1e3", "0777", "0x1F", "12:30", "2024-01-01", "-", "",
          " lead", "trail ", "a: b", "#x", "a #b", "*ref", "&anchor", "!tag", "%", "@at", "`tick", "{x}", "[y]",
          "multi\nline", 'say "hi"', "back\\slash", "Bahasa Indonésia", "-dash", "- item", "?", "|", ">", "_x",
          "/path/to", "registry.pdn.go.id/a/b:1.0.0", "500m", "10Gi", "0", "-5", "3.25", ".inf", "=", "<<"]


@pytest.mark.parametrize("value", TRICKY + [0, 7, -3, 2.5, True, False, None, {}, [], [1, "a"], {"k": {}}])
def test_round_trip_matches_pyyaml(value):
    doc = {"v": value, "list": [value, {"inner": value}], value if isinstance(value, str) else "k": 1}
    text = M.dump_all([doc])
    assert yaml.safe_load(text.removeprefix("---\n")) == doc
    assert M.load_all(text) == [doc]


def test_nested_lists_and_empty_collections():
    docs = [{"a": [[1, [2, {"b": []}]], {"c": [{"d": {}}]}]}, {"second": "doc"}]
    text = M.dump_all(docs)
    assert M._fast_load(text) == docs == list(yaml.safe_load_all(text))


@pytest.mark.parametrize("text", [
    "---\na: 1 # comment\n", "---\na: {b: 1}\n", "---\na: &x 1\nb: *x\n", "a: 1\n", "---\na: |\n  x\n",
    "---\na: yes\n", "---\na: 1\na: 2\n", "---\na: 'single'\n", "---\na: b c\n",
])
def test_anything_else_is_read_by_pyyaml(text):
    with pytest.raises((M._NotOurs, ValueError)):
        M._fast_load(text)
    assert M.load_all(text) == [d for d in yaml.safe_load_all(text)]


def test_unknown_types_fail_loudly():
    from collections import OrderedDict

    with pytest.raises(TypeError):
        M.dump_all([{"a": {1, 2}}])
    with pytest.raises(TypeError):
        M.dump_all([OrderedDict(a=1)])
