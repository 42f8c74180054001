"""plan.scc.cycles: the bound components (two or more apps), sorted, on small and deep graphs."""

from __future__ import annotations

import pytest

from migration.plan.scc import cycles


@pytest.mark.parametrize("successors, expected", [
    ([], []),
    ([[]], []),
    ([[0]], []),  # a self-call binds nothing
    ([[1], [0]], [[0, 1]]),
    ([[1], [2], [0], [4], []], [[0, 1, 2]]),
    ([[1], [2], [1, 3], [4], [3]], [[1, 2], [3, 4]]),
    ([[], [], [3], [2], [1], [0]], [[2, 3]]),
    ([[4], [2], [1], [0], [3]], [[0, 3, 4], [1, 2]]),  # ordered by smallest id, each sorted
    ([[1, 1], [0, 0]], [[0, 1]]),  # repeated edges
])
def test_cycles_table(successors: list[list[int]], expected: list[list[int]]) -> None:
    got = cycles(successors)
    assert got == expected, f"expected {expected}, got {got}"


def test_a_chain_deeper_than_the_recursion_limit() -> None:
    size = 50_000
    successors = [[i + 1] for i in range(size - 1)] + [[0]]
    assert cycles(successors) == [list(range(size))]
    successors[-1] = []  # no way back: every app is its own group
    assert cycles(successors) == []
