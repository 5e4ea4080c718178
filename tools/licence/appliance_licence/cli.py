"""The ``appliance-licence`` command line: keygen, issue, show, sign-bundle, public-key.

Every command takes ``--key-dir``; without it the key directory is ``$APPLIANCE_VENDOR_KEY_DIR``,
else ``~/.config/appliance-vendor``. Problems are printed as ``error: ...`` on stderr with exit
status 1; results go to stdout, remarks to stderr.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from . import bundle, keys
from . import licence as licence_file
from .errors import ToolError

ISO_DATE = click.DateTime(formats=["%Y-%m-%d"])
KEY_DIR_HELP = (
    f"Directory of the vendor key pair (default: ${keys.KEY_DIR_ENV}, "
    "else ~/.config/appliance-vendor)."
)

key_dir_option = click.option(
    "--key-dir", type=click.Path(file_okay=False), default=None, help=KEY_DIR_HELP
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The vendor's licence tool: makes the vendor key pair, issues signed licences and signs
    install bundles. The private key never leaves the key directory; never commit it."""


@cli.command()
@key_dir_option
def keygen(key_dir: str | None) -> None:
    """Make the vendor key pair (never overwrites).

    With $APPLIANCE_VENDOR_PASSPHRASE set, the private key is encrypted with that passphrase and
    every later command needs the same variable."""
    directory = keys.key_dir(key_dir)
    private_path, public_path = keys.generate(directory)
    _report_new_key(directory, private_path, public_path)


@cli.command()
@click.option("--licensee", required=True, help="The customer's name, as the appliance shows it.")
@click.option("--id", "licence_id", required=True, help="The licence id, e.g. 2026-0042.")
@click.option(
    "--from",
    "valid_from",
    required=True,
    type=ISO_DATE,
    metavar="DATE",
    help="First day (YYYY-MM-DD).",
)
@click.option(
    "--until",
    "valid_until",
    required=True,
    type=ISO_DATE,
    metavar="DATE",
    help="Last day, included (YYYY-MM-DD).",
)
@click.option(
    "--modules",
    required=True,
    help="Comma-separated optional modules: publication, paper, interviews ('' for none).",
)
@click.option("--researchers", required=True, type=int, help="Researcher accounts allowed (0+).")
@click.option("--interviewers", required=True, type=int, help="Interviewer accounts allowed (0+).")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Licence file to write (default: <id>.licence); never overwritten.",
)
@key_dir_option
def issue(
    licensee: str,
    licence_id: str,
    valid_from,
    valid_until,
    modules: str,
    researchers: int,
    interviewers: int,
    out: str | None,
    key_dir: str | None,
) -> None:
    """Issue a signed licence file. Makes the vendor key pair first if there is none."""
    terms = licence_file.check(
        licence_file.Terms(
            licensee=licensee,
            licence_id=licence_id,
            valid_from=valid_from.date(),
            valid_until=valid_until.date(),
            modules=licence_file.parse_modules(modules),
            researchers=researchers,
            interviewers=interviewers,
            issued=date.today(),
        )
    )
    target = Path(out) if out else Path(f"{terms.licence_id}.licence")
    if target.exists():
        raise ToolError(f"{target} already exists; refusing to overwrite it")
    directory = keys.key_dir(key_dir)
    if not keys.exists(directory):
        click.echo(f"No vendor key in {directory}; making one first.", err=True)
        _report_new_key(directory, *keys.generate(directory))
    data = licence_file.sign(terms, keys.load_private(directory))
    licence_file.write(target, data)
    if terms.valid_until < date.today():
        click.echo("warning: this licence has already expired", err=True)
    click.echo(f"Wrote {target}")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@key_dir_option
def show(file: str, key_dir: str | None) -> None:
    """Verify a licence file and print what it grants.

    The signature is checked against the key directory's public key; a failed check ends with
    exit status 1."""
    directory = keys.key_dir(key_dir)
    public = keys.load_public(directory)
    try:
        data = Path(file).read_bytes()
    except FileNotFoundError:
        raise ToolError(f"no file at {file}") from None
    try:
        fields = licence_file.read(data, public)
    except ToolError as error:
        raise ToolError(f"{file}: {error} (key: {directory / keys.PUBLIC_FILE})") from None
    rows = [
        ("Signature", f"valid (vendor key {keys.fingerprint(public)})"),
        ("Licensee", fields.get("licensee")),
        ("Licence id", fields.get("licence_id")),
        ("Valid from", fields.get("valid_from")),
        ("Valid until", f"{fields.get('valid_until')} (included)"),
        ("Status", _status(fields)),
        ("Modules", ", ".join(fields.get("modules") or []) or "(none)"),
        ("Researchers", fields.get("researchers")),
        ("Interviewers", fields.get("interviewers")),
        ("Issued", fields.get("issued")),
    ]
    for label, value in rows:
        click.echo(f"{label + ':':<14}{value}")


@cli.command("sign-bundle")
@click.argument("archive", type=click.Path(dir_okay=False))
@key_dir_option
def sign_bundle(archive: str, key_dir: str | None) -> None:
    """Write ARCHIVE.sig, the detached signature install.sh checks."""
    directory = keys.key_dir(key_dir)
    target, sha256_hex = bundle.sign(Path(archive), keys.load_private(directory))
    click.echo(f"sha256 {sha256_hex}", err=True)
    click.echo(f"Wrote {target}")


@cli.command("public-key")
@click.option(
    "--fingerprint",
    "fingerprint_only",
    is_flag=True,
    help="Print only the SHA-256 fingerprint, on stdout.",
)
@key_dir_option
def public_key(fingerprint_only: bool, key_dir: str | None) -> None:
    """Print the public key PEM and its SHA-256 fingerprint.

    The PEM goes to stdout (it is what appliance/licence/vendor_key.pem holds), the fingerprint
    to stderr, or alone to stdout with --fingerprint."""
    public = keys.load_public(keys.key_dir(key_dir))
    if fingerprint_only:
        click.echo(keys.fingerprint(public))
        return
    click.echo(keys.public_pem(public), nl=False)
    click.echo(f"SHA-256 fingerprint: {keys.fingerprint(public)}", err=True)


def _report_new_key(directory: Path, private_path: Path, public_path: Path) -> None:
    public = keys.load_public(directory)
    click.echo(f"Private key: {private_path} (keep it secret; never commit it)", err=True)
    click.echo(f"Public key:  {public_path}", err=True)
    click.echo(f"SHA-256 fingerprint: {keys.fingerprint(public)}", err=True)


def _status(fields: dict) -> str:
    try:
        start = date.fromisoformat(fields["valid_from"])
        end = date.fromisoformat(fields["valid_until"])
    except (KeyError, TypeError, ValueError):
        return "unknown (dates unreadable)"
    today = date.today()
    if today < start:
        return "not yet valid"
    if today > end:
        return "expired"
    return "valid today"


def main() -> None:
    """Entry point of the console script and of ``python -m appliance_licence``."""
    try:
        cli(prog_name="appliance-licence")
    except ToolError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
