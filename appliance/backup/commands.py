"""``appliance backup``, ``backup-key``, ``restore`` and ``rotate-keys``."""

from __future__ import annotations

import sys

import click

from appliance import db, keys, locks
from appliance.backup import jobs, rotation
from appliance.backup import restore as restoring
from appliance.backup.stream import BackupError, configured_key, new_key_file
from appliance.clictx import Context, pass_ctx
from appliance.crypto import DecryptionError

KEY_FILE = click.option(
    "--key-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Backup key file (else the backup_key_file setting).",
)
PASSPHRASE = click.option(
    "--passphrase-stdin",
    is_flag=True,
    help="Read the backup passphrase from standard input (else backup_passphrase).",
)


def _passphrase(from_stdin: bool) -> str | None:
    return sys.stdin.readline().rstrip("\n") if from_stdin else None


@click.command("backup")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory to write to (else backup_dir, else <data-dir>/backups).",
)
@KEY_FILE
@PASSPHRASE
@pass_ctx
def backup(ctx: Context, out: str | None, key_file: str | None, passphrase_stdin: bool) -> None:
    """Write an encrypted backup: a consistent snapshot of the database and the key files.

    Safe while the appliance serves. Keep the backup key apart from the backups."""
    values = ctx.settings()
    try:
        key = configured_key(values, key_file, _passphrase(passphrase_stdin))
        target, manifest = jobs.manual(values, key, out)
    except (BackupError, locks.Busy) as exc:
        raise click.ClickException(str(exc)) from None
    counts = manifest["counts"]
    click.echo(f"wrote {target / manifest['name']}.backup ({manifest['encrypted_bytes']:,} bytes)")
    click.echo(
        f"  {len(counts)} tables, {sum(counts.values()):,} rows "
        f"({counts.get('contacts', 0):,} contacts, {counts.get('responses', 0):,} responses)"
    )
    click.echo(f"  manifest: {target / manifest['name']}.manifest.json")


@click.command("backup-key")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to create.")
def backup_key(out: str) -> None:
    """Create a backup key file (64 hex digits, mode 0600); never overwrites one."""
    try:
        key_id = new_key_file(out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote backup key {out} (key id {key_id.hex()})")
    click.echo("  Keep a copy away from the server and away from the backups.")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False))
@click.option(
    "--data-dir",
    "target",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory to restore into (else as for every command).",
)
@KEY_FILE
@PASSPHRASE
@pass_ctx
def restore(ctx: Context, backup_file, target, key_file, passphrase_stdin) -> None:
    """Restore a backup after checking it; re-applies erasures, unsubscribes and retention.

    Refused while `appliance serve` runs on the data directory. Changes nothing on any error."""
    values = ctx.settings(**({"data_dir": target} if target else {}))
    try:
        done = restoring.restore(
            backup_file, values, key_file=key_file, passphrase=_passphrase(passphrase_stdin)
        )
    except (BackupError, locks.Busy, DecryptionError) as exc:
        raise click.ClickException(f"restore refused: {exc}") from None
    counts = done.counts
    click.echo(f"restored {done.name} (taken {done.created_at}) into {values['data_dir']}")
    click.echo(
        f"  {len(counts)} tables, {counts.get('contacts', 0):,} contacts, "
        f"{counts.get('responses', 0):,} responses at backup time"
    )
    click.echo(f"  keys: {done.keys}")
    if done.brought_forward:
        f = done.brought_forward
        click.echo(f"  re-sealed {f['fields']:,} values, re-hashed {f['hashes']:,} hashes")
    if done.migrations:
        click.echo(f"  applied migrations: {', '.join(done.migrations)}")
    r = done.reapplied
    click.echo(
        f"  re-applied: {r.get('suppressions_added', 0):,} unsubscribes added, "
        f"{r.get('erased_again', 0):,} people erased again, "
        f"{sum(v for k, v in r.items() if k.startswith('retention_')):,} items past retention"
    )
    click.echo("  `appliance check`, then start the service.")


@click.command("rotate-keys")
@click.option(
    "--resume",
    is_flag=True,
    help="Only complete or roll back a rotation that was interrupted.",
)
@click.option(
    "--drain-seconds",
    type=click.FloatRange(0, 60),
    default=2.0,
    show_default=True,
    help="Time given to requests under way before the database is rewritten.",
)
@pass_ctx
def rotate_keys(ctx: Context, resume: bool, drain_seconds: float) -> None:
    """Re-encrypt every sealed field under a new field key and re-hash under a new hash key.

    Safe while the appliance serves: requests that need the keys wait for the rotation."""
    values = ctx.settings()
    if not db.db_path(values["data_dir"]).exists():
        raise click.ClickException(f"no database in {values['data_dir']}; run `appliance init`")
    try:
        if resume:
            settled = rotation.resume(values["data_dir"])
            click.echo(f"unfinished rotation {settled}" if settled else "no unfinished rotation")
            return
        done = rotation.rotate(values["data_dir"], drain_seconds=drain_seconds)
    except (keys.RotationError, locks.Busy, DecryptionError) as exc:
        raise click.ClickException(f"rotation refused: {exc}") from None
    if done.settled:
        click.echo(f"an earlier unfinished rotation was {done.settled}")
    c = done.counts
    click.echo(
        f"rotated: field key {done.field_key_id}, hash key generation {done.hash_generation}; "
        f"{c['fields']:,} values re-sealed, {c['hashes']:,} hashes re-hashed "
        f"in {done.seconds:.1f} s"
    )
    click.echo("  Make a new backup now: older backups hold the old keys.")
