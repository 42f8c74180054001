"""plan.scc.cycles finds the same bound components as networkx, on small and deep graphs."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from migration.plan.scc import cycles


def _expected(successors: list[list[int]]) -> list[list[int]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(successors)))
    graph.add_edges_from((a, b) for a, nexts in enumerate(successors) for b in nexts)
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


@pytest.mark.parametrize("successors, expected", [
    ([], []),
    ([[]], []),
    ([[0]], []),  # a self-call binds nothing
    ([[1], [0]], [[0, 1]]),
    ([[1], [2], [0], [4], []], [[0, 1, 2]]),
    ([[1], [2], [1, 3], [4], [3]], [[1, 2], [3, 4]]),
    ([[1, 1], [0, 0]], [[0, 1]]),  # repeated edges
])
def test_cycles_table(successors: list[list[int]], expected: list[list[int]]) -> None:
    got = sorted(sorted(c) for c in cycles(successors))
    assert got == expected, f"expected {expected}, got {got}"


@pytest.mark.parametrize("seed", range(20))
def test_cycles_match_networkx_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.randint(1, 200)
    successors = [[rng.randrange(size) for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))] for _ in range(size)]
    assert sorted(sorted(c) for c in cycles(successors)) == _expected(successors)


def test_a_chain_deeper_than_the_recursion_limit() -> None:
    size = 50_000
    successors = [[i + 1] for i in range(size - 1)] + [[0]]
    assert [sorted(c) for c in cycles(successors)] == [list(range(size))]
    successors[-1] = []  # no way back: every app is its own group
    assert cycles(successors) == []
