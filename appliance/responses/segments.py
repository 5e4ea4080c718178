"""What an invited respondent's answer may say about the group they belong to.

A response of an invitation carries segment values (region, customer type, ...) so reports can
break results down. Those values are also on the invited contact, in the identity plane, so
whoever holds the database could join the two. The rule that keeps the join useless: the values
stored with a response are computed once per invitation wave by :func:`coarsen`, and

- only attributes the survey reports on (``surveys.report_segments``) are kept;
- a value held by fewer than ``k`` invited contacts of the wave becomes :data:`OTHER`;
- every combination of stored values is shared by at least ``k`` invitations of the wave:
  attributes are settled in their order of importance, each within the groups the ones before
  it formed, values too rare there becoming :data:`OTHER`.

So a response matches at least ``k`` invitations whichever way it is joined, and every wave of a
survey keeps that on its own (a union of groups of at least ``k`` is one too). A wave of fewer
than ``k`` invitations stores no values at all.

Whoever holds the database also sees which invitations were used, so matching k invitations is
not enough: a response stores its segment values only once at least ``k`` used invitations of
its wave share them, itself included, and its language only once ``k`` share that too
(``responses.store.store_response``). Used counts only grow, so that stays true.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence

# The neutral value: "one of the values held by too few to name". Never a real value's label.
OTHER = "~other"
# The invited contact's language travels in the invitation link, and a response records the
# language it was given in: coarsened like an attribute, so a rare language names nobody.
LANGUAGE = "#language"

_Row = list  # one value per attribute; None where the contact has no value


def reportable(report_segments: str | None) -> list[str]:
    """The survey's reportable attributes, in their stored (name) order: the order in which
    :func:`coarsen` settles them."""
    return [str(a) for a in json.loads(report_segments or "[]")]


def invited_rows(
    contacts: Sequence[tuple[str | None, str | None]],
) -> list[dict[str, str]]:
    """Rows for :func:`coarsen` from (segments JSON, language) of invited contacts."""
    return [{**json.loads(segments or "{}"), LANGUAGE: language} for segments, language in contacts]


def wave_attributes(report_segments: str | None) -> list[str]:
    """What a wave fixes per invitation: the reportable attributes, then the language (the
    first to be generalised)."""
    return [*reportable(report_segments), LANGUAGE]


def encode(values: Mapping[str, str]) -> str:
    """The one text form of fixed values (sorted keys), so equal values compare equal in SQL."""
    return json.dumps(dict(values), ensure_ascii=False, sort_keys=True)


def group_key(fixed: Mapping[str, str]) -> str:
    """The text form of fixed values without the language: the group a response's segment
    values name."""
    return encode({a: v for a, v in fixed.items() if a != LANGUAGE})


def offered(stored: Sequence[Mapping[str, str]]) -> set[tuple[str, str]]:
    """(attribute, value) pairs a wave's fixed values offer to reports (not the language)."""
    return {(a, v) for values in stored for a, v in values.items() if a != LANGUAGE}


def coarsen(
    rows: Sequence[Mapping[str, str]], attributes: Sequence[str], k: int
) -> list[dict[str, str]]:
    """The segment values to store for each of ``rows`` (the invited contacts' own values, in
    wave order); see the module docstring. Deterministic: the same wave gives the same result.

    Attributes are settled one after the other, the first (most important) over the whole wave,
    each next one within every group the ones before it formed. In a group of k rows or more a
    value held by fewer than k becomes OTHER; when OTHER then holds 1..k-1 rows, the largest
    value lends it the rows it lacks if it keeps k of its own, else the smallest value joins it
    whole. So every group, and in the end every stored combination, holds k rows or more."""
    attributes = list(dict.fromkeys(attributes))
    if len(rows) < k or not attributes:
        return [{} for _ in rows]
    table: list[_Row] = [[_value(row.get(a)) for a in attributes] for row in rows]
    groups = [table]
    for column in range(len(attributes)):
        settled: list[list[_Row]] = []
        for group in groups:
            _merge_rare(group, column, k)
            by_value: dict = {}
            for row in group:
                by_value.setdefault(row[column], []).append(row)
            settled.extend(by_value.values())
        groups = settled
    return [{a: v for a, v in zip(attributes, row, strict=True) if v is not None} for row in table]


def _value(value) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    return str(value)


def _merge_rare(group: list[_Row], column: int, k: int) -> None:
    """Settle one attribute within a group of k rows or more (see :func:`coarsen`)."""
    counts = Counter(row[column] for row in group)
    rare = {v for v, n in counts.items() if n < k and v != OTHER}
    for row in group:
        if row[column] in rare:
            row[column] = OTHER
    while True:
        counts = Counter(row[column] for row in group)
        merged = counts.get(OTHER, 0)
        named = sorted(((n, v is None, str(v)), v) for v, n in counts.items() if v != OTHER)
        if not 0 < merged < k or not named:
            return
        need = k - merged
        (largest, _, _), value = named[-1]
        if largest - need >= k:
            # The last rows of the wave lend: the choice follows wave order, not the values.
            for row in reversed(group):
                if need and row[column] == value:
                    row[column] = OTHER
                    need -= 1
            return
        smallest = named[0][1]
        for row in group:
            if row[column] == smallest:
                row[column] = OTHER
