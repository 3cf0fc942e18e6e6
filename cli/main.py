"""The ``cxtui`` command. Imports stay light so that ``cxtui`` starts fast: each
command imports the core it needs when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.assistant import assistant_commands
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
        return
    if serve_session:  # started by `cxtui serve` ahead of a browser tab
        from cli.serve_session import wait_for_tab

        if not wait_for_tab():
            return
    if demo and db is not None:
        fail("--demo opens its own fresh copy; use `cxtui demo --db PATH` to fill a file.")
    open_app(db, demo)


def open_app(db: Path | None, demo: bool = False) -> None:
    """The app on ``db`` (else the default database), or on a fresh copy of the demo
    book; the process ends with it."""
    from tui.app import make_app

    if not demo:
        from core.store.urls import database_url

        make_app(database_url(db), ask_user=True).run()
        _end_now()
    import shutil

    from sample_data import fresh_demo_database

    url, folder = fresh_demo_database()
    try:
        make_app(url).run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _end_now()


def _end_now() -> None:
    """After the app: end the process at once. By then every write is done (the
    app's workers ran in asyncio's executor, which its loop shut down and joined
    before ``run`` returned); what is left is Python's teardown of every module
    and frame, about 0.4 s after the screen is gone (benchmarks/startup.py).
    Logs and output are flushed first. Should asyncio's worker threads still be
    alive (a Textual that no longer runs the app with ``asyncio.run``), the usual
    exit waits for them instead."""
    import logging
    import os
    import sys
    import threading

    if any(thread.name.startswith("asyncio_") for thread in threading.enumerate()):
        return
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _warn_about_config_permissions() -> None:
    """A config file anyone may change is used, with a warning on stderr naming it
    (the app says it in a notification instead)."""
    from core.config.file import permission_warning
    from core.config.settings import config_path

    warning = permission_warning(config_path().parent)
    if warning:
        typer.echo(f"cxtui: warning: {warning}", err=True)


def run() -> None:
    """The ``cxtui`` console script: the commands, their flags shown as flags. The
    app alone (``cxtui``, ``cxtui --db PATH``, ``cxtui --demo``) starts without
    building the commands: typer building them and checking the arguments cost
    ~0.3 s before the app's first frame."""
    import sys

    app_only = _app_arguments(sys.argv[1:])
    if app_only is not None:
        open_app(*app_only)
        return

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


def _app_arguments(arguments: list[str]) -> tuple[Path | None, bool] | None:
    """``--db`` and ``--demo`` when ``arguments`` only open the app (nothing else,
    each at most once, a path that is not a flag), else None: typer reads them."""
    if arguments == ["--demo"]:
        return None, True
    if not arguments:
        return None, False
    path = None
    if len(arguments) == 2 and arguments[0] == "--db" and not arguments[1].startswith("-"):
        path = arguments[1]
    elif len(arguments) == 1 and arguments[0].startswith("--db="):
        path = arguments[0].removeprefix("--db=")
    if not path or Path(path).is_dir():  # typer says what is wrong with it
        return None
    return Path(path), False
