"""The key material a rotation relies on: the hash chain (one key gives today's digests), the
forward step for stored digests, generation-tagged seeds, and decryption by key id."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from appliance.crypto import (
    DecryptionError,
    FieldCipher,
    KeyedHasher,
    key_id,
    new_key,
    sealed_by,
    tag_seed,
)


def test_one_key_gives_exactly_the_digest_of_before():
    key = new_key()
    expected = hmac.new(key, b"email\x1fjan@example.nl", hashlib.sha256).digest()
    assert KeyedHasher(key).digest("email", "jan@example.nl") == expected
    assert KeyedHasher([key]).digest("email", "jan@example.nl") == expected


def test_a_longer_chain_wraps_and_forward_brings_old_digests_up():
    k1, k2, k3 = new_key(), new_key(), new_key()
    one = KeyedHasher(k1).digest("email", "a@b.nl")
    two = KeyedHasher([k1, k2]).digest("email", "a@b.nl")
    assert two == hmac.new(k2, one, hashlib.sha256).digest()
    three = KeyedHasher([k1, k2, k3])
    assert three.forward(one, 1) == three.digest("email", "a@b.nl")
    assert three.forward(two, 2) == three.digest("email", "a@b.nl")
    assert three.forward(three.digest("x", "y"), 3) == three.digest("x", "y")
    assert three.generation == 3 and three.at(2).digest("email", "a@b.nl") == two


def test_the_newest_key_alone_or_an_old_one_alone_matches_nothing_stored():
    k1, k2 = new_key(), new_key()
    stored = KeyedHasher([k1, k2]).digest("email", "a@b.nl")
    assert KeyedHasher(k1).digest("email", "a@b.nl") != stored
    assert KeyedHasher(k2).digest("email", "a@b.nl") != stored


def test_a_tagged_seed_keeps_its_digest_after_the_chain_grows():
    k1, k2 = new_key(), new_key()
    seed = bytes(range(16))
    before = KeyedHasher(k1).seed_digest("invitation-link", seed)
    assert before == KeyedHasher(k1).digest("invitation-link", seed.hex())
    after = KeyedHasher([k1, k2]).seed_digest("invitation-link", tag_seed(seed, 1))
    assert after == before


def test_a_cipher_with_the_previous_key_reads_both_and_seals_with_the_new():
    old_key, fresh = new_key(), new_key()
    old = FieldCipher(old_key)
    blob = old.encrypt("Jansen", "contacts", "last_name", 7)
    with pytest.raises(DecryptionError, match="another key"):
        FieldCipher(fresh).decrypt(blob, "contacts", "last_name", 7)
    during = FieldCipher(fresh, [old_key])
    assert during.decrypt(blob, "contacts", "last_name", 7) == "Jansen"
    resealed = during.reseal(blob, "contacts", "last_name", 7, old)
    assert sealed_by(resealed) == key_id(fresh) and sealed_by(blob) == key_id(old_key)
    assert FieldCipher(fresh).decrypt(resealed, "contacts", "last_name", 7) == "Jansen"
    assert during.reseal(resealed, "contacts", "last_name", 7, old) == resealed
    with pytest.raises(DecryptionError, match="another key"):
        old.decrypt(resealed, "contacts", "last_name", 7)
    with pytest.raises(DecryptionError, match="tampered or moved"):
        during.reseal(blob, "contacts", "last_name", 8, old)  # the AAD still binds the row
