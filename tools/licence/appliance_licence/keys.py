"""The vendor key pair on disk: where it lives, how it is made and how it is read.

A key directory holds ``vendor_key.pem`` (the Ed25519 private key, PKCS8 PEM, mode 0600) and
``vendor_key.pub.pem`` (its SubjectPublicKeyInfo PEM, the file the appliance builds in). The
private key is encrypted with a passphrase when ``APPLIANCE_VENDOR_PASSPHRASE`` is set at key
generation; every later use then needs the same variable.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from .errors import ToolError

KEY_DIR_ENV = "APPLIANCE_VENDOR_KEY_DIR"
PASSPHRASE_ENV = "APPLIANCE_VENDOR_PASSPHRASE"  # noqa: S105 (the variable's name, not a secret)
PRIVATE_FILE = "vendor_key.pem"
PUBLIC_FILE = "vendor_key.pub.pem"
KEYGEN = "`appliance-licence keygen`"


def key_dir(option: str | None) -> Path:
    """The key directory: the ``--key-dir`` option, else ``$APPLIANCE_VENDOR_KEY_DIR``, else
    ``~/.config/appliance-vendor``."""
    if option:
        return Path(option).expanduser()
    if os.environ.get(KEY_DIR_ENV):
        return Path(os.environ[KEY_DIR_ENV]).expanduser()
    return Path.home() / ".config" / "appliance-vendor"


def exists(directory: Path) -> bool:
    """Whether either half of a key pair is in ``directory``."""
    return (directory / PRIVATE_FILE).exists() or (directory / PUBLIC_FILE).exists()


def _passphrase() -> bytes | None:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        return None
    if not value:
        raise ToolError(f"{PASSPHRASE_ENV} is set but empty; unset it or give a passphrase")
    return value.encode("utf-8")


def generate(directory: Path) -> tuple[Path, Path]:
    """Make a new key pair in ``directory`` and return (private, public) paths.

    Refuses when a key (either half) is already there: overwriting the vendor key would orphan
    every licence and bundle it signed. The directory is created with mode 0700; the private key
    file is created exclusively with mode 0600, so it is never readable by others, not even
    for a moment."""
    if exists(directory):
        raise ToolError(
            f"a vendor key already exists in {directory}; refusing to overwrite it "
            "(move it away first if you really mean to make a new one)"
        )
    passphrase = _passphrase()
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)
    private = Ed25519PrivateKey.generate()
    encryption = BestAvailableEncryption(passphrase) if passphrase else NoEncryption()
    private_pem = private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)
    public_pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    private_path = directory / PRIVATE_FILE
    public_path = directory / PUBLIC_FILE
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(private_pem)
    with open(public_path, "xb") as out:
        out.write(public_pem)
    return private_path, public_path


def load_private(directory: Path) -> Ed25519PrivateKey:
    """The private key of ``directory``, decrypted with ``$APPLIANCE_VENDOR_PASSPHRASE`` when it
    is encrypted; it is checked against the public key file beside it, so nothing is ever signed
    with a key whose public half is not the one the vendor publishes."""
    path = directory / PRIVATE_FILE
    if not path.exists():
        raise ToolError(f"no vendor private key at {path}; make one with {KEYGEN}")
    pem = path.read_bytes()
    passphrase = _passphrase()
    try:
        key = load_pem_private_key(pem, passphrase)
    except TypeError:
        # cryptography says TypeError when the passphrase and the file disagree on encryption.
        if passphrase is None:
            raise ToolError(
                f"the vendor private key {path} is encrypted; "
                f"set {PASSPHRASE_ENV} to its passphrase"
            ) from None
        key = load_pem_private_key(pem, None)  # not encrypted: the passphrase is not needed
    except ValueError:
        if passphrase is not None:
            raise ToolError(
                f"cannot read {path}: wrong passphrase in {PASSPHRASE_ENV}, or a damaged file"
            ) from None
        raise ToolError(f"{path} is not a readable private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ToolError(f"{path} is not an Ed25519 private key")
    public_path = directory / PUBLIC_FILE
    if public_path.exists() and public_der(load_public(directory)) != public_der(key.public_key()):
        raise ToolError(f"{path} and {public_path} are not one key pair; refusing to sign")
    return key


def load_public(directory: Path) -> Ed25519PublicKey:
    """The public key of ``directory`` (``vendor_key.pub.pem``)."""
    path = directory / PUBLIC_FILE
    if not path.exists():
        raise ToolError(f"no vendor public key at {path}; make one with {KEYGEN}")
    try:
        key = load_pem_public_key(path.read_bytes())
    except ValueError:
        raise ToolError(f"{path} is not a readable public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ToolError(f"{path} is not an Ed25519 public key")
    return key


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def public_der(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo, lowercase hex in groups of four, so two people
    can compare it aloud; ``openssl pkey -pubin -outform DER | sha256sum`` gives the same hex."""
    digest = hashlib.sha256(public_der(key)).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))
