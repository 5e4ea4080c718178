"""A contact's personal fields are sealed and opened through one pair of functions in
``appliance.planes``: the values round-trip, a value sealed for one contact or field opens for no
other, and the bytes are those the cipher made before the pair existed (existing databases and
backups still open)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import appliance
from appliance import planes
from appliance.contacts.fields import PERSONAL
from appliance.crypto import DecryptionError, FieldCipher, new_key
from appliance.planes import contact_row_sealer, open_contact_field, seal_contact_field


@pytest.fixture
def cipher():
    return FieldCipher(new_key())


@pytest.mark.parametrize("field", PERSONAL)
def test_every_personal_field_round_trips(cipher, field):
    blob = seal_contact_field(cipher, field, "Jansen-Ünal 12", 7)
    assert b"Jansen" not in blob
    assert open_contact_field(cipher, field, blob, 7) == "Jansen-Ünal 12"


def test_a_value_sealed_for_one_contact_does_not_open_for_another(cipher):
    blob = seal_contact_field(cipher, "email", "jan@example.nl", 1)
    with pytest.raises(DecryptionError):
        open_contact_field(cipher, "email", blob, 2)
    with pytest.raises(DecryptionError):
        open_contact_field(cipher, "phone", blob, 1)


def test_the_bytes_are_those_sealed_before_the_pair(cipher):
    # The associated data is unchanged: values written by hand-built calls still open, and
    # values the pair writes open with them too.
    old = cipher.encrypt("Jansen", "contacts", "last_name", 3)
    assert open_contact_field(cipher, "last_name", old, 3) == "Jansen"
    new = seal_contact_field(cipher, "last_name", "Jansen", 3)
    assert cipher.decrypt(new, "contacts", "last_name", 3) == "Jansen"


def test_the_bulk_sealer_writes_what_the_pair_opens(cipher):
    given = {"email": "jan@example.nl", "town": "Utrecht"}
    row = contact_row_sealer(cipher)(9, [given.get(f) for f in PERSONAL])
    assert len(row) == len(PERSONAL)
    by_field = dict(zip(PERSONAL, row, strict=True))
    assert open_contact_field(cipher, "email", by_field["email"], 9) == "jan@example.nl"
    assert open_contact_field(cipher, "town", by_field["town"], 9) == "Utrecht"
    assert {f for f, blob in by_field.items() if blob is None} == set(PERSONAL) - {"email", "town"}
    with pytest.raises(DecryptionError):
        open_contact_field(cipher, "town", by_field["town"], 10)


def test_the_bulk_sealer_seals_only_the_columns_it_was_given(cipher):
    row = contact_row_sealer(cipher, ("email", "last_name"))(4, ["a@example.nl", ""])
    assert row[1] is None
    assert open_contact_field(cipher, "email", row[0], 4) == "a@example.nl"
    with pytest.raises(ValueError, match="language"):
        contact_row_sealer(cipher, ("email", "language"))


def test_a_field_that_is_not_sealed_is_refused(cipher):
    with pytest.raises(ValueError, match="language"):
        seal_contact_field(cipher, "language", "nl", 1)
    with pytest.raises(ValueError, match="segments"):
        open_contact_field(cipher, "segments", b"", 1)


def test_the_pair_seals_what_key_rotation_re_seals():
    (contacts,) = [s for s in planes.SEALED if s.table == "contacts"]
    assert contacts.columns == PERSONAL and contacts.row_id == "id"


def test_no_module_builds_a_contact_field_aad_by_hand():
    hand_built = re.compile(r"\.(?:encrypt|decrypt|row_layout)\(\s*(?:[^,()]+,\s*)?\"contacts\"")
    root = Path(appliance.__file__).parent
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "planes.py" and hand_built.search(path.read_text())
    ]
    assert found == [], "seal and open contact fields through appliance.planes"
