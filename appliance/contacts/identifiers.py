"""Which columns may become segments: categories that many people share, never an identifier.

Segment values are stored in plain text and copied onto anonymous responses, so a column is
refused as a segment when it is identifier-like, for one of three reasons:

- its header names an identifier (klantnummer, customer id, account, ...) or a contact detail
  that identifies (e-mail address, phone number, name, street address, postcode); see
  :func:`names_identifier` and ``mapping.segment_refusal``;
- more than half of its non-empty values have the shape of an e-mail address, a phone number, a
  Dutch postcode (``1234 AB``), an IBAN, or a customer or account number (up to four letters and
  at least six digits, ``K-100203``); see :func:`value_shape`;
- it holds a value of its own on (nearly) every row: at least :data:`MIN_VALUES` non-empty values
  of which more than :data:`UNIQUE_SHARE` are different, or more than :data:`MAX_DISTINCT`
  different values at all.

Everything here is pure: callers feed the rows (a preview's sample or a whole file) and get
:class:`Finding` objects back, or raise :class:`NotACategory` with them. Messages are msgids
with ``%(column)s`` and never hold a value of the file.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING

import phonenumbers

from appliance.i18n import N_

if TYPE_CHECKING:
    from appliance.contacts.mapping import Mapping

# Below this many values a column of different values cannot be told from a small category
# (three test rows: Noord, Zuid, Oost); a wave that small gets no segment values on its
# responses anyway (``responses.segments``).
MIN_VALUES = 5
UNIQUE_SHARE = 0.9
# No category has this many values (a report or mailing filter could not list them); past it
# the check stops keeping values, so a whole file of ids cannot fill memory.
MAX_DISTINCT = 10_000
FEED_ROWS = 10_000  # rows counted at a time; a column holds at most MAX_DISTINCT + FEED_ROWS

NAMES_IDENTIFIER = N_(
    'column "%(column)s" cannot be a segment: its name says it holds an identifier (a customer,'
    " account or other number), which points to one person; drop it"
)
NAMES_CONTACT_DETAILS = N_(
    'column "%(column)s" cannot be a segment: its name says it holds contact details (a name,'
    " address, postcode, e-mail address or phone number), which identify a person; map it to"
    " its contact field or drop it"
)
LOOKS_LIKE = {
    "email": N_(
        'column "%(column)s" cannot be a segment: most of its values are e-mail addresses,'
        " which identify a person; drop it"
    ),
    "phone": N_(
        'column "%(column)s" cannot be a segment: most of its values are phone numbers, which'
        " identify a person; drop it"
    ),
    "postcode": N_(
        'column "%(column)s" cannot be a segment: most of its values are postcodes (1234 AB),'
        " which point to a few addresses; drop it"
    ),
    "iban": N_(
        'column "%(column)s" cannot be a segment: most of its values are bank account numbers'
        " (IBAN), which identify a person; drop it"
    ),
    "account": N_(
        'column "%(column)s" cannot be a segment: most of its values look like customer or'
        " account numbers (such as K-100203), which point to one customer; drop it"
    ),
}
NEARLY_UNIQUE = N_(
    'column "%(column)s" cannot be a segment: %(distinct)s of its %(values)s values are'
    " different, so a value points to one person; a segment must be a category that many people"
    " share"
)
TOO_MANY_VALUES = N_(
    'column "%(column)s" cannot be a segment: it has more than %(n)s different values; a'
    " segment must be a category that many people share"
)


@dataclass(frozen=True)
class Finding:
    """One column refused as a segment: ``reason`` is a msgid, formatted with :attr:`variables`."""

    column: str
    reason: str
    params: dict[str, int] = field(default_factory=dict)

    @property
    def variables(self) -> dict[str, str | int]:
        return {"column": self.column, **self.params}

    def __str__(self) -> str:
        return self.reason % self.variables


class NotACategory(ValueError):
    """Columns mapped to segments that are identifier-like; ``findings`` name each one."""

    def __init__(self, findings: Sequence[Finding]):
        self.findings = list(findings)
        super().__init__("; ".join(str(f) for f in self.findings))

    def stored(self) -> str:
        """The form kept as a failed batch's message, so each page can say it in its language."""
        return json.dumps(
            {"refused": [[f.column, f.reason, f.params] for f in self.findings]},
            ensure_ascii=False,
        )


def stored_reasons(message: str) -> list[tuple[str, dict]]:
    """(msgid, variables) for each reason in a batch's message: the findings of a refusal
    stored by :meth:`NotACategory.stored`, or the message itself with no variables."""
    if message.startswith('{"refused"'):
        try:
            refused = json.loads(message)["refused"]
            return [(reason, {"column": column, **params}) for column, reason, params in refused]
        except (ValueError, KeyError, TypeError):
            pass
    return [(message, {})]


def stored_text(message: str) -> str:
    """A batch's message as English text (the API and the audit log speak English)."""
    return "; ".join(
        msgid % variables if variables else msgid for msgid, variables in stored_reasons(message)
    )


# Words that name an identifier: a noun for a person, customer or contract followed by a word
# for number, id or code ("klantnummer", "Klant-ID", "CustomerID", "relatie nr"). A noun alone
# is no identifier ("Klanttype", "Account manager" are categories).
_ID_NOUN = (
    r"klant|debiteur(?:en)?|crediteur|relatie|lid|leden|lidmaatschap|abonnee|abonnement|contract|"
    r"polis|order|bestel(?:ling)?|factuur|dossier|zaak|ticket|account|gebruiker|personeel|"
    r"medewerker|werknemer|student|leerling|pati[eë]nt|cli[eë]nt|customer|member|membership|"
    r"subscriber|subscription|contact|user|employee|invoice|policy|persoon|person|kvk|ean|"
    r"aansluiting|pas|kaart|card"
)
_ID_SUFFIX = r"nummer|nr|no|num|number|id|code|ref|referentie|reference|key|sleutel"
_IDENTIFIER_HEADER = re.compile(
    rf"\b(?:{_ID_NOUN})s?[ ._/#-]?(?:{_ID_SUFFIX})\b|"
    r"^(?:id|uuid|guid|nummer|nr|number|key|account|kvk|kenteken|license plate|licence plate|"
    r"username|user name|gebruikersnaam|login|inlognaam|ip|ip-adres|ip address|referentie|"
    r"reference)$"
)


def names_identifier(clean_header: str) -> bool:
    """The header (lower case, spaces collapsed) names an identifier."""
    return bool(_IDENTIFIER_HEADER.search(clean_header))


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_POSTCODE = re.compile(r"[1-9][0-9]{3} ?[A-Za-z]{2}")
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_ACCOUNT = re.compile(r"(?:[A-Za-z]{1,4}[-_ ./#]?)?[0-9]{6,}")
_PHONE_CHARS = re.compile(r"\+?[0-9][0-9 ()./-]{6,}[0-9]")


def value_shape(value: str) -> str | None:
    """The kind of identifier ``value`` (stripped) looks like: a key of :data:`LOOKS_LIKE`."""
    if _EMAIL.fullmatch(value):
        return "email"
    if _POSTCODE.fullmatch(value):
        return "postcode"
    compact = value.replace(" ", "").upper()
    if _IBAN.fullmatch(compact):
        return "iban"
    if _PHONE_CHARS.fullmatch(value) and sum(c.isdigit() for c in value) >= 8:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(value, "NL")):
                return "phone"
        except phonenumbers.NumberParseException:
            pass
    if _ACCOUNT.fullmatch(value):
        return "account"
    return None


class _Column:
    """The values of one segment column, counted as they come; their shapes are looked at once
    per distinct value at the end (most files repeat a few values on every row)."""

    __slots__ = ("counts", "settled")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()  # stripped value -> rows, "" for empty cells
        self.settled: tuple[int, Counter[str]] | None = None  # set once past MAX_DISTINCT

    def add_values(self, values: Iterable[str]) -> None:
        self.counts.update(map(str.strip, values))
        if len(self.counts) > MAX_DISTINCT + 1:
            # The verdict is settled; keep what the shapes say so far and let the values go.
            total, _, shapes = self.tally()
            self.settled = (total, shapes)
            self.counts = Counter()

    def tally(self) -> tuple[int, int, Counter[str]]:
        """(non-empty values, distinct values, values per shape)."""
        shapes: Counter[str] = Counter()
        for value, count in self.counts.items():
            if shape := value and value_shape(value):
                shapes[shape] += count
        empty = self.counts.get("", 0)
        return self.counts.total() - empty, len(self.counts) - (1 if empty else 0), shapes

    def finding(self, header: str) -> Finding | None:
        if self.settled:
            total, shapes = self.settled
            distinct = MAX_DISTINCT + 1
        else:
            total, distinct, shapes = self.tally()
        if shapes:
            shape, count = shapes.most_common(1)[0]
            if count * 2 > total:
                return Finding(header, LOOKS_LIKE[shape])
        if distinct > MAX_DISTINCT:
            return Finding(header, TOO_MANY_VALUES, {"n": MAX_DISTINCT})
        if total >= MIN_VALUES and distinct > UNIQUE_SHARE * total:
            return Finding(header, NEARLY_UNIQUE, {"distinct": distinct, "values": total})
        return None


class SegmentCheck:
    """The value rules over the segment columns of ``mapping``, fed rows as they are read (at
    most FEED_ROWS at a time: a column keeps at most MAX_DISTINCT values plus one feed)."""

    def __init__(self, mapping: Mapping):
        self._columns = [
            (index, header, _Column())
            for index, (header, target) in enumerate(
                zip(mapping.headers, mapping.targets, strict=True)
            )
            if target.startswith("segment:")
        ]

    def __bool__(self) -> bool:
        return bool(self._columns)

    def add(self, cells: Sequence[str]) -> None:
        self.add_rows((cells,))

    def add_rows(self, rows: Sequence[Sequence[str]]) -> None:
        for index, _, column in self._columns:
            if column.settled is None:
                column.add_values(map(itemgetter(index), rows))

    def findings(self) -> list[Finding]:
        """One finding per identifier-like column, in column order."""
        found = (column.finding(header) for _, header, column in self._columns)
        return [f for f in found if f]


def check(mapping: Mapping, rows: Iterable[Sequence[str]]) -> list[Finding]:
    """The findings of the value rules on ``rows`` (cells in the mapping's column order)."""
    segments = SegmentCheck(mapping)
    if segments:
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, FEED_ROWS)):
            segments.add_rows(chunk)
    return segments.findings()
