"""Column mapping: which column of an export becomes which contact field or segment attribute.

A mapping is a list with one target per column: ``"field:<name>"`` (see ``fields.FIELDS``, plus
``full_name`` which is split into first name, infix and last name), ``"segment:<label>"``, or
``"drop"``. Suggestions come from Dutch and English headers and never propose a segment; columns
that look like special categories of personal data (health, religion, ...) or national id numbers
are always dropped and cannot be mapped to anything else, and a column whose header names an
identifier or an identifying contact detail cannot be a segment (``identifiers`` has the rules on
the values, which need the rows).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from appliance.contacts import identifiers
from appliance.contacts.fields import FIELDS
from appliance.i18n import N_

TARGET_FIELDS = (*FIELDS, "full_name")

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "e-mail",
        "e-mailadres",
        "emailadres",
        "email address",
        "e-mail address",
        "mail",
        "mailadres",
        "e-mail adres",
        "email adres",
    ),
    "first_name": ("voornaam", "first name", "firstname", "given name", "roepnaam", "voornamen"),
    "infix": ("tussenvoegsel", "tussenvoegsels", "tussenv", "infix", "prefix", "voorvoegsel"),
    "last_name": ("achternaam", "last name", "lastname", "surname", "family name", "geslachtsnaam"),
    "full_name": ("naam", "name", "full name", "volledige naam", "contactpersoon", "contact name"),
    "gender": (
        "geslacht",
        "aanhef",
        "gender",
        "sex",
        "salutation",
        "title",
        "heer/mevrouw",
        "m/v",
        "aanspreekvorm",
    ),
    "street": ("straat", "street", "straatnaam", "adres", "address", "address line 1"),
    "house_number": (
        "huisnummer",
        "huisnr",
        "nr",
        "house number",
        "number",
        "huisnummer en toevoeging",
        "toevoeging",
    ),
    "postcode": ("postcode", "postal code", "zip", "zipcode", "zip code", "post code"),
    "town": ("plaats", "woonplaats", "stad", "town", "city", "plaatsnaam", "vestigingsplaats"),
    "country": ("land", "country", "landcode", "country code"),
    "phone": (
        "telefoon",
        "telefoonnummer",
        "tel",
        "telnr",
        "mobiel",
        "mobiel nummer",
        "mobile",
        "phone",
        "phone number",
        "gsm",
        "telephone",
    ),
    "language": ("taal", "language", "voorkeurstaal", "preferred language", "lang"),
}
_BY_HEADER = {word: field for field, words in _SYNONYMS.items() for word in words}

# Special categories (GDPR art. 9) and national identifiers: never imported.
_FORBIDDEN = re.compile(
    r"religi|geloof|kerk|gezondheid|health|medic|medisch|ziekte|diagnos|handicap|beperking|"
    r"etnic|etnisch|ethnic|afkomst|nationaliteit|\bras\b|\brace\b|politie?k|politic|partij|"
    r"vakbond|union|seksu|sexual|geaardheid|orientation|biometr|genetic|genetisch|strafbl|"
    r"criminal|bsn|burgerservicenummer|sofi|social security|\bssn\b|paspoort|passport|iban|"
    r"rekeningnummer|bank account|geboortedatum|date of birth|birth ?date|birthday|\bdob\b|"
    r"verjaardag|geb\.? ?datum|nationality|disabilit|levensbeschouw|land van herkomst|"
    r"herkomst|allergie|allerg|zwanger|pregnan|identiteit|id-nummer|id nummer|rijbewijs|"
    r"driver'?s licen|vog\b|strafrecht|seksueel"
)


def _clean(header: str) -> str:
    text = unicodedata.normalize("NFKC", header).strip().lower()
    text = re.sub(r"[_\s]+", " ", text)
    return text.strip(" :*.")


def segment_label(header: str) -> str:
    """A valid segment name for a header ("Klant type (B2B/B2C)" -> "klant type b2b b2c")."""
    words = re.sub(r"[^\w .-]+", " ", _clean(header))
    label = " ".join(words.split())[:40].strip(" .-")
    return label or "segment"


def forbidden(header: str) -> bool:
    return bool(_FORBIDDEN.search(_clean(header)))


# Contact fields whose value points to one person (or one address); town, country, gender and
# language are shared by many and may be segments.
_IDENTIFYING_FIELDS = frozenset(
    (
        "email",
        "phone",
        "first_name",
        "infix",
        "last_name",
        "full_name",
        "street",
        "house_number",
        "postcode",
    )
)


def segment_refusal(header: str) -> str | None:
    """Why a column with this header can never be a segment (a msgid of ``identifiers``), or
    None when only its values can tell."""
    clean = re.sub(r" \(\d+\)$", "", _clean(header))  # "Telefoon (2)": a repeated header
    if _BY_HEADER.get(clean) in _IDENTIFYING_FIELDS:
        return identifiers.NAMES_CONTACT_DETAILS
    if identifiers.names_identifier(clean):
        return identifiers.NAMES_IDENTIFIER
    return None


def suggest(headers: list[str]) -> list[str]:
    """One suggested target per header; each field is suggested at most once. Unknown headers
    are dropped until staff map them (to a field or a segment); forbidden ones always are."""
    used: set[str] = set()
    targets = []
    for header in headers:
        clean = _clean(header)
        field = _BY_HEADER.get(clean)
        if forbidden(header) or not clean:
            targets.append("drop")
        elif field and field not in used:
            used.add(field)
            targets.append(f"field:{field}")
        else:
            targets.append("drop")
    return targets


def targets_for(
    headers: list[str], preset: dict[str, str] | None = None, overrides: tuple[str, ...] = ()
) -> list[str]:
    """Suggestions, then a saved preset, then ``HEADER=TARGET`` overrides (CLI and API).
    Raises ValueError for an override that names no column of the file."""
    targets = suggest(headers)
    if preset:
        targets = [preset.get(h, t) for h, t in zip(headers, targets, strict=True)]
    for item in overrides:
        header, sep, target = item.partition("=")
        if not sep or header not in headers:
            raise ValueError(f"{item!r}: expected HEADER=TARGET for a column of the file")
        targets[headers.index(header)] = target
    return targets


@dataclass(frozen=True)
class Mapping:
    """A checked mapping for one file's header row."""

    headers: tuple[str, ...]
    targets: tuple[str, ...]

    @classmethod
    def build(cls, headers: list[str], targets: list[str]) -> Mapping:
        """Validate ``targets`` against ``headers``; raises ValueError with a clear reason, and
        :class:`identifiers.NotACategory` naming every segment column whose header says it is
        identifying (its values are checked later, by whoever reads the rows)."""
        if len(targets) != len(headers):
            raise ValueError(N_("the mapping does not match the file's columns"))
        seen: set[str] = set()
        refused: list[identifiers.Finding] = []
        for header, target in zip(headers, targets, strict=True):
            if target == "drop":
                continue
            if forbidden(header):
                raise ValueError(N_("a column with special-category data can only be dropped"))
            kind, _, name = target.partition(":")
            if kind == "field" and name in TARGET_FIELDS:
                key = target
            elif kind == "segment" and re.fullmatch(r"[\w][\w .-]{0,39}", name):
                key = target.lower()
                if reason := segment_refusal(header):
                    refused.append(identifiers.Finding(header, reason))
            else:
                raise ValueError(N_("unknown mapping target"))
            if key in seen:
                raise ValueError(N_("two columns are mapped to the same field"))
            seen.add(key)
        if "field:full_name" in seen and seen & {"field:first_name", "field:last_name"}:
            raise ValueError(N_("map either a full name or first and last name, not both"))
        if refused:
            raise identifiers.NotACategory(refused)
        return cls(tuple(headers), tuple(targets))

    @property
    def dropped(self) -> list[str]:
        return [h for h, t in zip(self.headers, self.targets, strict=True) if t == "drop" and h]

    def fields(self) -> set[str]:
        return {t[6:] for t in self.targets if t.startswith("field:")}


_INFIXES = sorted(
    (
        "van der",
        "van den",
        "van de",
        "van 't",
        "in 't",
        "in de",
        "in het",
        "uit de",
        "uit den",
        "op de",
        "op den",
        "op 't",
        "aan de",
        "aan den",
        "bij de",
        "van",
        "de",
        "den",
        "der",
        "het",
        "'t",
        "ter",
        "ten",
        "te",
        "op",
        "in",
        "uit",
        "la",
        "le",
        "du",
        "da",
        "di",
        "von",
    ),
    key=len,
    reverse=True,
)


def split_full_name(value: str) -> tuple[str, str, str]:
    """Split a Dutch full name into (first name, infix, last name): "Jan van der Berg" ->
    ("Jan", "van der", "Berg"); a single word is taken as the last name."""
    words = value.split()
    if len(words) <= 1:
        return "", "", value.strip()
    first, rest = words[0], " ".join(words[1:])
    lowered = rest.lower()
    for infix in _INFIXES:
        if lowered.startswith(infix + " ") and len(rest) > len(infix) + 1:
            return first, rest[: len(infix)], rest[len(infix) + 1 :].strip()
    return first, "", rest
