"""``cxtui filters``: the saved filters of the config file (list, show, delete).

A saved filter is made in the app (the accounts list's filter form, ``f``, "Save
as…") or written by hand as a ``[filters.NAME]`` table; ``cxtui metrics --filter
NAME`` computes the metrics of its accounts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import JsonOption, fail

if TYPE_CHECKING:
    from core.config.saved_filters import SavedFilter, SavedFilters

filters_app = typer.Typer(
    help="Saved filters: named account filters for the accounts list and `metrics --filter`.",
    no_args_is_help=True,
)


def filter_commands(app: typer.Typer) -> None:
    app.add_typer(filters_app, name="filters")


def _load() -> SavedFilters:
    """The saved filters, each problem of the file reported on stderr."""
    from core.config.saved_filters import load_saved_filters

    saved = load_saved_filters()
    for problem in saved.problems:
        typer.echo(f"cxtui: {problem}", err=True)
    return saved


def _get(name: str) -> SavedFilter:
    from core.config.saved_filters import UnknownFilterError, get_filter

    try:
        return get_filter(name)
    except (UnknownFilterError, ValueError) as error:
        fail(str(error))


def _document(saved: SavedFilter) -> dict[str, object]:
    return {"name": saved.name, **saved.as_dict()}


def _parts(saved: SavedFilter) -> tuple[str, str]:
    """(what scopes metrics and the list, what narrows the list only), in words."""
    from core.config.saved_filters import LIST_ONLY_KEYS, SCOPE_KEYS

    return (
        "; ".join(saved.describe(SCOPE_KEYS)) or "all accounts",
        "; ".join(saved.describe(LIST_ONLY_KEYS)) or "—",
    )


@filters_app.command("list")
def list_filters(as_json: JsonOption = False) -> None:
    """Every saved filter, by name: what it keeps."""
    saved = _load()
    chosen = [saved.filters[name] for name in saved.names()]
    if as_json:
        typer.echo(json.dumps([_document(item) for item in chosen], ensure_ascii=False))
        return
    if not chosen:
        typer.echo(
            "No saved filters. Save one from the accounts list's filter form (f, then "
            f"Save as…), or write a [filters.NAME] table in {saved.path}."
        )
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from core.text import visible

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("Name")
    table.add_column("Accounts (list and metrics)")
    table.add_column("Accounts list only")
    for item in chosen:
        # Text, never markup: names and segments are the user's and the book's words
        table.add_row(*(Text(visible(cell)) for cell in (item.name, *_parts(item))))
    Console(soft_wrap=False, highlight=False).print(table)


@filters_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The saved filter's name.")],
    as_json: JsonOption = False,
) -> None:
    """One saved filter: what it keeps, and which parts narrow the accounts list only."""
    saved = _get(name)
    if as_json:
        typer.echo(json.dumps(_document(saved), ensure_ascii=False))
        return
    scoping, list_only = _parts(saved)
    typer.echo(f"{saved.name}")
    typer.echo(f"  accounts (list and metrics): {scoping}")
    typer.echo(f"  accounts list only:          {list_only}")


@filters_app.command("delete")
def delete(name: Annotated[str, typer.Argument(help="The saved filter's name.")]) -> None:
    """Remove a saved filter from the config file (every other line is kept)."""
    from core.config.saved_filters import UnknownFilterError, delete_filter

    try:
        delete_filter(name)
    except (UnknownFilterError, ValueError) as error:
        fail(str(error))
    typer.echo(f"Deleted the saved filter {name!r}.")
