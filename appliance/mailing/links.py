"""The survey link of a campaign invitation.

The invitation row keeps a random 128-bit seed; the link token is the keyed hash (HMAC-SHA256,
key file apart from the database) of that seed: 256 bits, unguessable, and reproducible by this
appliance alone. So an invitation, its reminders and a message sent again after a crash all carry
the same working link, while the database stores only the seed and the token's own keyed hash
(the lookup key of ``responses.store.find_invitation``). A copy of the database without the key
files yields no link.
"""

from __future__ import annotations

import base64
import secrets

from appliance.crypto import KeyedHasher

DOMAIN = "invitation-link"


def invitation_hash(hasher: KeyedHasher, token: str) -> bytes:
    """The keyed hash an invitation is found by: what the database keeps of a link token."""
    return hasher.digest("invitation", token)


def new_seed() -> bytes:
    return secrets.token_bytes(16)


def token(hasher: KeyedHasher, seed: bytes) -> str:
    # A seed made before a key rotation carries its generation, so its links stay the same.
    return base64.urlsafe_b64encode(hasher.seed_digest(DOMAIN, seed)).rstrip(b"=").decode()


def seed_and_hash(hasher: KeyedHasher) -> tuple[bytes, bytes]:
    """A new seed and the lookup hash of the token it yields."""
    seed = new_seed()
    return seed, invitation_hash(hasher, token(hasher, seed))


def survey_link(base_url: str, link_token: str) -> str:
    return f"{base_url}/i/{link_token}"
