"""A bundle that is not exactly what the vendor signed, or not for this Python, is refused before
anything on the system changes: no user, no /opt/appliance, /etc/appliance or data directory."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.installer.conftest import builder, install, new_key, system_python

# The variants leave the wheels out: they are refused before pip would need them (and
# small archives keep these tests fast).
NO_WHEELS = "wheels"


def small(bundles, name, change=lambda top: None, **options):
    def without_wheels(top):
        shutil.rmtree(top / NO_WHEELS)
        change(top)

    return bundles.repack(name, without_wheels, **options)


def flip_a_byte(bundle):
    data = bytearray(bundle.archive.read_bytes())
    data[len(data) // 2] ^= 0x01
    bundle.archive.write_bytes(bytes(data))
    return bundle


def other_key(bundles, tmp_path):
    return small(bundles, "other-key", signing_key=new_key(tmp_path / "other.pem"))


def no_signature(bundles, tmp_path):
    bundle = small(bundles, "unsigned")
    bundle.archive.with_name(bundle.archive.name + ".sig").unlink()
    return bundle


def changed_after_checksums(bundles, tmp_path):
    def change(top):
        path = top / "src/appliance/cli.py"
        path.write_text(path.read_text() + "\n# changed\n")

    return small(bundles, "checksum", change, checksums=False)


def other_python(bundles, tmp_path):
    mine = system_python()

    def change(top):
        manifest = json.loads((top / "BUNDLE.json").read_text())
        manifest["pythons"] = [v for v in builder.DEFAULT_PYTHONS if v != mine]
        (top / "BUNDLE.json").write_text(json.dumps(manifest))

    return small(bundles, "python", change)


CASES = {
    "changed byte": (lambda b, t: flip_a_byte(small(b, "flipped")), "bad signature"),
    "signed by another key": (other_key, "bad signature"),
    "no .sig beside it": (no_signature, "missing signature"),
    "checksum mismatch": (changed_after_checksums, "checksum mismatch"),
    "wrong Python version": (other_python, "wrong Python version"),
}


@pytest.mark.parametrize("case", CASES)
def test_it_refuses_before_touching_the_system(case, bundles, sandbox, tmp_path):
    make, message = CASES[case]
    bundle = make(bundles, tmp_path)
    done = install(sandbox, bundle)
    assert done.returncode != 0
    assert message in done.stderr, done.stdout + done.stderr
    assert "error:" in done.stderr
    # Nothing was created or changed: the overlays' upper layers hold none of it.
    assert not sandbox.upper("/opt/appliance").exists()
    assert not sandbox.upper("/etc/appliance").exists()
    assert not sandbox.upper("/var/lib/appliance").exists()
    for name in ("passwd", "group", "shadow", "gshadow"):
        assert not sandbox.upper(f"/etc/{name}").exists()
    assert sandbox.run("getent", "passwd", "appliance").returncode != 0


def test_a_valid_small_bundle_passes_the_same_checks(bundles, sandbox):
    """The control: the unchanged variant gets past verification (then stops: no wheels)."""
    done = install(sandbox, small(bundles, "control"))
    assert "signature ok" in done.stdout and "checksums ok" in done.stdout, done.stderr
    assert done.returncode != 0  # pip finds no wheels: nothing to fetch them from
