"""Which counts to hide: primary and complementary suppression for the aggregate gate.

Contract: every function returns the set of keys to hide and never hides less than it must:

- primary: a count of 1..k-1 is hidden (a zero is shown; it names nobody);
- a line (a breakdown, a distribution) whose total is shown never has hidden counts summing to
  1..k-1, so the hidden part cannot be read off by subtracting the shown ones from the total;
- :func:`protect_table`: in a two-way table whose margins are published (the filtered views of
  one attribute against a second dimension), no hidden count is determined by the others. With
  every line of the table and its margins summing to zero, a hidden count is determined exactly
  when it is a bridge of the graph whose nodes are the lines and whose edges are the hidden
  counts; extra counts are hidden until no hidden count is a bridge and every line obeys the
  rule above.

The choices are deterministic (smallest count first, then key), so every view computes the same
pattern and two views cannot be played against each other.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

ROW_TOTAL, COL_TOTAL = ("#rows",), ("#cols",)


def _order(item):
    key, value = item
    return (value, repr(key))


def protect_line(cells: Mapping[Hashable, int], k: int) -> set:
    """Hidden keys of one line whose total is shown."""
    hidden = {key for key, n in cells.items() if 0 < n < k}
    while hidden:
        total = sum(cells[key] for key in hidden)
        if total >= k and len(hidden) > 1:
            break
        visible = sorted(((key, n) for key, n in cells.items() if key not in hidden), key=_order)
        nonzero = [item for item in visible if item[1] > 0]
        if not nonzero:
            break  # everything that counts is hidden already
        hidden.add(nonzero[0][0])
    return hidden


def protect_table(
    cells: Mapping[tuple[Hashable, Hashable], int],
    rows: Iterable[Hashable],
    cols: Iterable[Hashable],
    hidden_rows: set,
    hidden_cols: set,
    k: int,
) -> set:
    """Hidden (row, col) keys of a two-way table. ``hidden_rows``/``hidden_cols`` are the
    margins already hidden in their own one-way views; a hidden row is hidden whole (its group is
    not published), and margins are never hidden here, so every view of a margin agrees."""
    rows, cols = list(rows), list(cols)
    value = {(r, c): cells.get((r, c), 0) for r in rows for c in cols}
    if len(rows) < 2 or len(cols) < 2:
        # The interior is the margins themselves.
        return {(r, c) for (r, c) in value if r in hidden_rows or c in hidden_cols}
    hidden = {rc for rc, n in value.items() if rc[0] in hidden_rows or 0 < n < k}
    while True:
        extra = _line_gap(value, rows, cols, hidden, hidden_rows, hidden_cols, k)
        if extra is None:
            extra = _bridge_gap(value, rows, cols, hidden, hidden_rows, hidden_cols)
        if extra is None:
            return hidden
        hidden.add(extra)


def _line_gap(value, rows, cols, hidden, hidden_rows, hidden_cols, k):
    """A further count to hide for the first line breaking the sum rule, or None."""
    lines = [[(r, c) for c in cols] for r in rows if r not in hidden_rows]
    lines += [[(r, c) for r in rows] for c in cols if c not in hidden_cols]
    for line in lines:
        total = sum(value[rc] for rc in line if rc in hidden)
        if 0 < total < k:
            visible = [(rc, value[rc]) for rc in line if rc not in hidden and value[rc] > 0]
            if visible:
                return min(visible, key=_order)[0]
    return None


def _bridge_gap(value, rows, cols, hidden, hidden_rows, hidden_cols):
    """A further count to hide that puts the first determined hidden count on a cycle."""
    edges = [(("r", r), ("c", c)) for (r, c) in hidden]
    edges += [(("r", r), COL_TOTAL) for r in hidden_rows]
    edges += [(ROW_TOTAL, ("c", c)) for c in hidden_cols]
    for u, v in _bridges(edges):
        side = _reachable(edges, u, without=(u, v))
        candidates = [
            ((r, c), value[(r, c)])
            for r in rows
            for c in cols
            if (r, c) not in hidden and ((("r", r) in side) != (("c", c) in side))
        ]
        if candidates:
            return min(candidates, key=_order)[0]
    return None


def _reachable(edges, start, without):
    graph: dict = {}
    for a, b in edges:
        if {a, b} == set(without):
            continue
        graph.setdefault(a, []).append(b)
        graph.setdefault(b, []).append(a)
    seen, stack = {start}, [start]
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _bridges(edges) -> list[tuple]:
    """Bridges of an undirected simple graph (Tarjan, iterative)."""
    graph: dict = {}
    for i, (a, b) in enumerate(edges):
        graph.setdefault(a, []).append((b, i))
        graph.setdefault(b, []).append((a, i))
    order: dict = {}
    low: dict = {}
    found = []
    counter = 0
    for root in graph:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack = [(root, -1, iter(graph[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for nxt, edge in neighbours:
                if edge == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, edge, iter(graph[nxt])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.append(edges[via])
    return found


def nested(
    parents: Mapping[Hashable, int],
    children: Mapping[Hashable, int],
    parent_of: Mapping[Hashable, Hashable],
    hidden_parents: set,
    k: int,
) -> set:
    """Hidden children of a hierarchy (weeks within months): a hidden parent hides all its
    children; the children of a shown parent are one line whose total is that parent."""
    hidden = {c for c in children if parent_of[c] in hidden_parents}
    for parent in parents:
        if parent in hidden_parents:
            continue
        line = {c: n for c, n in children.items() if parent_of[c] == parent}
        hidden |= protect_line(line, k)
    return hidden
