"""The organisation-wide unsubscribe list: keyed hashes of normalised addresses, nothing else.

It is the one place that decides whether an address may be contacted: the importer skips
suppressed addresses and never re-adds them; the mailing engine asks again at send time. Entries
are kept indefinitely and no retention purge touches this table.

Two kinds of address share the list, told apart by the hash's domain: e-mail addresses
(:func:`address_hash`) and postal addresses (:func:`postal_hash`, of ``Address.key``: someone
who opted out with the code of a letter gets no more letters at that address). The domains
keep the two from ever colliding, so one look-up (:func:`suppressed`) serves both. Telephone
numbers (:func:`phone_hash`, of the E.164 form) are the organisation's "do not call" list, a
third domain on the same list.
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import BinaryIO

from appliance.contacts import fields
from appliance.contacts.fields import email_key
from appliance.contacts.postal import Address
from appliance.crypto import KeyedHasher
from appliance.db import iso, utcnow
from appliance.privacy import suppression_store

DOMAIN = "email"
POSTAL_DOMAIN = "postal-address"
# Not the erasure ledger's "phone": a number on both lists does not have one key in both.
PHONE_DOMAIN = "phone-do-not-call"


def address_hash(hasher: KeyedHasher, normalised_email: str) -> bytes:
    """The keyed hash under which an address is de-duplicated and suppressed."""
    return hasher.digest(DOMAIN, email_key(normalised_email))


def postal_hash(hasher: KeyedHasher, address: Address) -> bytes:
    """The keyed hash under which a postal address is suppressed (of its normalised key)."""
    return hasher.digest(POSTAL_DOMAIN, address.key())


def phone_hash(hasher: KeyedHasher, e164: str) -> bytes:
    """The keyed hash under which a telephone number (E.164, "+31612345678") is on the "do not
    call" list."""
    return hasher.digest(PHONE_DOMAIN, e164)


def suppressed(conn: sqlite3.Connection, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of ``hashes`` are on the list (one query per 10,000, SQLite's parameter limit
    being 32,766)."""
    if not hashes or suppression_store.is_empty(conn):
        return set()
    return suppression_store.present(conn, hashes)


def add(conn: sqlite3.Connection, hashes: Iterable[bytes], source: str) -> int:
    """Add hashes (already present ones are kept as they are); returns how many were new."""
    now = iso(utcnow())
    return suppression_store.insert(conn, [(h, now, source) for h in hashes])


def hash_addresses(hasher: KeyedHasher, lines: Iterable[str]) -> tuple[list[bytes], int]:
    """Keyed hashes of the valid addresses among ``lines``, and how many were not addresses."""
    hashes, invalid = [], 0
    for line in lines:
        text = line.strip().strip('"').strip()
        if not text:
            continue
        try:
            hashes.append(address_hash(hasher, fields.email(text)))
        except fields.Invalid:
            invalid += 1
    return hashes, invalid


def addresses_in(stream: BinaryIO) -> Iterator[str]:
    """Every cell that looks like an address in an uploaded file, read line by line (a plain
    list, or a CSV export with an e-mail column); nothing is cut off, however long the file."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    for line in text:
        for cell in re.split(r"[,;\t|]", line):
            if "@" in cell:
                yield cell


def add_addresses(
    conn: sqlite3.Connection,
    hasher: KeyedHasher,
    addresses: Iterable[str],
    source: str,
    chunk: int = 10_000,
) -> tuple[int, int, int]:
    """Hash and add addresses in chunks (bounded memory); returns (added, already, invalid).
    Inside the caller's transaction."""
    added = already = invalid = 0
    for part in _chunks(addresses, chunk):
        hashes, bad = hash_addresses(hasher, part)
        new = add(conn, hashes, source)
        added, already, invalid = added + new, already + len(hashes) - new, invalid + bad
    return added, already, invalid


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    part: list[str] = []
    for item in items:
        part.append(item)
        if len(part) == size:
            yield part
            part = []
    if part:
        yield part


def count(conn: sqlite3.Connection) -> int:
    return suppression_store.count(conn)
