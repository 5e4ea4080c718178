"""The short code of a post invitation: typed from a letter to answer online or to opt out.

Contract: 16 characters of Crockford base32 (80 bits), shown as ``XXXX-XXXX-XXXX-XXXX``,
derived from the invitation's link seed with the keyed hash (like the link token, see
``links``): the same seed gives the same code, also after a key rotation, and a copy of the
database without the key files yields no code. The database keeps only :func:`code_hash`, the
keyed hash of the canonical code (``invitations.code_hash``, listed in ``planes.HASHED``).

80 bits, not the usual 128 or more, because people type it: a guess hits one of a million
valid codes with a chance of about 1 in 10^18, and code entry is rate-limited besides.

:func:`normalise` reads what people type the way Crockford's alphabet intends: case, spaces
and dashes do not matter, O reads as 0 and I and L as 1; U and any other character make the
input no code at all (None).
"""

from __future__ import annotations

from appliance.crypto import KeyedHasher

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
BITS = LENGTH * 5
DOMAIN = "invitation-code"
_VALUE = {char: i for i, char in enumerate(ALPHABET)}
_READ = str.maketrans({"O": "0", "I": "1", "L": "1"})


def encode(raw: bytes) -> str:
    """The first 80 bits of ``raw`` as 16 Crockford base32 characters."""
    number = int.from_bytes(raw[: BITS // 8], "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(LENGTH - 1, -1, -1))


def derive(hasher: KeyedHasher, seed: bytes) -> str:
    """The canonical code (16 characters, no dashes) of the invitation with ``seed``."""
    return encode(hasher.seed_digest(DOMAIN, seed))


def shown(code: str) -> str:
    """``XXXX-XXXX-XXXX-XXXX``, as printed on a letter."""
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))


def normalise(typed: str) -> str | None:
    """The canonical code in ``typed`` (see the module's contract), or None."""
    code = "".join(typed.split()).replace("-", "").upper().translate(_READ)
    if len(code) != LENGTH or any(char not in _VALUE for char in code):
        return None
    return code


def code_hash(hasher: KeyedHasher, code: str) -> bytes:
    """What the database keeps of a canonical code: its lookup key."""
    return hasher.digest(DOMAIN, code)


def for_seed(hasher: KeyedHasher, seed: bytes) -> tuple[str, bytes]:
    """(canonical code, its hash) for a new invitation's seed."""
    code = derive(hasher, seed)
    return code, code_hash(hasher, code)
