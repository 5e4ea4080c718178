"""``appliance user ...``: manage accounts from the console (every change audited as the CLI)."""

from __future__ import annotations

import getpass
import sys

import click

from appliance import settings
from appliance.auth import service, store
from appliance.auth.service import CLI
from appliance.clictx import Context, pass_ctx


@click.group()
def user() -> None:
    """Manage accounts."""


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Repeat password: ") != first:
        raise click.ClickException("the passwords differ")
    return first


def _get(conn, username: str) -> store.User:
    found = store.user_by_name(conn, username)
    if found is None:
        raise click.ClickException(f"no account named {username!r}")
    return found


def _set_disabled(ctx: Context, username: str, disabled: bool) -> None:
    """Disable or re-enable the named account and say so on the console; a ClickException when
    there is no such account."""
    with ctx.database() as conn:
        service.set_disabled(conn, CLI, _get(conn, username), disabled)
    click.echo(f"{'disabled' if disabled else 'enabled'} {username}")


@user.command("add")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["admin", "staff", "researcher", "interviewer"]), required=True
)
@click.option("--name", "display_name", default="", help="Full name.")
@click.option("--language", type=click.Choice(settings.LANGUAGES), default=None)
@click.option("--valid-from", default=None, help="Researchers: first day of access (YYYY-MM-DD).")
@click.option("--valid-until", default=None, help="Researchers: last day of access (YYYY-MM-DD).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def user_add(
    ctx: Context, username, role, display_name, language, valid_from, valid_until, password_stdin
) -> None:
    """Create an account (it enrols two-factor login at first sign-in; staff only while
    staff_totp_required is on, the default)."""
    values = ctx.settings()
    with ctx.database(values) as conn:
        user_id = service.create(
            conn,
            CLI,
            username=username,
            role=role,
            password=_read_password(password_stdin),
            display_name=display_name,
            language=language,
            valid_from=valid_from,
            valid_until=valid_until,
            # Everyone but an admin replaces the password they were given at the first sign-in;
            # an admin created here is the operator's own account.
            first_password=role != "admin",
        )
    click.echo(f"created {role} {username} (id {user_id})")


@user.command("list")
@pass_ctx
def user_list(ctx: Context) -> None:
    """List accounts: a researcher's access period, the ids of the surveys an interviewer is
    assigned to."""
    with ctx.database() as conn:
        rows = store.list_users(conn)
        assigned = {
            u.id: ",".join(map(str, sorted(store.granted_survey_ids(conn, u.id))))
            for u in rows
            if u.role == "interviewer"
        }
    width = max([len(u.username) for u in rows] + [8])
    click.echo(f"{'username':<{width}}  {'role':<10}  {'2fa':<3}  status")
    for u in rows:
        status = "disabled" if u.disabled else "active"
        if u.role == "researcher":
            status += f" {u.valid_from} .. {u.valid_until}"
        if u.role == "interviewer":
            status += f" surveys {assigned[u.id] or 'none'}"
        click.echo(
            f"{u.username:<{width}}  {u.role:<10}  {'on' if u.totp_enabled else 'off':<3}  {status}"
        )


@user.command("disable")
@click.argument("username")
@pass_ctx
def user_disable(ctx: Context, username: str) -> None:
    """Disable an account; its sessions end at once."""
    _set_disabled(ctx, username, True)


@user.command("enable")
@click.argument("username")
@pass_ctx
def user_enable(ctx: Context, username: str) -> None:
    """Re-enable a disabled account."""
    _set_disabled(ctx, username, False)


@user.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def user_reset_password(ctx: Context, username: str, password_stdin: bool) -> None:
    """Set a new password; every session of the account ends. Everyone but an admin must
    replace it at their next sign-in."""
    with ctx.database() as conn:
        found = _get(conn, username)
        ended = service.set_password(
            conn, CLI, found, _read_password(password_stdin), temporary=found.role != "admin"
        )
    click.echo(f"password of {username} set; {ended} session(s) ended")


@user.command("reset-2fa")
@click.argument("username")
@pass_ctx
def user_reset_2fa(ctx: Context, username: str) -> None:
    """Remove two-factor login of a user who lost phone and recovery codes."""
    with ctx.database() as conn:
        service.reset_two_factor(conn, CLI, _get(conn, username))
    click.echo(f"two-factor login of {username} reset; they enrol again at next sign-in")
