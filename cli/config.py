"""``cxtui config``: where the config files live and what is in force."""

from __future__ import annotations

import json
from typing import Any

import typer

from cli.common import JsonOption

config_app = typer.Typer(
    help="Where cxtui's config files live and what is in force (user, theme, database, "
    "health model, rules, saved filters, the accounts list's columns).",
    no_args_is_help=True,
)


def config_commands(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


@config_app.command("path")
def path_command() -> None:
    """Print the config files' paths: config.toml (user, theme, rules, templates,
    saved filters) and health.toml (the health model)."""
    from core.config.settings import config_path
    from core.health.config import config_path as health_path

    for path in (config_path(), health_path()):
        typer.echo(f"{path}{'' if path.exists() else '  (not written yet: defaults in force)'}")


@config_app.command("show")
def show_command(
    as_json: JsonOption = False,
) -> None:
    """Print what is in force and where each value comes from."""
    in_force = _in_force()
    if as_json:
        typer.echo(json.dumps(in_force, indent=2, ensure_ascii=False))
        return
    from core.text import visible

    width = max(len(key) for key in in_force)
    for key, value in in_force.items():
        typer.echo(f"{key.replace('_', ' '):<{width}}  {visible(str(value))}")


def _in_force() -> dict[str, Any]:
    import os

    from core.config.list_columns import load_list_columns
    from core.config.metric_options import load_metric_options
    from core.config.saved_filters import load_saved_filters
    from core.config.settings import USER_ENV, load_settings
    from core.health.config import load_model
    from core.playbook.rules import load_rules_config
    from core.store.db import DATABASE_URL_ENV, database_url, shown_url

    settings = load_settings()
    if os.environ.get(USER_ENV, "").strip():
        user_from = f"${USER_ENV}"
    elif settings.user:
        user_from = "config.toml"
    else:
        user_from = "the login name (set `user` in config.toml or $CXTUI_USER)"
    model, _warnings = load_model()
    rules = load_rules_config()
    metric_options = load_metric_options()
    list_columns = load_list_columns()
    return {
        "config_file": str(settings.path),
        "problem": "; ".join(
            problem
            for problem in (
                settings.problem,
                settings.warning,
                *metric_options.problems,
                *(() if settings.problem else list_columns.problems),  # said once
            )
            if problem
        )
        or "none",
        "user": settings.author,
        "user_from": user_from,
        "theme": settings.theme,
        "database": shown_url(database_url(None)),
        "database_from": f"${DATABASE_URL_ENV}"
        if os.environ.get(DATABASE_URL_ENV, "").strip()
        else "the default file (or --db PATH per command)",
        "health_model": model.source,
        "health_bands": f"green >= {model.green:g}, yellow >= {model.yellow:g}",
        "rules_on": ", ".join(rules.enabled()) or "none",
        "metrics": ", ".join(
            f"{key} = {'1 / annual churn rate' if value is None else value}"
            for key, value in vars(metric_options.options).items()
        ),
        "saved_filters": ", ".join(load_saved_filters().names()) or "none",
        "accounts_list_columns": ", ".join(list_columns.columns),
    }
