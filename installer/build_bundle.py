"""Build a signed offline install bundle of the appliance.

    .venv/bin/python installer/build_bundle.py [--out dist] [--python 3.11 --python 3.12]
        [--key ~/.config/appliance-vendor/vendor_key.pem] [--wheel-cache DIR] [--source DIR]

The archive ``appliance-<version>.tar.gz`` holds one directory ``appliance-<version>/`` with:

- ``src/``: the items ``installer/install.sh`` installs (never .git, .venv, data, tools, tests);
- ``wheels/``: every wheel the appliance needs on CPython 3.11 (Debian 12) and/or 3.12 (Ubuntu
  24.04), x86_64, glibc up to 2.36, plus setuptools and wheel (the build backend of the editable
  install); the versions are those installed in the Python running this script (the dev venv);
  a dependency published only as source is built here into a pure-Python wheel;
- ``requirements-cpXY.txt``: the pinned set per Python, with each wheel's sha256;
- ``sbom.cdx.json``: a CycloneDX JSON SBOM made by ``cyclonedx-py`` from those requirements;
- ``BUNDLE.json``: format, version, commit, Pythons and platform;
- ``SHA256SUMS``: the sha256 of every other file in the archive (``sha256sum -c`` format).

Beside the archive, ``<archive>.sig``: the base64 Ed25519 signature over
``"appliance-bundle/1\\n" + sha256hex(archive) + "\\n"``, made with the private key of ``--key``
(PKCS8 PEM). Downloads need PyPI; ``--wheel-cache`` keeps them for the next build.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMAT = "appliance-bundle/1"
REQUIRED_ITEMS = ("appliance", "templates", "static", "pyproject.toml", "config.example.toml")
OPTIONAL_ITEMS = ("README.md", "installer", "docs")
SKIP_NAMES = {"__pycache__", ".git", ".venv", ".pytest_cache", ".ruff_cache"}
DEFAULT_PYTHONS = ("3.11", "3.12")
DEFAULT_KEY = Path.home() / ".config" / "appliance-vendor" / "vendor_key.pem"
DEFAULT_CACHE = Path.home() / ".cache" / "appliance-bundle"
# Debian 12 has glibc 2.36 and Ubuntu 24.04 2.39: wheels for glibc up to 2.36 run on both.
# pip does not expand a manylinux_2_36 platform to the older tags itself, so all are listed.
GLIBC_MAX = 36
PLATFORMS = (
    *(f"manylinux_2_{minor}_x86_64" for minor in range(GLIBC_MAX, 4, -1)),
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
)
# With the build-system requirements of pyproject.toml: what `pip install -e src` needs offline
# (pip fetches the build backend from --find-links).
BUILD_TOOLS = ("wheel",)


class BuildError(Exception):
    pass


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def pip(*args: str, quiet: bool = True) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    if quiet:
        command.insert(4, "--quiet")
    result = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 - own argv
    if result.returncode:
        lines = [ln for ln in result.stderr.splitlines() if "is ignored: it is neither" not in ln]
        raise BuildError(f"pip {args[0]} failed:\n" + "\n".join(lines[-25:]))


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins() -> dict[str, str]:
    """name -> version of every distribution installed beside this interpreter (the dev venv's
    `pip freeze`, read from the same metadata), the appliance itself left out."""
    found = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonical(name) != "appliance":
            found[canonical(name)] = dist.version
    return found


def requirements(source: Path) -> list[str]:
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    return list(project["project"]["dependencies"])


def build_requirements(source: Path) -> list[str]:
    """The build backend (pyproject's build-system.requires) and BUILD_TOOLS. Not pinned to the
    dev venv: its setuptools may be older than build-system.requires allows."""
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    return [*project["build-system"]["requires"], *BUILD_TOOLS]


def version_of(source: Path) -> str:
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    return project["project"]["version"]


def commit_of(source: Path) -> str | None:
    git = shutil.which("git")
    if git is None or not (source / ".git").exists():
        return None
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    if result.returncode:
        return None
    dirty = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "-C", str(source), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return result.stdout.strip() + ("-dirty" if dirty else "")


def wheel_name(path: Path) -> tuple[str, str]:
    """(canonical name, version) of a wheel file name."""
    name, version = path.name.split("-")[:2]
    return canonical(name), version


def download(
    source: Path, pythons: list[str], cache: Path
) -> tuple[dict[str, Path], dict[str, str]]:
    """Download (or reuse from ``cache``) the wheels for each Python; returns the directory of
    each and the pinned versions used."""
    pinned = pins()
    reqs = requirements(source)
    tools = build_requirements(source)
    unpinned = {canonical(re.split(r"[<>=!~ ;\[]", tool)[0]) for tool in tools}
    constraints = "".join(f"{n}=={v}\n" for n, v in sorted(pinned.items()) if n not in unpinned)
    key = hashlib.sha256(
        json.dumps([reqs, tools, constraints, PLATFORMS]).encode("utf-8")
    ).hexdigest()[:16]
    base = cache / key
    base.mkdir(parents=True, exist_ok=True)
    (base / "constraints.txt").write_text(constraints, encoding="utf-8")
    (base / "requirements.in").write_text("\n".join(reqs + tools) + "\n", encoding="utf-8")
    built = base / "built"
    dirs = {}
    for python in pythons:
        tag = "cp" + python.replace(".", "")
        target = base / tag
        dirs[python] = target
        if (target / ".complete").exists():
            say(f"wheels for CPython {python}: reusing {target}")
            continue
        if not built.exists():
            build_pure_wheels(base, built)
        say(f"downloading wheels for CPython {python} (x86_64, glibc <= 2.{GLIBC_MAX})")
        platform_args = [arg for p in PLATFORMS for arg in ("--platform", p)]
        pip(
            "download",
            "--only-binary=:all:",
            *platform_args,
            "--python-version",
            python,
            "--implementation",
            "cp",
            "--abi",
            tag,
            "--find-links",
            str(built),
            "-c",
            str(base / "constraints.txt"),
            "-r",
            str(base / "requirements.in"),
            "-d",
            str(target),
        )
        (target / ".complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"), encoding="utf-8")
    return dirs, pinned


def build_pure_wheels(base: Path, built: Path) -> None:
    """Wheels for the dependencies PyPI has only as source (e.g. dkimpy): resolve once for this
    machine, build what came as source, and require each to be pure Python (py3-none-any), so
    the same wheel serves every target."""
    say("resolving once for this machine to find dependencies published only as source")
    with tempfile.TemporaryDirectory() as tmp:
        pip(
            "download",
            "-c",
            str(base / "constraints.txt"),
            "-r",
            str(base / "requirements.in"),
            "-d",
            tmp,
        )
        sources = sorted(p for p in Path(tmp).iterdir() if not p.name.endswith(".whl"))
        staging = Path(tmp) / "built"
        staging.mkdir()
        for sdist in sources:
            say(f"building a wheel from {sdist.name}")
            pip("wheel", "--no-deps", "-w", str(staging), str(sdist))
        for wheel in staging.iterdir():
            if not wheel.name.endswith("-none-any.whl"):
                raise BuildError(
                    f"{wheel.name} is not pure Python; it cannot go into an offline bundle "
                    "for other Python versions"
                )
        shutil.copytree(staging, built)


def copy_source(source: Path, target: Path) -> None:
    def ignore(directory: str, names: list[str]) -> set[str]:
        return {
            n
            for n in names
            if n in SKIP_NAMES or n.endswith((".pyc", ".egg-info")) or n == "__pycache__"
        }

    target.mkdir(parents=True)
    for item in REQUIRED_ITEMS + OPTIONAL_ITEMS:
        path = source / item
        if not path.exists():
            if item in REQUIRED_ITEMS:
                raise BuildError(f"{path} is missing from the source tree")
            continue
        if path.is_dir():
            shutil.copytree(path, target / item, ignore=ignore, symlinks=False)
        else:
            shutil.copy2(path, target / item)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_locks(top: Path, dirs: dict[str, Path]) -> None:
    """requirements-cpXY.txt per Python: ``name==version --hash=sha256:...`` of each wheel."""
    for python, directory in dirs.items():
        lines = []
        for wheel in sorted(directory.glob("*.whl")):
            name, version = wheel_name(wheel)
            lines.append(f"{name}=={version} --hash=sha256:{sha256_file(wheel)}")
        path = top / f"requirements-cp{python.replace('.', '')}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_sbom(top: Path, source_copy: Path, dirs: dict[str, Path]) -> None:
    union: dict[str, None] = {}
    for directory in dirs.values():
        for wheel in sorted(directory.glob("*.whl")):
            name, version = wheel_name(wheel)
            union[f"{name}=={version} --hash=sha256:{sha256_file(wheel)}"] = None
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text("\n".join(sorted(union)) + "\n", encoding="utf-8")
        tool = Path(sys.executable).with_name("cyclonedx-py")
        if not tool.exists():
            raise BuildError("cyclonedx-py is missing: pip install cyclonedx-bom (the test extra)")
        result = subprocess.run(  # noqa: S603 - the tool beside this interpreter
            [
                str(tool),
                "requirements",
                str(req),
                "--pyproject",
                str(source_copy / "pyproject.toml"),
                "--of",
                "JSON",
                "--output-reproducible",
                "-o",
                str(top / "sbom.cdx.json"),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if result.returncode:
            raise BuildError(f"cyclonedx-py failed: {result.stderr.strip()[-2000:]}")


def write_checksums(top: Path) -> int:
    files = sorted(p for p in top.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    lines = [f"{sha256_file(p)}  {p.relative_to(top).as_posix()}" for p in files]
    (top / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def write_archive(top: Path, archive: Path, mtime: int) -> None:
    """A gzip tar of ``top`` in sorted order, owned by root, no extended attributes. Level 1:
    the wheels are zip files already, so stronger levels take seconds and save little."""

    def normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = mtime
        info.mode = 0o755 if info.isdir() or info.mode & 0o111 else 0o644
        return info

    tmp = archive.with_name(archive.name + ".part")
    with tarfile.open(tmp, "w:gz", compresslevel=1, format=tarfile.PAX_FORMAT) as tar:
        paths = [top, *sorted(top.rglob("*"))]
        for path in paths:
            name = path.relative_to(top.parent).as_posix()
            info = normalise(tar.gettarinfo(str(path), arcname=name))
            if info.isfile():
                with path.open("rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)
    tmp.replace(archive)


def signed_message(archive: Path) -> bytes:
    return f"{FORMAT}\n{sha256_file(archive)}\n".encode("ascii")


def sign(archive: Path, key_file: Path) -> Path:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(key_file.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise BuildError(f"cannot read the signing key {key_file}: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise BuildError(f"{key_file} is not an Ed25519 private key")
    signature = key.sign(signed_message(archive))
    sig = archive.with_name(archive.name + ".sig")
    sig.write_text(base64.b64encode(signature).decode("ascii") + "\n", encoding="ascii")
    return sig


def build(args: argparse.Namespace) -> Path:
    source = Path(args.source).resolve()
    version = version_of(source)
    commit = commit_of(source)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    name = args.name or f"appliance-{version}"
    archive = out / f"{name}.tar.gz"
    dirs, pinned = download(source, args.python, Path(args.wheel_cache).expanduser())
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        top = Path(tmp) / name
        top.mkdir()
        say(f"copying the source of {source}")
        copy_source(source, top / "src")
        wheels = top / "wheels"
        wheels.mkdir()
        for directory in dirs.values():
            for wheel in directory.glob("*.whl"):
                if not (wheels / wheel.name).exists():
                    # Hard links where possible: the cache and the bundle share one disk.
                    try:
                        os.link(wheel, wheels / wheel.name)
                    except OSError:
                        shutil.copy2(wheel, wheels / wheel.name)
        write_locks(top, dirs)
        say("writing the SBOM (cyclonedx-py)")
        make_sbom(top, top / "src", dirs)
        manifest = {
            "format": FORMAT,
            "name": "appliance",
            "version": version,
            "commit": commit,
            "built": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "pythons": list(args.python),
            "platform": f"x86_64, glibc >= 2.{GLIBC_MAX} (manylinux_2_{GLIBC_MAX}_x86_64)",
        }
        (top / "BUNDLE.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        count = write_checksums(top)
        say(f"writing {archive.name} ({count} files)")
        write_archive(top, archive, int(time.time()))
    sig = sign(archive, Path(args.key).expanduser())
    size = archive.stat().st_size
    say(f"signed {sig.name} with {args.key}")
    print(f"bundle {archive} ({size / 1e6:.1f} MB, {size:,} bytes)")
    return archive


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "dist"), help="output directory (dist)")
    parser.add_argument(
        "--python",
        action="append",
        choices=DEFAULT_PYTHONS,
        help="target CPython version, repeatable (default: 3.11 and 3.12)",
    )
    parser.add_argument("--key", default=str(DEFAULT_KEY), help="Ed25519 private key (PEM)")
    parser.add_argument(
        "--wheel-cache",
        default=str(DEFAULT_CACHE),
        help="directory keeping downloaded wheels between builds (%(default)s)",
    )
    parser.add_argument("--source", default=str(ROOT), help="source tree to bundle (this one)")
    parser.add_argument("--name", default=None, help="archive name without .tar.gz")
    args = parser.parse_args(argv)
    args.python = sorted(set(args.python or DEFAULT_PYTHONS))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        build(args)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
