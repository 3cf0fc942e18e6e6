"""The ``cxtui`` command. Imports stay light so that ``cxtui`` starts fast: each
command imports the core it needs when it runs."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import DbOption, fail
from cli.config import config_commands
from cli.data import data_commands
from cli.filters import filter_commands
from cli.goals import goal_commands
from cli.health import health_commands
from cli.log import log_commands
from cli.metrics import metrics_commands
from cli.tasks import task_commands
from cli.transfer import transfer_commands

app = typer.Typer(
    help="cxtui: a customer-success workspace in the terminal.",
    add_completion=False,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
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
) -> None:
    """Open the app (on the default database, --db PATH, or CXTUI_DATABASE_URL)."""
    if ctx.invoked_subcommand is not None:
        _warn_about_config_permissions()
        return
    from core.store.db import database_url

    if demo:
        if db is not None:
            fail("--demo opens its own fresh copy; use `cxtui demo --db PATH` to fill a file.")
        url = _fresh_demo_database()
    else:
        url = database_url(db)
    from tui.app import make_app

    make_app(url).run()


def _warn_about_config_permissions() -> None:
    """A config file anyone may change is used, with a warning on stderr naming it
    (the app says it in a notification instead)."""
    from core.config.file import permission_warning
    from core.config.settings import config_path

    warning = permission_warning(config_path().parent)
    if warning:
        typer.echo(f"cxtui: warning: {warning}", err=True)


def _fresh_demo_database() -> str:
    from core.store.db import default_db_path, open_engine, sqlite_url
    from sample_data import load_demo

    path = default_db_path().with_name("demo.db")
    for stale in (path, path.with_name("demo.db-wal"), path.with_name("demo.db-shm")):
        stale.unlink(missing_ok=True)
    url = sqlite_url(path)
    engine = open_engine(url)
    load_demo(engine)
    engine.dispose()
    return url


def run() -> None:
    app()
