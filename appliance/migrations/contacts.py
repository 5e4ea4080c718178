"""Migration 0021: one index led by the address hash instead of two.

``contacts_list_email`` (list, address, import) and ``contacts_email`` (address) were both
written at random places for every imported contact, since the keyed hash is random: at a
million rows the second index cost a fifth of the import. One unique index led by the address,
``contacts_email_list`` (address, list, import), keeps the rule that an address appears once per
import, finds a contact by address (requests, erasures) and by list and address (replacing,
de-duplication); ``contacts_list`` (list) serves reading a list, counting it and deleting it.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0021_contact_address_index(db: Database) -> None:
    run(
        db,
        "CREATE UNIQUE INDEX contacts_email_list ON contacts(email_hash, list_id, import_id)",
        "CREATE INDEX contacts_list ON contacts(list_id)",
        "DROP INDEX contacts_list_email",
        "DROP INDEX contacts_email",
    )
