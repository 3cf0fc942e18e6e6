"""Every option that takes a day shows a day in the help: 'cxtui tasks --help' read
'--as-of <str>' (and forecast, rules run, health, task and model commands, log's
--when and --follow-up, health override's --expires) where metrics and import read
'--as-of YYYY-MM-DD'."""

from __future__ import annotations

import click
import typer

from cli.main import app

DAY_OPTIONS = {"--as-of", "--effective", "--from", "--due", "--expires", "--follow-up", "--when"}


def _metavars(command: click.Command, path: list[str], ctx: click.Context) -> list[tuple]:
    """(command, option, metavar) of every day option under ``command``."""
    found = []
    for name, sub in getattr(command, "commands", {}).items():
        found += _metavars(sub, [*path, name], click.Context(sub, parent=ctx, info_name=name))
    for param in command.params:
        if param.param_type_name == "option" and DAY_OPTIONS & set(param.opts):
            found.append((" ".join(path), param.opts[0], param.make_metavar(ctx)))
    return found


def test_every_day_option_shows_a_day() -> None:
    root = typer.main.get_command(app)
    shown = _metavars(root, [], click.Context(root, info_name="cxtui"))
    assert len(shown) >= 20  # tasks, forecast, rules run, health, task, model, log, goal...
    assert [item for item in shown if item[2] not in ("YYYY-MM-DD", "DAY", "WHEN")] == []
    assert ("tasks", "--as-of", "YYYY-MM-DD") in shown
