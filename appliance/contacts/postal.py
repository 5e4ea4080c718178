"""A contact's postal address, for letters: whether it is usable, the lines of its address
block, and the key under which it is suppressed.

Contract: :data:`FIELDS` are the only contact fields a letter's address needs (with the
name fields for the salutation and the addressee line); the e-mail address is never among
them. A Dutch address (country NL or empty) is usable when it has a street, a house number and
a town and its postcode is a Dutch postcode; a foreign address is printed as free lines and is
usable with a street and a town. :func:`key` is the same for every way of writing one Dutch
address ("1234ab", "1234 AB"; "12 A", "12a"), so an opt-out holds however it was typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from appliance.contacts import fields
from appliance.i18n import N_

FIELDS = ("street", "house_number", "postcode", "town", "country")
NAME_FIELDS = ("first_name", "infix", "last_name", "gender")

INCOMPLETE = N_("no usable postal address")


@dataclass(frozen=True)
class Address:
    street: str = ""
    house_number: str = ""
    postcode: str = ""
    town: str = ""
    country: str = ""

    @classmethod
    def of(cls, values: Mapping[str, str | None]) -> Address:
        """From opened contact fields (missing ones empty)."""
        return cls(*((values.get(name) or "").strip() for name in FIELDS))

    @property
    def domestic(self) -> bool:
        return not self.country or fields.is_nl(self.country)

    def usable(self) -> bool:
        """Whether a letter can reach this address (see the module's contract)."""
        if not self.street or not self.town:
            return False
        if not self.domestic:
            return True
        return bool(
            fields.split_house_number(self.house_number) and fields.nl_postcode(self.postcode)
        )

    def lines(self) -> list[str]:
        """The address lines below the addressee's name: street and number, postcode and town
        (two spaces between them, as PostNL asks), and the country in capitals when abroad."""
        street = " ".join(p for p in (self.street, self.house_number) if p)
        if self.domestic:
            postcode = fields.nl_postcode(self.postcode) or self.postcode
            town = f"{postcode}  {self.town.upper()}".strip()
            return [street, town]
        town = " ".join(p for p in (self.postcode, self.town) if p)
        return [street, town, self.country.upper()]

    def key(self) -> str:
        """The normalised address: for NL the postcode and house number (they name one
        address), else every line in lower case with single spaces, and the country."""
        if self.domestic:
            parts = fields.split_house_number(self.house_number)
            number = f"{parts[0]}-{parts[2].lower()}" if parts else _plain(self.house_number)
            return f"nl|{_plain(self.postcode).replace(' ', '').upper()}|{number}"
        lines = (self.street, self.house_number, self.postcode, self.town, self.country)
        return "|".join(_plain(line) for line in lines)


def _plain(value: str) -> str:
    return " ".join(value.lower().split())


def addressee(values: Mapping[str, str | None]) -> str:
    """The name line of the address block: first name, infix and last name as given."""
    parts = (" ".join((values.get(name) or "").split()) for name in fields.NAME_FIELDS)
    return " ".join(part for part in parts if part)
