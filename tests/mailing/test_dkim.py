"""Optional DKIM: with a key configured, every invitation carries a signature that verifies
against the published public key; a bad key file stops the appliance with a clear error."""

from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from appliance.settings import SettingsError
from appliance.settings import load as load_settings


def _key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dkim.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_invitations_are_signed_and_verify(world, tmp_path):
    path, record = _key(tmp_path)
    world.campaign(reminders=0)
    world.deliver(dkim_key_file=str(path), dkim_selector="enquete2026")
    [raw] = [m.data for m in world.smtp.handler.messages if m.recipients == ["jan@example.nl"]]
    assert raw.startswith(b"DKIM-Signature:") and b"d=voorbeeld.nl" in raw
    assert b"s=enquete2026" in raw

    def dns(name, timeout=5):
        assert name == b"enquete2026._domainkey.voorbeeld.nl."
        return record

    assert dkim.verify(raw, dnsfunc=dns)
    # A changed subject no longer verifies.
    tampered = raw.replace(b"Subject: Uw mening", b"Subject: Uw MENING")
    assert tampered != raw
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_a_key_file_that_is_not_a_private_key_is_refused(tmp_path, data_dir):
    bad = tmp_path / "not-a-key.pem"
    bad.write_text("hello")
    with pytest.raises(SettingsError, match="dkim_key_file"):
        load_settings({"data_dir": str(data_dir), "dkim_key_file": str(bad)}, environ={})
