"""Who a post campaign writes to: the counterpart of ``build.select`` for letters.

Contract (data minimisation): only the address and name fields of the list's contacts are
opened (``letters_store.LETTER_FIELDS``), never the e-mail address or its hash. Skipped, with
the same reasons as e-mail campaigns: ``no_address`` (no usable postal address, see
``contacts.postal``), ``suppressed`` (the postal address opted out, asked of
``privacy.suppression``) and ``already_invited`` (the contact was invited to this survey
before, or an earlier contact of this wave has the same name at the same address).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping

from appliance.contacts.postal import Address, addressee
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.mailing import letters_store
from appliance.mailing.build import Selection, matches
from appliance.planes import open_contact_field
from appliance.privacy import suppression


def opened(cipher: FieldCipher, row: sqlite3.Row, contact_id: int) -> dict[str, str]:
    """The sealed letter fields of ``row`` opened in memory (absent ones left out)."""
    return {
        name: open_contact_field(cipher, name, row[name], contact_id)
        for name in letters_store.LETTER_FIELDS
        if row[name] is not None
    }


def select(
    conn: sqlite3.Connection,
    cipher: FieldCipher,
    hasher: KeyedHasher,
    list_id: int,
    survey_id: int,
    wanted: Mapping[str, list[str]],
) -> Selection:
    """The contacts a post invitation wave would go to now, and how many were skipped and
    why (see the module's contract)."""
    invited = letters_store.invited_contacts(conn, survey_id)
    candidates: list[tuple[int, Address, str]] = []
    no_address = already = 0
    for row in letters_store.list_contacts(conn, list_id):
        if wanted and not matches(json.loads(row["segments"]), wanted):
            continue
        fields = opened(cipher, row, row["id"])
        address = Address.of(fields)
        if not address.usable():
            no_address += 1
            continue
        candidates.append((row["id"], address, addressee(fields).lower()))
    hashes = [suppression.postal_hash(hasher, address) for _, address, _ in candidates]
    blocked = suppression.suppressed(conn, hashes)
    ids: list[int] = []
    seen: set[tuple[str, str]] = set()
    suppressed = 0
    for (contact_id, address, name), key in zip(candidates, hashes, strict=True):
        if key in blocked:
            suppressed += 1
        elif contact_id in invited or (address.key(), name) in seen:
            already += 1
        else:
            seen.add((address.key(), name))
            ids.append(contact_id)
    return Selection(ids, no_address, suppressed, already)
