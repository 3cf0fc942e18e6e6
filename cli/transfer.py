"""``cxtui import`` and ``cxtui export``: files in, files out."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand

from cli.common import (
    DbOption,
    FilterOption,
    NewBook,
    book_scope,
    check_band,
    fail,
    open_book,
    open_db,
    parse_day,
)
from cli.import_fields import FIELDS, fields_help
from cli.options import (
    band_option,
    json_option,
    owner_option,
    period_option,
    segment_option,
    source_option,
)
from cli.progress import StageBars

if TYPE_CHECKING:
    from core.importing import ImportOptions, ImportResult

IMPORT_KINDS = ", ".join(FIELDS)
_PLAIN_EVERY_ROWS = 100_000


def transfer_commands(app: typer.Typer) -> None:
    app.command("import", epilog=fields_help(), cls=_ImportCommand)(import_command)
    app.command("export")(export_command)


class _ImportCommand(TyperCommand):
    """``cxtui import`` saying what to type when the kind is left out (``cxtui
    import FILE``): click's own words, "Missing argument 'file'", would send the user
    looking for a file they gave."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.BadParameter as error:  # click's MissingParameter is one
            given = ctx.params.get("kind")
            # A file given but refused (a folder, unreadable) is said in click's words.
            refused = bool(error.message)
            if error.param is None or error.param.name != "file" or given is None or refused:
                raise
            error.message = (
                f"Name the file to import: cxtui import {given} FILE."
                if given.lower() in FIELDS
                else f"Say what {given} holds before it: cxtui import KIND {given},"
                f" where KIND is one of: {IMPORT_KINDS}."
            )
            raise


def _with_mapping(
    given: ImportOptions, maps: list[str], mapping: Path | None, values: list[str]
) -> ImportOptions:
    """The options typed (``given``) with their --map and --value pairs and the user who
    imports, on top of the --mapping file's."""
    import dataclasses
    import getpass

    from core.config.settings import load_settings
    from core.importing import ImportOptions, load_mapping_file, parse_pair, parse_value_option

    base = load_mapping_file(mapping) if mapping is not None else ImportOptions()
    columns = dict(parse_pair(text, "--map") for text in maps)
    by_field: dict[str, dict[str, str]] = {}
    for text in values:
        name, source, target = parse_value_option(text)
        by_field.setdefault(name, {})[source] = target
    user = load_settings().current_user or getpass.getuser()
    return base.merged(dataclasses.replace(given, columns=columns, values=by_field, user=user))


ImportJson = json_option("Print the result and reconciliation as JSON.")


def import_command(
    kind: Annotated[str, typer.Argument(help=f"What the file holds: {IMPORT_KINDS}.")],
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV (separator sniffed; UTF-8 or Latin-1), TSV, XLSX, Parquet or JSON lines.",
            dir_okay=False,
        ),
    ],
    maps: Annotated[
        list[str] | None,
        typer.Option("--map", help="FIELD=COLUMN: read FIELD from COLUMN (repeatable)."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="A TOML mapping file: a columns table, values.FIELD tables, date_format,"
            " cents (a list of fields).",
            dir_okay=False,
        ),
    ] = None,
    values: Annotated[
        list[str] | None,
        typer.Option(
            "--value", help="FIELD:FROM=TO: store TO where the file says FROM (repeatable)."
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option("--date-format", help="iso, dmy, mdy or a pattern such as %d/%m/%Y."),
    ] = None,
    create_missing_accounts: Annotated[
        bool,
        typer.Option(
            "--create-missing-accounts",
            help="Create an account for each unknown external id instead of refusing the row.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
    ] = False,
    effective: Annotated[
        str | None,
        typer.Option(
            "--effective",
            metavar="YYYY-MM-DD",
            help="Accounts: the day MRR and status changes take effect, and undated churns"
            " are recorded (default: --as-of, else today).",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="Accounts: the day the file was exported; a tenure column counts back from"
            " it to each start date, and its statuses and MRR take effect on it (default:"
            " today).",
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            metavar="NAME",
            help="Read the file as this vendor's export (default: recognised from the"
            " header): hubspot-companies, salesforce-accounts, stripe-subscriptions,"
            " chargebee-subscriptions, stripe-invoices, zendesk-tickets,"
            " zendesk-satisfaction, intercom-conversations, delighted-nps,"
            " salesforce-activities, hubspot-calls, hubspot-meetings, hubspot-emails.",
        ),
    ] = None,
    no_preset: Annotated[
        bool, typer.Option("--no-preset", help="Do not recognise a vendor's export.")
    ] = False,
    no_header: Annotated[
        bool,
        typer.Option("--no-header", help="The file has no header line: its first line is a row."),
    ] = False,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="A,B,C",
            help="Names for the columns of a file without a header line (implies --no-header).",
        ),
    ] = None,
    drop_extra: Annotated[
        bool,
        typer.Option(
            "--drop-extra",
            help="Accounts: leave out the columns no field reads, instead of keeping each as"
            " a custom field (typed from its data).",
        ),
    ] = False,
    skip_without_account: Annotated[
        bool,
        typer.Option(
            "--skip-without-account",
            help="Events: leave out the rows whose account cell is empty (a ticket from"
            " someone with no company) instead of refusing the file; the summary counts them.",
        ),
    ] = False,
    every_row: Annotated[
        bool,
        typer.Option(
            "--every-row",
            help="A vendor's export: import the rows its preset leaves out as no customers"
            " (a CRM's leads and prospects, a Stripe subscription whose first payment failed);"
            " an order log's orders whose status says cancelled, refunded, failed...",
        ),
    ] = False,
    cents: Annotated[
        list[str] | None,
        typer.Option(
            "--cents",
            metavar="FIELD",
            help="FIELD's column holds cents (1999 is 19.99) though its name does not say so"
            ' (amount_cents, "MRR (cents)" are read so anyway); repeatable.',
        ),
    ] = None,
    as_json: ImportJson = False,
    db: DbOption = None,
) -> None:
    """Import a file: every row is checked first; any error writes nothing (exit 2)
    and lists the first 20 errors by row (the header is row 1). Re-importing updates
    rows that changed and skips identical ones. The summary reconciles the file
    (accounts by status with their MRR, totals, dates) and names every assumption.
    An accounts file's columns that no field reads are kept as custom fields, each
    typed from its data (number, money, date, yes/no, choice, text), unless
    --drop-extra; a re-import updates their values and keeps the old ones in history."""
    from core.importing import (
        KINDS,
        FileError,
        ImportOptions,
        ImportRejected,
        MappingError,
        import_file,
    )

    if kind.lower() not in KINDS:
        fail(f"cannot import {kind!r}; choose one of: {IMPORT_KINDS}")
    try:
        given = ImportOptions(
            date_format=date_format,
            create_missing_accounts=create_missing_accounts,
            dry_run=dry_run,
            effective=None if effective is None else parse_day(effective, "--effective"),
            header=_header(no_header, columns),
            as_of=None if as_of is None else _export_day(as_of),
            preset=None if no_preset else (preset or "auto"),
            drop_extra=drop_extra,
            skip_without_account=skip_without_account,
            every_row=every_row,
            cents=frozenset(name.strip() for name in cents or []),
        )
        options = _with_mapping(given, maps or [], mapping, values or [])
    except MappingError as error:
        fail(str(error))
    new_book = NewBook(db)  # a book this import creates, taken away if it writes nothing
    engine = open_db(db)
    started = time.perf_counter()
    result: ImportResult | None = None
    try:
        with StageBars(10, _PLAIN_EVERY_ROWS) as progress:
            result = import_file(engine, kind.lower(), file, options, progress)
    except (FileError, MappingError, ImportRejected) as error:
        _say_refused(error, file)
    finally:
        engine.dispose()
    if result is None or dry_run:
        new_book.remove()
    if result is None:
        raise typer.Exit(2)
    rescored = None if dry_run else _rescore_today(db, result)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        if rescored:
            typer.echo(rescored, err=True)
        return
    typer.echo(result.summary())
    for line in result.details():
        typer.echo(f"  {line}")
    typer.echo(f"Columns read: {result.mapping_line()}")
    if result.ignored_columns:
        typer.echo(f"Columns not imported: {', '.join(result.ignored_columns)}")
    read = max(result.rows, result.file_rows)  # an event log's events, not the rows they make
    if not dry_run and read >= _PLAIN_EVERY_ROWS:
        rate = read / max(time.perf_counter() - started, 1e-9)
        typer.echo(f"{rate:,.0f} rows/s")
    if rescored:
        typer.echo(rescored)


def _rescore_today(db: Path | None, result: ImportResult) -> str | None:
    """After an import that wrote rows, today's health scores again when today has
    scores already (``core.health.store.rescore_if_scored``), in words; else None.
    The app's import screen rescores the book after an import; this command did not,
    and the scores of the day stayed those from before it."""
    from core.health.store import rescore_if_scored

    if not (result.inserted or result.updated or result.created_accounts):
        return None
    today = date.today()
    engine = open_db(db)
    try:
        written = rescore_if_scored(engine, today)
    finally:
        engine.dispose()
    if written is None:
        return None
    return (
        f"Health: today's scores computed again for {written:,} live accounts, as the"
        " import changed what they read."
    )


def _say_refused(error: Exception, file: Path) -> None:
    """Why the import was refused, on stderr: the file's or mapping's problems, or the
    first bad rows and how many there are."""
    from core.importing import ImportRejected, MappingError

    if isinstance(error, ImportRejected):
        errors = f"{error.count:,} error{'' if error.count == 1 else 's'}"
        typer.echo(f"cxtui: {file.name}: {errors}; nothing was written.", err=True)
        typer.echo(str(error), err=True)
        return
    problems = error.problems if isinstance(error, MappingError) else [str(error)]
    for problem in problems:
        typer.echo(f"cxtui: {problem}", err=True)
    typer.echo("Nothing was written.", err=True)


def _export_day(text: str) -> date:
    """The day of ``--as-of``: the day the file was exported, which cannot be ahead
    of today (a typo such as 2062 would keep every churned account a customer)."""
    day = parse_day(text)
    if day > date.today():
        fail(
            f"--as-of {day} is after today ({date.today()}): it is the day the file was"
            " exported; --effective gives a day ahead for its changes"
        )
    return day


def _header(no_header: bool, columns: str | None) -> list[str] | None:
    if columns is not None:
        names = [name.strip() for name in columns.split(",")]
        if not all(names) or len(set(names)) != len(names):
            fail(f"--columns {columns!r}: give distinct, non-empty names separated by commas")
        return names
    return [] if no_header else None


ExportSegment = segment_option("Only this segment.")
ExportOwner = owner_option("Only this owner's book.")
ExportBand = band_option("Only green, yellow or red health (accounts, health).")
ExportPeriod = period_option("Metrics: month, quarter, year, 2025-03, 2025-Q1 or FROM..TO.")
ExportSource = source_option("Tasks: rule, follow_up or manual.")
ExportAccounts = Annotated[
    list[str] | None,
    typer.Option(
        "--account",
        metavar="EXTERNAL_ID",
        help="Only the rows of the account of this external id (as the 360 exports them);"
        " repeat for several. Not for metrics or goals, which are the book's.",
    ),
]


def export_command(
    what: Annotated[
        str,
        typer.Argument(
            help="accounts, interactions, goals, metrics, health, tasks, or as cxtui import"
            " reads them: mrr (movements), contacts, usage, surveys, tickets, purchases."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The file: .csv, .xlsx or .parquet.", dir_okay=False)
    ],
    segment: ExportSegment = None,
    owner: ExportOwner = None,
    saved_filter: FilterOption = None,
    band: ExportBand = None,
    period: ExportPeriod = "month",
    months: Annotated[
        int | None, typer.Option("--months", help="Metrics: a monthly series of N months.")
    ] = None,
    source: ExportSource = None,
    account: ExportAccounts = None,
    db: DbOption = None,
) -> None:
    """Export to CSV, XLSX or Parquet (by the file's extension), with the screens' filters."""
    from core.exporting import (
        EXPORTS,
        WHOLE_BOOK,
        ExportError,
        ExportFilters,
        accounts_named,
        export,
        rows_of,
    )

    if what not in EXPORTS:
        fail(f"cannot export {what!r}; choose one of: {', '.join(EXPORTS)}")
    if account and what in WHOLE_BOOK:
        fail(f"--account: {what} are the whole book's, not an account's; leave --account out")
    check_band(band)
    engine = open_book(db)
    scope = book_scope(engine, segment, owner, saved_filter, "the export")
    try:
        ids = accounts_named(engine, account) if account else None
    except ExportError as error:
        engine.dispose()
        fail(f"--account: {error}")
    filters = ExportFilters(
        scope=scope,
        band=band,
        period=period,
        months=months,
        source=source,
        account_ids=ids,
    )
    try:
        rows = export(engine, what, out, filters)
    except (ExportError, ValueError) as error:
        fail(str(error))
    finally:
        engine.dispose()
    typer.echo(f"Exported {rows_of(rows, what)} to {out}.")
