"""The ``cxtui`` command. Imports stay light so that ``cxtui`` starts fast: each
command imports the core it needs when it runs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.assistant import assistant_commands
from cli.book_copy import copy_commands
from cli.common import DbOption, fail
from cli.config import config_commands
from cli.data import data_commands
from cli.filters import filter_commands
from cli.goals import goal_commands
from cli.health import health_commands
from cli.log import log_commands
from cli.metrics import metrics_commands
from cli.model import model_commands
from cli.serve import serve_commands
from cli.start import open_app
from cli.tasks import task_commands
from cli.transfer import transfer_commands

HELP_NAMES = ["-h", "--help"]
app = typer.Typer(
    help="cxtui: a customer-success workspace in the terminal.",
    add_completion=False,
    no_args_is_help=False,
    context_settings={"help_option_names": HELP_NAMES},
    rich_markup_mode="markdown",  # docstrings are wrapped to the terminal, not at their newlines
)
data_commands(app)
transfer_commands(app)
copy_commands(app)
goal_commands(app)
health_commands(app)
metrics_commands(app)
log_commands(app)
task_commands(app)
filter_commands(app)
config_commands(app)
assistant_commands(app)
serve_commands(app)
model_commands(app)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"cxtui {version('cxtui')}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    db: DbOption = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Open the app on a fresh copy of the demo book.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
    serve_session: Annotated[bool, typer.Option("--serve-session", hidden=True)] = False,
) -> None:
    """Open the app (on the default database, --db PATH, or CXTUI_DATABASE_URL)."""
    if ctx.invoked_subcommand is not None:
        _warn_about_config_permissions()
        if db is not None:  # `cxtui --db PATH metrics` as `cxtui metrics --db PATH`
            ctx.default_map = _db_default(ctx.command, str(db))
        return
    if serve_session:  # started by `cxtui serve` ahead of a browser tab
        from cli.serve_session import wait_for_tab

        if not wait_for_tab():
            return
    if demo and db is not None:
        fail("--demo opens its own fresh copy; use `cxtui demo --db PATH` to fill a file.")
    open_app(db, demo)


def _db_default(command: Any, db: str) -> dict[str, Any]:
    """Click's default values giving every command below ``command`` the --db
    ``db`` (a --db given after the command still wins)."""
    commands = getattr(command, "commands", {})
    return {"db": db} | {name: _db_default(sub, db) for name, sub in commands.items()}


def _warn_about_config_permissions() -> None:
    """A config file anyone may change is used, with a warning on stderr naming it
    (the app says it in a notification instead)."""
    from core.config.file import permission_warning
    from core.config.settings import config_path

    warning = permission_warning(config_path().parent)
    if warning:
        typer.echo(f"cxtui: warning: {warning}", err=True)


def run() -> None:
    """The commands, their flags shown as flags (the console script, ``cli.start``,
    comes here for anything but the app alone)."""
    command = typer.main.get_command(app)
    _flags_without_types(command)
    command()


def _flags_without_types(command: Any) -> None:
    """``--json`` is a flag: its help shows no ``<bool>`` type (typer shows one for
    every option); done once here for every command, through the options' public
    ``metavar``."""
    import click

    help_option = command.get_help_option(click.Context(command, help_option_names=HELP_NAMES))
    for param in [*command.params, help_option]:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _flags_without_types(sub)
