"""The vendor's licence tool (tools/licence), run as the vendor runs it: a real subprocess of
``python -m appliance_licence`` with throw-away key directories. What it writes is checked by the
appliance's own reader and by the OpenSSL command install.sh uses, never by the tool itself."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from appliance import ROOT
from appliance.licence import document
from appliance.licence.document import LicenceError, public_key_from_pem

TOOL = ROOT / "tools" / "licence"
PASSPHRASE = "correct horse battery staple 2026"
# In two parts, so this file, once tracked, does not itself hold the marker it scans for.
PEM_PRIVATE_MARKER = b"PRIVATE" + b" KEY"

TERMS = [
    "--licensee", "Gemeente Zoë & Co",
    "--id", "2026-0042",
    "--from", "2026-01-01",
    "--until", "2026-12-31",
    "--modules", "interviews,publication",
    "--researchers", "3",
    "--interviewers", "12",
]  # fmt: skip


def run(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The tool as a subprocess. HOME points into the test's own directory, so the default key
    directory can never be the vendor's real one."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_VENDOR_")}
    base.update(PYTHONPATH=str(TOOL), HOME=str(cwd / "home"))
    return subprocess.run(
        [sys.executable, "-m", "appliance_licence", *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=30,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def vendor(tmp_path_factory) -> Path:
    """One key directory for the tests that only need some vendor key."""
    work = tmp_path_factory.mktemp("vendor")
    result = run("keygen", "--key-dir", str(work / "keys"), cwd=work)
    assert result.returncode == 0, result.stderr
    return work / "keys"


def public_key(key_dir: Path):
    return public_key_from_pem((key_dir / "vendor_key.pub.pem").read_bytes())


def test_an_issued_licence_is_read_by_the_appliance_with_every_field(tmp_path, vendor):
    result = run("issue", *TERMS, "--key-dir", str(vendor), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "2026-0042.licence").read_bytes()  # the default name is <id>.licence

    licence = document.read(data, public_key(vendor))

    assert licence.as_dict() == {
        "licensee": "Gemeente Zoë & Co",
        "licence_id": "2026-0042",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "modules": ["interviews", "publication"],
        "researchers": 3,
        "interviewers": 12,
        "issued": date.today().isoformat(),
    }
    shown = run("show", "2026-0042.licence", "--key-dir", str(vendor), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "Gemeente Zoë & Co" in shown.stdout and "publication, interviews" in shown.stdout
    assert "valid (vendor key" in shown.stdout


def test_a_licence_of_another_key_or_with_a_changed_payload_byte_is_refused(tmp_path, vendor):
    other = tmp_path / "other-keys"
    result = run("issue", *TERMS, "--key-dir", str(other), "--out", "x.licence", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No vendor key" in result.stderr  # made on first use, and said so
    forged = (tmp_path / "x.licence").read_bytes()
    document.read(forged, public_key(other))  # sound under its own key ...
    with pytest.raises(LicenceError) as refused:
        document.read(forged, public_key(vendor))  # ... but not the vendor's
    assert refused.value.code == "bad_signature"
    shown = run("show", "x.licence", "--key-dir", str(vendor), cwd=tmp_path)
    assert shown.returncode != 0 and "SIGNATURE INVALID" in shown.stderr

    result = run("issue", *TERMS, "--key-dir", str(vendor), "--out", "y.licence", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outer = json.loads((tmp_path / "y.licence").read_text())
    payload = base64.b64decode(outer["payload"])
    changed = payload.replace(b'"researchers":3', b'"researchers":9')
    assert len(changed) == len(payload) and changed != payload  # exactly one byte differs
    outer["payload"] = base64.b64encode(changed).decode()
    tampered = json.dumps(outer).encode()
    with pytest.raises(LicenceError) as refused:
        document.read(tampered, public_key(vendor))
    assert refused.value.code == "bad_signature"


def test_a_signed_bundle_verifies_with_the_openssl_command_of_install_sh(tmp_path, vendor):
    archive = tmp_path / "appliance-1.2.3.tar.gz"
    archive.write_bytes(os.urandom(300_000))
    result = run("sign-bundle", archive.name, "--key-dir", str(vendor), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sig_text = (tmp_path / "appliance-1.2.3.tar.gz.sig").read_bytes()
    assert sig_text.endswith(b"\n") and sig_text.count(b"\n") == 1
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(sig_text.rstrip(b"\n"), validate=True))

    def openssl_verify() -> subprocess.CompletedProcess:
        # The message exactly as documented for install.sh: coreutils and OpenSSL only.
        script = (
            "printf 'appliance-bundle/1\\n%s\\n' \"$(sha256sum < appliance-1.2.3.tar.gz "
            '| cut -d" " -f1)" > message && openssl pkeyutl -verify -pubin -inkey "$1" '
            "-rawin -in message -sigfile sig.bin"
        )
        pub = str(vendor / "vendor_key.pub.pem")
        return subprocess.run(
            ["sh", "-c", script, "sh", pub], cwd=tmp_path, capture_output=True, text=True
        )

    verified = openssl_verify()
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Signature Verified Successfully" in verified.stdout

    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    assert openssl_verify().returncode != 0


def test_keygen_makes_a_private_key_only_the_owner_reads_and_never_overwrites_it(tmp_path):
    keys = tmp_path / "keys"
    assert run("keygen", "--key-dir", str(keys), cwd=tmp_path).returncode == 0
    assert mode(keys) == 0o700 and mode(keys / "vendor_key.pem") == 0o600
    before = (keys / "vendor_key.pem").read_bytes()

    again = run("keygen", cwd=tmp_path, env={"APPLIANCE_VENDOR_KEY_DIR": str(keys)})

    assert again.returncode != 0 and "already exists" in again.stderr
    assert (keys / "vendor_key.pem").read_bytes() == before


def test_an_encrypted_key_signs_with_its_passphrase_and_says_so_without(tmp_path):
    keys = tmp_path / "keys"
    secret = {"APPLIANCE_VENDOR_PASSPHRASE": PASSPHRASE}
    assert run("keygen", "--key-dir", str(keys), cwd=tmp_path, env=secret).returncode == 0
    assert (keys / "vendor_key.pem").read_bytes().startswith(b"-----BEGIN ENCRYPTED")

    issued = run("issue", *TERMS, "--key-dir", str(keys), cwd=tmp_path, env=secret)
    assert issued.returncode == 0, issued.stderr
    document.read((tmp_path / "2026-0042.licence").read_bytes(), public_key(keys))

    bare = run("issue", *TERMS, "--key-dir", str(keys), "--out", "b.licence", cwd=tmp_path)
    assert bare.returncode != 0
    assert "encrypted" in bare.stderr and "APPLIANCE_VENDOR_PASSPHRASE" in bare.stderr
    assert "Traceback" not in bare.stderr and not (tmp_path / "b.licence").exists()
    wrong = run(
        "issue", *TERMS, "--key-dir", str(keys), "--out", "w.licence",
        cwd=tmp_path, env={"APPLIANCE_VENDOR_PASSPHRASE": "not it"},
    )  # fmt: skip
    assert wrong.returncode != 0 and "wrong passphrase" in wrong.stderr


def _with(option: str, value: str) -> list[str]:
    terms = list(TERMS)
    terms[terms.index(option) + 1] = value
    return terms


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        (_with("--modules", "publication,surveys"), "unknown module(s): surveys"),
        (_with("--until", "2025-12-31"), "before --from"),
        (_with("--researchers", "-1"), "--researchers must be between 0"),
        (_with("--licensee", "  "), "the licensee is empty"),
        (_with("--from", "1-1-2026"), "does not match the format"),
        (_with("--id", "../etc/passwd"), "the licence id must be"),
    ],
)
def test_bad_terms_are_refused_before_any_key_or_file_is_made(tmp_path, terms, message):
    result = run("issue", *terms, "--key-dir", str(tmp_path / "keys"), cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "keys").exists()
    assert list(tmp_path.glob("*.licence")) == []


def test_an_existing_licence_file_is_never_overwritten(tmp_path, vendor):
    (tmp_path / "2026-0042.licence").write_text("sent to the customer last week")
    result = run("issue", *TERMS, "--key-dir", str(vendor), cwd=tmp_path)
    assert result.returncode != 0 and "already exists" in result.stderr
    assert (tmp_path / "2026-0042.licence").read_text() == "sent to the customer last week"


def test_public_key_prints_the_pem_for_the_appliance_and_its_fingerprint(tmp_path, vendor):
    result = run("public-key", "--key-dir", str(vendor), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (vendor / "vendor_key.pub.pem").read_text()
    der = public_key(vendor).public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha256(der).hexdigest()
    only = run("public-key", "--fingerprint", "--key-dir", str(vendor), cwd=tmp_path)
    assert only.stdout.replace(" ", "").strip() == digest
    assert only.stdout.strip() in result.stderr


def test_the_repository_holds_no_private_key_and_the_appliance_no_signing_tool(tmp_path):
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    files = [ROOT / os.fsdecode(name) for name in tracked if name]
    assert len(files) > 100  # the listing really is the repository
    holding = [str(f) for f in files if f.is_file() and PEM_PRIVATE_MARKER in f.read_bytes()]
    assert holding == []

    assert list((ROOT / "appliance").rglob("appliance_licence*")) == []
    # The tool stands apart: importing all of it loads no module of the appliance package.
    probe = (
        "import sys, appliance_licence.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'appliance'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(TOOL)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
