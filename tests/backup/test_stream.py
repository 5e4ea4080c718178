"""The encrypted file format: chunked AES-GCM (STREAM) round-trips any length and refuses a
file that was cut off, extended, reordered, spliced or flipped; keys from files and passphrases
are told apart without decrypting."""

from __future__ import annotations

import io
import os

import pytest

from appliance.backup import stream
from appliance.backup.stream import BackupError, BackupKey, Opener, Sealer, read_header

CHUNK_LOG2 = 12  # 4 KiB chunks: many chunks from little data
CHUNK = (1 << CHUNK_LOG2) + stream.TAG_BYTES


def seal(data: bytes, key: BackupKey) -> bytes:
    out = io.BytesIO()
    sealer = Sealer(out, key, chunk_log2=CHUNK_LOG2)
    for start in range(0, len(data), 1000):
        sealer.write(data[start : start + 1000])
    sealer.close()
    return out.getvalue()


def open_all(raw: bytes, key: BackupKey) -> bytes:
    source = io.BytesIO(raw)
    return Opener(source, read_header(source), key).read()


@pytest.fixture
def key() -> BackupKey:
    return BackupKey(os.urandom(32), stream.KDF_KEY_FILE)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096, 50_000])
def test_any_length_round_trips(key, size):
    data = os.urandom(size)
    raw = seal(data, key)
    assert open_all(raw, key) == data
    assert data[:64] not in raw or size < 64


def test_a_file_cut_after_any_chunk_is_refused(key):
    raw = seal(os.urandom(5 * 4096 + 10), key)
    header = len(read_header(io.BytesIO(raw)).raw)
    for cut in range(header, len(raw), CHUNK):
        with pytest.raises(BackupError):
            open_all(raw[:cut], key)
    with pytest.raises(BackupError):
        open_all(raw[:-1], key)


def test_anything_appended_reordered_or_flipped_is_refused(key):
    raw = seal(os.urandom(3 * 4096 + 10), key)
    header = len(read_header(io.BytesIO(raw)).raw)
    chunks = [raw[header + i * CHUNK : header + (i + 1) * CHUNK] for i in range(4)]
    swapped = raw[:header] + chunks[1] + chunks[0] + chunks[2] + chunks[3]
    flipped = bytearray(raw)
    flipped[header + 100] ^= 1
    other_header = seal(b"x", key)[:header]  # another file's nonce prefix
    for bad in (raw + b"\0" * 20, swapped, bytes(flipped), other_header + raw[header:]):
        with pytest.raises(BackupError):
            open_all(bad, key)


def test_a_chunk_from_another_file_of_the_same_key_is_refused(key):
    one, two = seal(os.urandom(2 * 4096 + 5), key), seal(os.urandom(2 * 4096 + 5), key)
    header = len(read_header(io.BytesIO(one)).raw)
    spliced = one[: header + CHUNK] + two[header + CHUNK :]
    with pytest.raises(BackupError):
        open_all(spliced, key)


def test_the_header_names_the_key_so_a_wrong_one_is_named_before_decrypting(tmp_path, key):
    path = tmp_path / "k"
    stream.new_key_file(path)
    with pytest.raises(BackupError, match="exists already"):
        stream.new_key_file(path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    file_key = BackupKey.from_file(path)
    header = read_header(io.BytesIO(seal(b"data", file_key)))
    assert header.key({}, key_file=str(path)).key == file_key.key
    other = tmp_path / "other"
    stream.new_key_file(other)
    with pytest.raises(BackupError, match="not the key file"):
        header.key({}, key_file=str(other))
    with pytest.raises(BackupError, match="--key-file"):
        header.key({})


def test_a_passphrase_key_carries_its_scrypt_parameters(fast_scrypt):
    key = BackupKey.from_passphrase("een lange geheime zin voor tests")
    described = key.describe()
    assert described["kdf"] == "scrypt" and described["n"] == 1 << 12
    assert "een lange" not in str(described) and key.key.hex() not in str(described)
    header = read_header(io.BytesIO(seal(b"data", key)))
    assert header.key({}, passphrase="een lange geheime zin voor tests").key == key.key
    with pytest.raises(BackupError, match="wrong passphrase"):
        header.key({}, passphrase="een andere lange zin van tests")
    with pytest.raises(BackupError, match="at least 16"):
        BackupKey.from_passphrase("te kort")


def test_the_default_scrypt_cost_is_the_strong_one():
    assert (stream.SCRYPT_LOG2_N, stream.SCRYPT_R, stream.SCRYPT_P) == (17, 8, 1)


def test_no_key_configured_is_a_clear_error():
    with pytest.raises(BackupError, match="backup-key --out"):
        stream.configured_key({"backup_key_file": "", "backup_passphrase": ""})
