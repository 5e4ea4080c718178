"""Identity plane: contact lists, contacts, invitations and the suppression list.

Personal fields are sealed with ``appliance.crypto.FieldCipher`` (AAD binds table, column and row),
only through ``appliance.planes.seal_contact_field`` and ``open_contact_field``, and compared
through ``KeyedHasher`` digests. Only staff and admin reach this package; the
researcher's gate connection cannot read its tables (``appliance.planes.GATE_DENIED``).
"""
