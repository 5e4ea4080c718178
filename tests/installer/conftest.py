"""Signed bundles of this tree, built once per session, and sandboxes to install them in.

The bundles hold wheels for this machine's system Python only (the one install.sh uses), taken
from the builder's wheel cache (~/.cache/appliance-bundle), and are signed with a throw-away key
whose public half replaces appliance/licence/vendor_key.pem in the bundled source copy, whose
install.sh the tests run.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.installer.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PYTHON = "/usr/bin/python3"

HARMLESS = """

def m9001_installer_check(db):
    db.execute("CREATE TABLE installer_check (id INTEGER PRIMARY KEY, note TEXT)")
    db.execute("INSERT INTO installer_check (note) VALUES ('upgraded')")


STEPS = (*STEPS, ("9001_installer_check", m9001_installer_check))
"""

FAILING = """

def m9002_fails_on_purpose(db):
    db.execute("CREATE TABLE half_done (id INTEGER PRIMARY KEY)")
    raise RuntimeError("installer test: this migration fails on purpose")


STEPS = (*STEPS, ("9002_fails_on_purpose", m9002_fails_on_purpose))
"""

RESET = """
NAMES = tuple(name for name, _ in STEPS)
MIGRATIONS = migration_set(STEPS)
"""


def _builder():
    path = ROOT / "installer" / "build_bundle.py"
    spec = importlib.util.spec_from_file_location("build_bundle", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _builder()


def new_key(path: Path) -> Path:
    """A throw-away Ed25519 key pair: ``path`` (private, PKCS8 PEM) and ``path.pub`` (public)."""
    key = Ed25519PrivateKey.generate()
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.with_suffix(".pub").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def system_python() -> str:
    version = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if version not in builder.DEFAULT_PYTHONS:
        pytest.skip(f"{SYSTEM_PYTHON} is {version}; bundles are for 3.11 and 3.12")
    return version


@dataclass
class Bundle:
    archive: Path
    source: Path  # the bundled source tree (its install.sh is the one to run)

    @property
    def install_sh(self) -> str:
        return str(self.source / "installer/install.sh")


@dataclass
class Bundles:
    key: Path
    base: Bundle  # this tree
    upgrade: Bundle  # this tree + a harmless migration
    failing: Bundle  # + a migration that raises
    tree: Path  # the unpacked base bundle, for repacking variants
    repack: Callable[..., Bundle]


def _repacker(workdir: Path, tree: Path, key: Path) -> Callable[..., Bundle]:
    """Variants of the base bundle: the same wheels and SBOM, a changed source, new
    checksums (unless ``checksums=False``) and a signature by ``key``."""
    counter = iter(range(1000))

    def repack(
        name: str,
        change: Callable[[Path], None],
        *,
        checksums: bool = True,
        signing_key: Path | None = None,
    ) -> Bundle:
        out = workdir / f"{name}-{next(counter)}"
        top = out / tree.name
        shutil.copytree(tree, top, copy_function=_link_wheels)
        # The source is copied (not linked): changes must not reach the other variants.
        shutil.rmtree(top / "src")
        shutil.copytree(tree / "src", top / "src")
        change(top)
        if checksums:
            builder.write_checksums(top)
        archive = out / f"{tree.name}.tar.gz"
        builder.write_archive(top, archive, 1_700_000_000)
        builder.sign(archive, signing_key or key)
        return Bundle(archive, top / "src")

    return repack


def _link_wheels(src, dst):
    """Wheels are linked (large, never changed); every other file is copied, so a variant that
    changes one (BUNDLE.json, SHA256SUMS) cannot change it for the others."""
    if "/wheels/" in str(src):
        return _link(src, dst)
    return shutil.copy2(src, dst)


def _link(src, dst):
    try:
        Path(dst).hardlink_to(src)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def append_migration(text: str) -> Callable[[Path], None]:
    def change(top: Path) -> None:
        path = top / "src/appliance/migrations/__init__.py"
        path.write_text(path.read_text(encoding="utf-8") + text + RESET, encoding="utf-8")

    return change


@pytest.fixture(scope="session")
def bundles(tmp_path_factory) -> Bundles:
    python = system_python()
    work = tmp_path_factory.mktemp("bundles")
    key = new_key(work / "vendor.pem")
    source = work / "source"
    builder.copy_source(ROOT, source)
    shutil.copy(key.with_suffix(".pub"), source / "appliance/licence/vendor_key.pem")
    args = builder.parse(
        ["--out", str(work / "base"), "--python", python, "--key", str(key)]
        + ["--source", str(source)]
    )
    archive = builder.build(args)
    with tarfile.open(archive) as tar:
        tar.extractall(work / "unpacked", filter="data")
    tree = next((work / "unpacked").iterdir())
    base = Bundle(archive, tree / "src")
    repack = _repacker(work, tree, key)
    upgrade = repack("upgrade", append_migration(HARMLESS))
    failing = repack("failing", append_migration(HARMLESS + FAILING))
    return Bundles(key, base, upgrade, failing, tree, repack)


@pytest.fixture
def sandbox(tmp_path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path / "sandbox")
    try:
        yield box
    finally:
        box.close()


def install(box: Sandbox, bundle: Bundle, *options: str):
    return box.run(
        "bash",
        bundle.install_sh,
        "--bundle",
        str(bundle.archive),
        "--health-timeout",
        "60",
        *options,
    )
