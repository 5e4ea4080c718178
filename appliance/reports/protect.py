"""Which counts to hide: primary and complementary suppression for the aggregate gate.

Contract: every function returns the set of keys to hide and never hides less than it must:

- primary: a count of 1..k-1 is hidden. A zero is shown where it names nobody (an answer, a
  period); a zero of a *strict* key (a labelled group: a segment value, a mode, offered whether
  or not anybody answered) is hidden too, so that "nobody" and "a few" look the same;
- a *virtual* key (the responses without a value of a segment, which have no row) is never
  shown; it may be worked out only when it is 0 or at least k;
- a line (a breakdown, a distribution) whose total is shown never has hidden counts summing to
  1..k-1, so the hidden part cannot be read off by subtracting the shown ones from the total;
  once a strict or small key is hidden they sum to at least k, over at least two keys;
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

from collections.abc import Callable, Hashable, Iterable, Mapping

ROW_TOTAL, COL_TOTAL = ("#rows",), ("#cols",)


def _order(item):
    key, value = item
    return (value, repr(key))


def _primary(key, n: int, k: int, strict, virtual) -> bool:
    return 0 < n < k or key in virtual or (n == 0 and key in strict)


def _line_short(counts: Mapping[Hashable, int], hidden: set, k: int, virtual) -> bool:
    """Whether the hidden keys of a line whose total is shown could be read off or told apart
    from "nobody": see the module docstring."""
    total = sum(counts[key] for key in hidden)
    if not hidden - set(virtual):
        return 0 < total < k
    return total < k or len(hidden) < 2


def protect_line(
    cells: Mapping[Hashable, int],
    k: int,
    strict: Iterable[Hashable] = (),
    virtual: Iterable[Hashable] = (),
    prefer: Callable[[Hashable, set], tuple] | None = None,
    hide: Iterable[Hashable] = (),
) -> set:
    """Hidden keys of one line whose total is shown (``strict`` and ``virtual`` keys as in the
    module docstring; ``hide``: keys hidden for a reason outside the line). Further keys are
    hidden smallest first, or, with ``prefer``, in the order of ``prefer(key, hidden so far)``
    and then smallest first."""
    strict, virtual = set(strict), set(virtual)
    hidden = {key for key, n in cells.items() if _primary(key, n, k, strict, virtual)}
    hidden |= set(hide)
    while _line_short(cells, hidden, k, virtual):
        nonzero = [(key, n) for key, n in cells.items() if key not in hidden and n > 0]
        if not nonzero:
            break  # everything that counts is hidden already
        first = prefer or (lambda key, hidden: ())
        hidden.add(min(nonzero, key=lambda item: (first(item[0], hidden), *_order(item)))[0])
    return hidden


def protect_table(
    cells: Mapping[tuple[Hashable, Hashable], int],
    rows: Iterable[Hashable],
    cols: Iterable[Hashable],
    hidden_rows: set,
    hidden_cols: set,
    k: int,
    *,
    strict: bool = False,
    virtual_rows: Iterable[Hashable] = (),
    virtual_cols: Iterable[Hashable] = (),
) -> set:
    """Hidden (row, col) keys of a two-way table. ``hidden_rows``/``hidden_cols`` are the
    margins already hidden in their own one-way views; a hidden row is hidden whole (its group is
    not published), and margins are never hidden here, so every view of a margin agrees.
    ``strict``: the cells are labelled groups, a zero hidden like 1..k-1. Virtual rows (hidden
    rows too) and columns hold the responses without a value: their cells are never shown and
    may be worked out only when 0 or at least k."""
    rows, cols = list(rows), list(cols)
    virtual_rows, virtual_cols = set(virtual_rows), set(virtual_cols)
    value = {(r, c): cells.get((r, c), 0) for r in rows for c in cols}
    if len(rows) < 2 or len(cols) < 2:
        # The interior is the margins themselves.
        return {(r, c) for (r, c) in value if r in hidden_rows or c in hidden_cols}
    hidden = {
        rc
        for rc, n in value.items()
        if rc[0] in hidden_rows or rc[1] in virtual_cols or 0 < n < k or (strict and n == 0)
    }
    table = _Table(value, rows, cols, hidden_rows, hidden_cols, k, strict)
    table.virtual = {rc for rc in value if rc[0] in virtual_rows or rc[1] in virtual_cols}
    table.virtual_margins = {("r", r) for r in virtual_rows} | {("c", c) for c in virtual_cols}
    while True:
        extra = table.line_gap(hidden)
        if extra is None:
            extra = table.bridge_gap(hidden)
        if extra is None:
            return hidden
        hidden.add(extra)


class _Table:
    def __init__(self, value, rows, cols, hidden_rows, hidden_cols, k, strict):
        self.value, self.rows, self.cols = value, rows, cols
        self.hidden_rows, self.hidden_cols = hidden_rows, hidden_cols
        self.k, self.strict = k, strict
        self.virtual: set = set()
        self.virtual_margins: set = set()

    def line_gap(self, hidden):
        """A further count to hide for the first line breaking the sum rule, or None."""
        value, k = self.value, self.k
        lines = [[(r, c) for c in self.cols] for r in self.rows if r not in self.hidden_rows]
        lines += [[(r, c) for r in self.rows] for c in self.cols if c not in self.hidden_cols]
        for line in lines:
            shut = [rc for rc in line if rc in hidden]
            total = sum(value[rc] for rc in shut)
            real = [rc for rc in shut if rc not in self.virtual and (self.strict or value[rc])]
            if total < k if real else 0 < total < k:
                visible = [(rc, value[rc]) for rc in line if rc not in hidden and value[rc] > 0]
                if visible:
                    return min(visible, key=_order)[0]
        return None

    def _margin(self, node) -> int:
        kind, key = node
        if kind == "r":
            return sum(self.value[(key, c)] for c in self.cols)
        return sum(self.value[(r, key)] for r in self.rows)

    def _may_be_known(self, u, v) -> bool:
        """A virtual count (a cell, or the margin of a virtual line) that is 0 or >= k."""
        if COL_TOTAL in (u, v) or ROW_TOTAL in (u, v):
            node = u if v in (COL_TOTAL, ROW_TOTAL) else v
            if node not in self.virtual_margins:
                return False
            n = self._margin(node)
        else:
            rc = (u[1], v[1]) if u[0] == "r" else (v[1], u[1])
            if rc not in self.virtual:
                return False
            n = self.value[rc]
        return n == 0 or n >= self.k

    def bridge_gap(self, hidden):
        """A further count to hide that puts the first determined hidden count on a cycle."""
        edges = [(("r", r), ("c", c)) for (r, c) in hidden]
        edges += [(("r", r), COL_TOTAL) for r in self.hidden_rows]
        edges += [(ROW_TOTAL, ("c", c)) for c in self.hidden_cols]
        for u, v in _bridges(edges):
            if self._may_be_known(u, v):
                continue
            side = _reachable(edges, u, without=(u, v))
            candidates = [
                ((r, c), self.value[(r, c)])
                for r in self.rows
                for c in self.cols
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
