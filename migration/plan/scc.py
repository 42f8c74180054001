"""Strongly connected components of a graph on integer ids (Tarjan's algorithm, iterative).

One linear pass over 27,000 apps; iterative because dependency chains can be longer than
Python's recursion limit. Only components of two or more nodes are returned.
"""

from __future__ import annotations


def cycles(successors: list[list[int]]) -> list[list[int]]:
    """The components with more than one node; node i calls the nodes in `successors[i]`."""
    size = len(successors)
    index = [-1] * size  # visit order, -1 while unvisited
    low = [0] * size  # smallest visit order reachable while on the stack
    on_stack = [False] * size
    at = [0] * size  # position on the stack, to pop a component without a search
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in range(size):
        if index[root] >= 0 or not successors[root]:
            continue  # visited, or calls nothing: a component of its own
        index[root] = low[root] = counter
        counter += 1
        at[root] = len(stack)
        stack.append(root)
        on_stack[root] = True
        work = [(root, iter(successors[root]))]
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if index[nxt] < 0:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    at[nxt] = len(stack)
                    stack.append(nxt)
                    on_stack[nxt] = True
                    work.append((nxt, iter(successors[nxt])))
                    break
                if on_stack[nxt] and index[nxt] < low[node]:
                    low[node] = index[nxt]
            else:  # every edge of `node` done
                work.pop()
                if work and low[node] < low[work[-1][0]]:
                    low[work[-1][0]] = low[node]
                if low[node] == index[node]:
                    component = stack[at[node]:]
                    del stack[at[node]:]
                    for member in component:
                        on_stack[member] = False
                    if len(component) > 1:
                        found.append(component)
    return found

