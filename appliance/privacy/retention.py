"""The retention engine (placeholder while it is written; see the privacy issue)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Receipt:
    counts: dict[str, int] = field(default_factory=dict)
    compacted: bool = False


def apply(conn, settings, *, now=None, actor="system", compact=True, dry_run=False) -> Receipt:
    return Receipt()
