"""The ``appliance`` command.

Every command finds the data directory from ``--data-dir``, else ``APPLIANCE_DATA_DIR``, else the
config file (``--config`` / ``APPLIANCE_CONFIG``), else ``./data``.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import click

from appliance import audit, db, keys, locks, scheduler, schema, settings
from appliance import demo as demo_data
from appliance import workers as serve_workers
from appliance.auth import service as auth_service
from appliance.auth import store as auth_store
from appliance.auth.commands import user
from appliance.backup import rotation
from appliance.backup.commands import backup, backup_key, restore, rotate_keys
from appliance.clictx import Context, pass_ctx
from appliance.contacts import import_service, uploads
from appliance.contacts.commands import import_contacts, suppress_group
from appliance.licence import commands as licence_commands
from appliance.mailing.commands import mail_group
from appliance.privacy.commands import purge
from appliance.publication.commands import publication_export
from appliance.responses import upgrade_service
from appliance.scheduler import Jobs

EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "config.example.toml"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory (else APPLIANCE_DATA_DIR, the config file, ./data).",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (else APPLIANCE_CONFIG, else <data-dir>/config.toml).",
)
@click.pass_context
def main(ctx: click.Context, data_dir: str | None, config: str | None) -> None:
    """Customer-satisfaction research appliance."""
    ctx.obj = Context(data_dir, config)


def initialise(values: dict) -> list[str]:
    """Create the data directory (0700), key files (0600), database and config; migrate.

    Idempotent: existing keys and config are kept. Returns what was done, for the console.
    """
    done = []
    data_dir = Path(values["data_dir"])
    if not data_dir.exists():
        data_dir.mkdir(mode=0o700, parents=True)
        done.append(f"created data directory {data_dir}")
    os.chmod(data_dir, 0o700)
    created = keys.create_missing(data_dir)
    if created:
        done.append(f"created key files: {', '.join(created)} (mode 0600)")
    config_path = data_dir / "config.toml"
    if not config_path.exists() and not values["config_file"] and EXAMPLE_CONFIG.exists():
        text = EXAMPLE_CONFIG.read_text()
        # The data directory's own config cannot move the data directory.
        text = text.replace(
            '# data_dir = "./data"',
            "# data_dir cannot be set here: use --data-dir or APPLIANCE_DATA_DIR",
        )
        config_path.write_text(text)
        os.chmod(config_path, 0o600)
        done.append(f"wrote {config_path} (every setting commented, with its default)")
    _migrate(values, done.append)
    os.chmod(db.db_path(data_dir), 0o600)
    return done


def _migrate(values: dict, say: Callable[[str], None]) -> None:
    """Apply the pending migrations (audited) to the data directory's database, then what must
    follow them (``upgrade_service.after_migrations``), on a connection of its own. ``say`` gets
    the line naming the migrations applied, before what follows them runs; nothing when none
    was pending."""
    conn = db.connect(db.db_path(values["data_dir"]))
    try:
        applied = schema.migrate_audited(conn)
        if applied:
            say(f"applied migrations: {', '.join(applied)}")
        upgrade_service.after_migrations(conn, values)
    finally:
        conn.close()


def announce_setup_code(conn, values: dict) -> None:
    """Print a one-time setup link and code when no active admin exists (no default account)."""
    if auth_store.active_admin_count(conn):
        return
    code = auth_service.issue_setup_code(conn, values["setup_code_minutes"])
    click.echo(
        "\n"
        "  No admin account exists yet. To create the first admin, open\n"
        f"    {values['base_url']}/setup\n"
        "  and enter this one-time setup code:\n"
        f"    {code}\n"
        f"  It expires in {values['setup_code_minutes']} minutes; "
        "`appliance setup-code` prints a new one.\n"
    )


def recover(conn, values: dict) -> None:
    """At start-up: imports interrupted by a crash leave nothing behind, nor do old uploads."""
    import_service.discard_interrupted(conn)
    uploads.remove_stale(values["data_dir"])


def problems(values: dict) -> list[str]:
    """Everything `check` refuses to serve with."""
    found = keys.check_permissions(values["data_dir"])
    if values["licence_test_key"]:
        found.append(
            "licence_test_key is set: it is for the test suite only, and would let anyone who "
            "can edit the config sign licences; remove it"
        )
    path = db.db_path(values["data_dir"])
    if not path.exists():
        found.append(f"{path} is missing; run `appliance init`")
        return found
    conn = db.connect(path)
    try:
        pending = schema.pending(conn)
        if pending:
            found.append(f"migrations not applied: {', '.join(pending)}")
        if db.journal_mode(conn) != "wal":
            found.append("database is not in WAL mode")
    finally:
        conn.close()
    try:
        keys.load(values["data_dir"])
    except keys.KeyFileError as exc:
        found.append(str(exc))
    if rotation.unfinished(values["data_dir"]):
        found.append(rotation.unfinished_message(values["data_dir"]))
    from appliance import TEMPLATES

    if not TEMPLATES.is_dir():
        found.append(f"templates missing at {TEMPLATES}")
    return found


@main.command()
@click.option(
    "--setup-code/--no-setup-code",
    default=True,
    help="Print a one-time setup code when no admin exists (off when `serve` follows, which "
    "prints its own).",
)
@pass_ctx
def init(ctx: Context, setup_code: bool) -> None:
    """Create or upgrade the data directory: keys, database, config, migrations."""
    values = ctx.settings()
    for line in initialise(values) or ["already initialised; nothing to do"]:
        click.echo(line)
    if setup_code:
        with ctx.database(values) as conn:
            announce_setup_code(conn, values)


@main.command()
@pass_ctx
def check(ctx: Context) -> None:
    """Validate config, permissions of the data dir and key files, and migrations."""
    values = ctx.settings()
    click.echo(f"config: ok ({values['config_file'] or 'defaults and environment'})")
    found = problems(values)
    for problem in found:
        click.echo(f"problem: {problem}", err=True)
    if found:
        raise SystemExit(1)
    click.echo(f"data directory {values['data_dir']}: ok")


@main.command()
@click.option("--host", default=None, help="Listen address (else APPLIANCE_HOST, config).")
@click.option("--port", type=int, default=None, help="Port (else APPLIANCE_PORT, config).")
@click.option("--threads", type=int, default=None, help="Worker threads (else config).")
@click.option(
    "--workers", type=int, default=None, help="Processes, 0: one per CPU core (else config)."
)
@pass_ctx
def serve(
    ctx: Context, host: str | None, port: int | None, threads: int | None, workers: int | None
) -> None:
    """Apply pending migrations, check, and serve with waitress (in `workers` processes)."""
    import waitress

    values = ctx.settings(host=host, port=port, threads=threads, workers=workers)
    if db.db_path(values["data_dir"]).exists():
        try:
            # Held until the process ends: `appliance restore` refuses while it is.
            ctx.serve_lock = locks.serving(values["data_dir"])
        except locks.Busy as exc:
            raise click.ClickException(str(exc)) from None
        # An upgrade may bring a new kind of key (as the audit signing key did).
        created = keys.create_missing(values["data_dir"])
        if created:
            click.echo(f"created key files: {', '.join(created)} (mode 0600)")
        _migrate(values, click.echo)
    found = problems(values)
    if found:
        for problem in found:
            click.echo(f"problem: {problem}", err=True)
        raise click.ClickException("refusing to serve; fix the problems above (`appliance check`)")
    warning = settings.plain_http_warning(values)
    if warning:
        click.echo(warning, err=True)
    app = _serving_app(ctx, values, host, port, threads)
    with ctx.database(values) as conn:
        recover(conn, values)
        announce_setup_code(conn, values)
    click.echo(licence_commands.describe(scheduler.licence_check(values)))
    pool = None
    if serve_workers.worker_count(values) > 1:
        # Bound here, before anything says "serving": a port in use stops the start.
        try:
            sockets = serve_workers.listening_sockets(values["host"], values["port"])
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {values['port']}: {exc}") from None
        command = [sys.executable, "-m", "appliance", "--data-dir", str(values["data_dir"])]
        if ctx.config:
            command += ["--config", ctx.config]
        # The same address as this process: the public address (links) may derive from it.
        command += ["serve-worker", "--threads", str(values["threads"])]
        command += ["--host", str(values["host"]), "--port", str(values["port"])]
        pool = serve_workers.Pool(serve_workers.worker_count(values), command, sockets)
    click.echo(
        f"serving on http://{values['host']}:{values['port']} "
        f"(public address {values['base_url']}); Ctrl+C stops"
    )
    sys.stdout.flush()
    # Live keys: the jobs see a key rotation done while the server runs.
    background = Jobs(app.extensions["appliance"].settings, app.extensions["appliance"].live_keys)
    background.start()
    # New responses reach the report counters right after their group commits.
    app.extensions["appliance"].writer.after_commit = background.kick
    serve_workers.quiet_queue_warnings()
    # systemd stops with SIGTERM: leave through the same clean stop as Ctrl+C.
    signal.signal(signal.SIGTERM, _stop_serving)
    try:
        if pool is None:
            waitress.serve(
                app,
                host=values["host"],
                port=values["port"],
                **serve_workers.waitress_options(values),
            )
        else:
            # The workers' group commits kick the jobs of this process through a pipe.
            pool.run(kick=background.kick)
    finally:
        if pool is not None:
            pool.stop()  # first: every worker's acknowledged submissions are on disk
        background.stop()
        app.extensions["appliance"].writer.close()
        # No page image of recent commits stays beside the database (their order links
        # responses to invitations).
        db.settle(db.db_path(values["data_dir"]))


def _serving_app(ctx: Context, values, host: str | None, port: int | None, threads: int | None):
    """The app `serve` and each of its workers answer with: the command line's address and
    threads over the config's (the public address may derive from them)."""
    from appliance import create_app

    return create_app(
        {
            "data_dir": values["data_dir"],
            "config_file": ctx.config,
            "host": host,
            "port": port,
            "threads": threads,
        }
    )


def _stop_serving(signum, frame) -> None:
    # A second SIGTERM must not cut the clean stop short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(0)


@main.command("serve-worker", hidden=True)
@click.option("--threads", type=int, default=None)
@click.option("--host", default=None, help="The address `serve` listens on.")
@click.option("--port", type=int, default=None, help="The port `serve` listens on.")
@click.option("--fds", required=True, help="The listening sockets' descriptors, e.g. 3,4.")
@click.option("--lifeline", type=int, required=True, help="Read end of the parent's pipe.")
@click.option("--kick", type=int, default=None, help="Write end of the parent's kick pipe.")
@pass_ctx
def serve_worker(
    ctx: Context,
    threads: int | None,
    host: str | None,
    port: int | None,
    fds: str,
    lifeline: int,
    kick: int | None,
) -> None:
    """One worker process of `serve`, which starts it; never started by hand."""
    serve_workers.worker_signals()
    import waitress

    values = ctx.settings(host=host, port=port, threads=threads)
    sockets = serve_workers.inherited_sockets(fds)
    app = _serving_app(ctx, values, host, port, threads)
    writer = app.extensions["appliance"].writer
    serve_workers.quiet_queue_warnings()
    if kick is not None:
        writer.after_commit = serve_workers.kicker(kick)
    serve_workers.run_worker(
        lambda: waitress.serve(app, sockets=sockets, **serve_workers.waitress_options(values)),
        writer.close,
        lifeline,
    )


@main.command("setup-code")
@pass_ctx
def setup_code(ctx: Context) -> None:
    """Print a new one-time code for creating the first admin."""
    values = ctx.settings()
    with ctx.database(values) as conn:
        if auth_store.active_admin_count(conn):
            raise click.ClickException("an admin exists already; setup is closed")
        announce_setup_code(conn, values)


@main.group("audit")
def audit_group() -> None:
    """Audit log tools."""


@audit_group.command("verify")
@pass_ctx
def audit_verify(ctx: Context) -> None:
    """Verify the signed summaries and the hash chain; report the first broken link (exit 1)."""
    values = ctx.settings()
    public = audit.public_key_of(keys.load(values["data_dir"]).signer())
    with ctx.database(values) as conn:
        result = audit.verify(conn, public)
    summarised = (
        f" (and {result.summarised} older entries in signed summaries)" if result.summarised else ""
    )
    if result.ok:
        click.echo(f"audit log intact: {result.checked} entries verified{summarised}")
        return
    where = f"entry {result.broken_id}" if result.broken_id else "its summaries"
    click.echo(
        f"audit log BROKEN at {where}: {result.reason} "
        f"({result.checked} entries before it verified)",
        err=True,
    )
    raise SystemExit(1)


@main.command()
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed of the contacts.")
@click.option("--host", default=None, help="Address it will be served on (default: settings).")
@click.option(
    "--port", type=int, default=None, help="Port it will be served on (default: settings)."
)
@pass_ctx
def demo(ctx: Context, seed: int, host: str | None, port: int | None) -> None:
    """Fill a fresh data directory with an example to explore; prints sign-in details.

    A survey with responses over three months, about 3,000 fictitious contacts, a sent
    campaign (.eml files) and a staff, a researcher and an interviewer account. Refuses a data
    directory that holds surveys, contacts or accounts already. The sign-in address printed is
    the one ``serve`` uses: base_url, else the configured host and port (or --host/--port, when
    it will be served with those)."""
    served = {name: value for name, value in (("host", host), ("port", port)) if value}
    values = ctx.settings(**served)
    reason = demo_data.refusal(values)
    if reason:
        raise click.ClickException(reason)
    for line in initialise(values):
        click.echo(line)
    try:
        summary = demo_data.fill(values, seed)
    except demo_data.NotFresh as exc:
        raise click.ClickException(str(exc)) from None
    demo_data.report(summary, click.echo)


main.add_command(user)
main.add_command(import_contacts)
main.add_command(suppress_group)
main.add_command(mail_group)
main.add_command(purge)
main.add_command(publication_export)
main.add_command(backup)
main.add_command(licence_commands.licence_group)
main.add_command(backup_key)
main.add_command(restore)
main.add_command(rotate_keys)
