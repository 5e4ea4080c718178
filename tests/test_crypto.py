"""Field encryption bound to table/column/row, and keyed hashes: failures are loud."""

from __future__ import annotations

import pytest

from appliance.crypto import DecryptionError, FieldCipher, KeyedHasher, new_key, token


@pytest.fixture
def cipher():
    return FieldCipher(new_key())


def test_it_round_trips_and_never_repeats_a_ciphertext(cipher):
    a = cipher.encrypt("jan.jansen@example.nl", "contacts", "email", 42)
    b = cipher.encrypt("jan.jansen@example.nl", "contacts", "email", 42)
    assert a != b and b"jansen" not in a
    assert cipher.decrypt(a, "contacts", "email", 42) == "jan.jansen@example.nl"


def test_it_fails_loudly_on_a_tampered_ciphertext(cipher):
    blob = bytearray(cipher.encrypt("Jansen", "contacts", "last_name", 1))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError, match="does not authenticate"):
        cipher.decrypt(bytes(blob), "contacts", "last_name", 1)


@pytest.mark.parametrize(
    ("table", "column", "row"),
    [("contacts", "last_name", 2), ("contacts", "first_name", 1), ("users", "last_name", 1)],
)
def test_it_refuses_a_ciphertext_moved_to_another_place(cipher, table, column, row):
    blob = cipher.encrypt("Jansen", "contacts", "last_name", 1)
    with pytest.raises(DecryptionError):
        cipher.decrypt(blob, table, column, row)


def test_it_refuses_the_wrong_key():
    blob = FieldCipher(new_key()).encrypt("Jansen", "contacts", "last_name", 1)
    with pytest.raises(DecryptionError, match="another key"):
        FieldCipher(new_key()).decrypt(blob, "contacts", "last_name", 1)


def test_it_refuses_garbage(cipher):
    with pytest.raises(DecryptionError):
        cipher.decrypt(b"short", "contacts", "email", 1)


def test_keyed_hashes_are_stable_per_key_and_domain():
    key = new_key()
    h = KeyedHasher(key)
    assert h.digest("email", "a@example.nl") == KeyedHasher(key).digest("email", "a@example.nl")
    assert h.digest("email", "a@example.nl") != h.digest("phone", "a@example.nl")
    assert h.digest("email", "a@example.nl") != KeyedHasher(new_key()).digest(
        "email", "a@example.nl"
    )


def test_tokens_carry_at_least_128_bits():
    assert len(token(16)) >= 22
    with pytest.raises(ValueError):
        token(8)


def test_bulk_row_sealing_matches_single_fields_and_stays_bound(cipher):
    layout = cipher.row_layout("contacts", ("email", "first_name", "last_name"))
    sealed = cipher.encrypt_row(layout, 41, {"last_name": "Jansen", "email": "a@example.nl"})
    assert sealed[1] is None
    assert cipher.decrypt(sealed[0], "contacts", "email", 41) == "a@example.nl"
    assert cipher.decrypt(sealed[2], "contacts", "last_name", 41) == "Jansen"
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed[2], "contacts", "last_name", 42)
    with pytest.raises(DecryptionError):
        cipher.decrypt(sealed[2], "contacts", "email", 41)
    again = cipher.encrypt_row(layout, 41, {"last_name": "Jansen", "email": "a@example.nl"})
    assert again[0][9:21] != sealed[0][9:21]  # a fresh nonce per field, every time
