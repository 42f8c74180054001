"""Strongly connected components of the call graph, on integer ids, with networkx.

Only components of two or more nodes are returned, each sorted, ordered by their smallest id,
so the result does not depend on the traversal order.
"""

from __future__ import annotations

import networkx as nx


def cycles(successors: list[list[int]]) -> list[list[int]]:
    """The components with more than one node; node i calls the nodes in `successors[i]`."""
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from(range(len(successors)))
    graph.add_edges_from((i, j) for i, targets in enumerate(successors) for j in targets)
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)
