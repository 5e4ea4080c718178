"""Password policy and argon2id hashing.

Policy (NIST SP 800-63B): at least 12 characters, not on the shipped list of common passwords, not
a common password with digits or symbols tacked on, not the username; no composition rules.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from appliance.i18n import N_

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; this only stops absurd request bodies
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 defaults


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so the timing matches a real check.
    Made on first use, not at import (argon2 takes 64 MiB and a noticeable moment)."""
    return _hasher.hash("no account has this password, it only burns time")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("appliance.data").joinpath("common-passwords.txt").read_text()
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def problems(password: str, username: str = "") -> list[str]:
    """Return the reasons (English msgids) this password is refused; empty means acceptable."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(N_("Use at least 12 characters."))
    if len(password) > MAX_LENGTH:
        found.append(N_("Use at most 1024 characters."))
    lowered = password.lower()
    core = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    listed = common_passwords()
    if lowered in listed or (core and core in listed) or len(set(lowered)) <= 2:
        found.append(N_("This password is too common; choose a less predictable one."))
    if username and username.lower() in lowered:
        found.append(N_("The password must not contain the username."))
    return found


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored_hash: str | None, password: str) -> bool:
    """Constant-work check: with no stored hash, a dummy hash is verified and False returned."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
