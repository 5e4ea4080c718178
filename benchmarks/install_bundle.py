"""Offline install bundle: build time and size, bundle to serving, and an upgrade with contacts.

Builds a bundle of this tree signed with a throw-away key (wheels from the builder's cache,
~/.cache/appliance-bundle), installs it with installer/install.sh in a sandbox without network
(the installer tests' namespaces: tests/installer/sandbox.py; needs root and unshare), seeds N
contacts through the real importer (default 100,000; 20,000 with --quick) and upgrades to a
second bundle. Measures:

- ``build_s`` and ``bundle_mb``: installer/build_bundle.py (both Pythons; --quick: this
  machine's only);
- ``install_to_serving_s``: install.sh --bundle until /healthz answers (it returns then);
- ``seed_s``: importing the contacts (not part of the upgrade);
- ``upgrade_s``: install.sh --upgrade --bundle (stop, backup, new release, migrate, start,
  /healthz) with the contacts in place; ``backup_mb`` the pre-upgrade backup's size;
- ``floor_s``: the part no installer can skip, measured in the same run: a virtualenv made with
  the system Python and ``pip install --no-index`` of the bundle's wheels into it, outside the
  sandbox; ``install_ratio`` and ``upgrade_ratio`` are the two times over it.

Prints one JSON object as its last line.

    sudo .venv/bin/python benchmarks/install_bundle.py [--quick] [--contacts N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="finish within two minutes")
    parser.add_argument("--contacts", type=int, default=None, help="default 100,000")
    args = parser.parse_args()
    n = args.contacts or (20_000 if args.quick else 100_000)

    import shutil

    from tests.installer.conftest import (
        HARMLESS,
        SYSTEM_PYTHON,
        Bundle,
        _repacker,
        append_migration,
        builder,
        install,
        new_key,
        system_python,
    )
    from tests.installer.probes import SEED, digest_inside
    from tests.installer.sandbox import Sandbox

    with tempfile.TemporaryDirectory(prefix="install-bench-") as tmp:
        work = Path(tmp)
        key = new_key(work / "vendor.pem")
        source = work / "source"
        builder.copy_source(ROOT, source)
        shutil.copy(key.with_suffix(".pub"), source / "appliance/licence/vendor_key.pem")
        pythons = ["--python", system_python()] if args.quick else []
        began = time.perf_counter()
        archive = builder.build(
            builder.parse(
                ["--out", str(work / "out"), "--key", str(key), "--source", str(source), *pythons]
            )
        )
        build_s = time.perf_counter() - began
        bundle_mb = round(archive.stat().st_size / 1e6, 1)
        import tarfile

        with tarfile.open(archive) as tar:
            tar.extractall(work / "unpacked", filter="data")
        tree = next((work / "unpacked").iterdir())
        base = Bundle(archive, tree / "src")
        upgrade = _repacker(work, tree, key)("upgrade", append_migration(HARMLESS))

        began = time.perf_counter()
        floor_venv = work / "floor-venv"
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(floor_venv)], check=True)
        requirements = next(tree.glob("requirements-cp*.txt"))
        subprocess.run(
            [str(floor_venv / "bin/python"), "-m", "pip", "install", "--quiet", "--no-index"]
            + ["--find-links", str(tree / "wheels"), "-r", str(requirements)],
            check=True,
            env={"PATH": "/usr/bin:/bin", "PIP_CONFIG_FILE": "/dev/null"},
        )
        floor_s = time.perf_counter() - began

        box = Sandbox(work / "sandbox")
        try:
            began = time.perf_counter()
            done = install(box, base, "--base-url", "http://127.0.0.1:8080", "--allow-http")
            install_s = time.perf_counter() - began
            assert done.returncode == 0, done.stdout + done.stderr
            began = time.perf_counter()
            seeded = box.as_service_user(
                "/opt/appliance/venv/bin/python",
                "-c",
                SEED,
                "--config",
                "/etc/appliance/config.toml",
                "--contacts",
                str(n),
                "--responses",
                str(n // 2),
                timeout=1200,
            )
            seed_s = time.perf_counter() - began
            assert seeded.returncode == 0, seeded.stderr
            before = digest_inside(box)
            began = time.perf_counter()
            done = install(box, upgrade, "--upgrade")
            upgrade_s = time.perf_counter() - began
            assert done.returncode == 0, done.stdout + done.stderr
            after = digest_inside(box)
            assert after["contacts"] == before["contacts"]
            sizes = box.run("bash", "-c", "du -sb /var/lib/appliance/upgrade-backups/*.backup")
            backup_bytes = sum(int(line.split()[0]) for line in sizes.stdout.splitlines())
        finally:
            box.close()
    result = {
        "quick": args.quick,
        "pythons": pythons[1:] or list(builder.DEFAULT_PYTHONS),
        "build_s": round(build_s, 1),
        "bundle_mb": bundle_mb,
        "install_to_serving_s": round(install_s, 1),
        "contacts": n,
        "seed_s": round(seed_s, 1),
        "upgrade_s": round(upgrade_s, 1),
        "backup_mb": round(backup_bytes / 1e6, 1),
        "floor_s": round(floor_s, 1),
        "install_ratio": round(install_s / floor_s, 2),
        "upgrade_ratio": round(upgrade_s / floor_s, 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
