"""``appliance import-contacts`` and ``appliance suppress``: the identity plane from the console.

IT can pipe a nightly CRM export straight in (``FILE`` ``-`` reads standard input).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from pathlib import Path

import click

from appliance.auth.service import CLI
from appliance.clictx import Context, pass_ctx
from appliance.contacts import identifiers, import_service, reader, service, store, uploads
from appliance.contacts.mapping import Mapping, targets_for
from appliance.contacts.preview import PREVIEW_ROWS


def _open_source(file: str):
    if file == "-":
        return contextlib.nullcontext(sys.stdin.buffer)
    return Path(file).open("rb")  # noqa: SIM115 - the caller's with block closes it


@click.command("import-contacts")
@click.argument("file", type=click.Path(exists=True, allow_dash=True, dir_okay=False))
@click.option("--list", "list_name", required=True, help="Contact list (created if new).")
@click.option(
    "--basis",
    type=click.Choice(["consent", "legitimate-interest"]),
    required=True,
    help="Lawful basis for contacting these people.",
)
@click.option("--purpose", default="", help="Required with legitimate-interest.")
@click.option(
    "--map",
    "overrides",
    multiple=True,
    metavar="HEADER=TARGET",
    help="Map a column: field:email, field:last_name, segment:region, drop ...",
)
@click.option("--preset", default="", help="Use a saved mapping preset.")
@click.option("--encoding", default="", help="Override the detected encoding (e.g. cp1252).")
@click.option("--delimiter", default="", help="Override the detected separator: , ; tab |")
@click.option("--sheet", default="", help="XLSX: the sheet to read (default: the first).")
@pass_ctx
def import_contacts(
    ctx: Context, file, list_name, basis, purpose, overrides, preset, encoding, delimiter, sheet
) -> None:
    """Import a CSV or XLSX export into a contact list; prints the counts.

    Exits non-zero when nothing could be imported."""
    values = ctx.settings()
    basis = basis.replace("-", "_")
    problems = import_service.basis_problems(basis, purpose)
    if problems:
        raise click.UsageError(" ".join(problems))
    delimiter = "\t" if delimiter == "tab" else delimiter
    limit = values["max_upload_mb"] * 1024 * 1024
    try:
        with _open_source(file) as source:
            token = uploads.store_stream(values["data_dir"], source, limit)
    except uploads.TooLarge:
        raise click.ClickException(
            f"the file is larger than max_upload_mb ({values['max_upload_mb']} MB)"
        ) from None
    path = uploads.path_for(values["data_dir"], token)
    try:
        with ctx.database(values) as conn, ctx.keys(values) as keys:
            _import(
                conn,
                keys,
                path,
                list_name,
                basis,
                purpose,
                overrides,
                preset,
                encoding,
                delimiter,
                sheet,
            )
    finally:
        uploads.remove(values["data_dir"], token)


def _import(
    conn, keys, path, list_name, basis, purpose, overrides, preset, encoding, delimiter, sheet
) -> None:
    try:
        table = reader.open_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    except reader.FileError as exc:
        raise click.ClickException(f"cannot read the file: {exc}") from None
    with table:
        presets = store.presets(conn)
        if preset and preset not in presets:
            raise click.ClickException(f"no mapping preset named {preset!r}")
        try:
            mapping = Mapping.build(
                table.headers, targets_for(table.headers, presets.get(preset), overrides)
            )
            # The rows a web preview reads: a refusal here leaves no batch and no new list.
            import_service.check_segments(table, mapping, limit=PREVIEW_ROWS)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        if not mapping.fields():
            raise click.ClickException("no column maps to a contact field; use --map")
        for header in mapping.dropped:
            click.echo(f"dropped column: {header}", err=True)
        try:
            import_id = import_service.begin(conn, CLI, list_name, basis, purpose, mapping)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None

        def progress(counts: import_service.Counts) -> None:
            click.echo(f"\r  {counts.rows_seen:,} rows read", nl=False, err=True)

        try:
            counts = import_service.run_import(conn, keys, CLI, import_id, table, mapping, progress)
        except (reader.FileError, identifiers.NotACategory) as exc:
            raise click.ClickException(f"import failed, nothing was imported: {exc}") from None
    click.echo("", err=True)
    for name, value in counts.as_dict().items():
        click.echo(f"{name:>10}: {value:,}")
    if counts.added + counts.updated == 0:
        raise SystemExit(1)


@click.group("suppress")
def suppress_group() -> None:
    """The organisation's unsubscribe list (stored as keyed hashes only)."""


@suppress_group.command("add")
@click.argument("addresses", nargs=-1)
@click.option(
    "--file",
    "from_file",
    type=click.File("r"),
    default=None,
    help="One address per line ('-' for standard input).",
)
@pass_ctx
def suppress_add(ctx: Context, addresses, from_file) -> None:
    """Add addresses to the unsubscribe list: they are never imported or mailed again."""
    lines = itertools.chain(addresses, from_file or ())
    values = ctx.settings()
    with ctx.database(values) as conn, ctx.keys(values) as keys:
        added, already, invalid = service.add_suppressions(conn, CLI, keys.hasher(), lines, "staff")
    click.echo(f"added {added}, already listed {already}, invalid {invalid}")
