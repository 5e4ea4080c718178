"""One row of a contact file, validated and normalised: the importer's and the preview's per-row
work, compiled once per file (:class:`RowPlan`) so that each row costs as little as possible.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from appliance.contacts import fields
from appliance.contacts.mapping import Mapping, split_full_name
from appliance.i18n import N_

SEGMENT_CACHE = 10_000


@dataclass(slots=True)
class Prepared:
    """One valid row, normalised, ready to be sealed."""

    number: int
    values: dict[str, str]
    segments: str = "{}"  # JSON of the segment attributes
    email_hash: bytes | None = None


# The C string quoter of the json module: segments are a flat str -> str object, and writing
# it directly is three times faster than json.dumps on this hot path (same output).
_quote = json.encoder.encode_basestring


@dataclass(frozen=True)
class RowPlan:
    """The mapping compiled once per file: which cell goes through which normaliser."""

    fields: tuple[tuple[int, str, Callable[[str, str], str]], ...]
    segments: tuple[tuple[int, str], ...]
    full_name: int | None
    country: int | None
    # Segment attributes are categorical (branch, region, ...): the same few combinations
    # repeat on every row, so each is checked and encoded once.
    _segment_json: dict[tuple[str, ...], str] = field(default_factory=dict)

    def segments_json(self, cells: list[str]) -> str:
        """The row's segment attributes as compact JSON; raises fields.Invalid."""
        key = tuple(cells[index] for index, _ in self.segments)
        found = self._segment_json.get(key)
        if found is None:
            pairs = [
                (label, fields.segment(cell))
                for (_, label), cell in zip(self.segments, key, strict=True)
            ]
            found = "{" + ",".join(f"{_quote(k)}:{_quote(v)}" for k, v in pairs if v) + "}"
            if len(self._segment_json) < SEGMENT_CACHE:
                self._segment_json[key] = found
        return found

    @property
    def filled(self) -> tuple[str, ...]:
        """The fields a row of this plan can hold a value for, in ``fields.FIELDS`` order: the
        mapped ones, and the name parts when a full name is split. Every other field of every
        row stays empty."""
        names = {name for _, name, _ in self.fields}
        if self.full_name is not None:
            names.update(fields.NAME_FIELDS)
        return tuple(name for name in fields.FIELDS if name in names)

    @classmethod
    def of(cls, mapping: Mapping) -> RowPlan:
        plan_fields, segments, full_name, country = [], [], None, None
        for index, target in enumerate(mapping.targets):
            kind, _, name = target.partition(":")
            if kind == "segment":
                segments.append((index, name))
            elif name == "full_name":
                full_name = index
            elif kind == "field":
                plan_fields.append((index, name, fields.NORMALISERS[name]))
                if name == "country":
                    country = index
        return cls(tuple(plan_fields), tuple(segments), full_name, country)


_CONTACT_DATA = frozenset(fields.PERSONAL) - {"gender"}


def prepare(number: int, cells: list[str], plan: RowPlan) -> Prepared:
    """Validate and normalise one row; raises fields.Invalid with the first reason."""
    country = cells[plan.country].strip() if plan.country is not None else ""
    values: dict[str, str] = {}
    for index, name, normalise in plan.fields:
        cell = cells[index]
        if cell and not cell.isspace():
            value = normalise(cell, country)
            if value:
                values[name] = value
    if plan.full_name is not None and cells[plan.full_name].strip():
        parts = split_full_name(fields.name(cells[plan.full_name]))
        for name, value in zip(fields.NAME_FIELDS, parts, strict=True):
            if value:
                values.setdefault(name, value)
    segments = plan.segments_json(cells) if plan.segments else "{}"
    if not _CONTACT_DATA.intersection(values):
        raise fields.Invalid(N_("the row has no contact data"))
    return Prepared(number, values, segments)
