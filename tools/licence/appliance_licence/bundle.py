"""Detached signatures of install bundles.

The signed message is the ASCII text ``"appliance-bundle/1\\n" + sha256hex(archive) + "\\n"``,
so ``install.sh`` can rebuild it with coreutils alone::

    printf 'appliance-bundle/1\\n%s\\n' "$(sha256sum < archive | cut -d' ' -f1)" > MESSAGE

and check it with OpenSSL 3 (``SIG.bin`` being the base64-decoded ``.sig`` file)::

    openssl pkeyutl -verify -pubin -inkey vendor_key.pem -rawin -in MESSAGE -sigfile SIG.bin

The ``.sig`` file is ASCII: the std base64 of the Ed25519 signature, one newline-terminated line.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import ToolError

PREFIX = "appliance-bundle/1\n"


def digest(archive: Path) -> str:
    """The lowercase SHA-256 hex of the archive's bytes, read in chunks (bundles are large)."""
    sha = hashlib.sha256()
    try:
        with open(archive, "rb") as data:
            for chunk in iter(lambda: data.read(1 << 20), b""):
                sha.update(chunk)
    except FileNotFoundError:
        raise ToolError(f"no archive at {archive}") from None
    except IsADirectoryError:
        raise ToolError(f"{archive} is a directory, not an archive") from None
    return sha.hexdigest()


def message(sha256_hex: str) -> bytes:
    return (PREFIX + sha256_hex + "\n").encode("ascii")


def sign(archive: Path, key: Ed25519PrivateKey) -> tuple[Path, str]:
    """Write ``<archive>.sig`` and return its path and the archive's SHA-256 hex.

    An existing ``.sig`` is replaced (atomically): it can only belong to an earlier build of
    the archive, and the same archive always gets the same signature (Ed25519 is
    deterministic)."""
    sha256_hex = digest(archive)
    signature = key.sign(message(sha256_hex))
    target = archive.with_name(archive.name + ".sig")
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".sig-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(base64.b64encode(signature) + b"\n")
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, sha256_hex
