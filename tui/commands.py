"""Command palette providers: jump to any account by part of its name, and run the
app's main actions."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from tui.app import CxtuiApp

if TYPE_CHECKING:
    from core.config.saved_filters import SavedFilter

ACCOUNT_HITS = 30
"""At most this many accounts are offered for one query."""


def _app(provider: Provider) -> CxtuiApp:
    """The provider's app, typed (``Provider.app`` is an ``App[object]``)."""
    app = provider.app
    assert isinstance(app, CxtuiApp)
    return app


class AccountCommands(Provider):
    """Accounts whose name (or external id) contains what is typed."""

    async def search(self, query: str) -> Hits:
        app = _app(self)
        needle = query.strip().lower()
        if app.book is None or len(needle) < 2:
            return
        import polars as pl

        found = app.book.filter(pl.col("search_key").str.contains(needle, literal=True))
        matcher = self.matcher(query)
        hits: list[tuple[float, Any]] = []
        for account_id, name, segment, owner in (
            found.head(500).select("id", "name", "segment", "owner").iter_rows()
        ):
            score = matcher.match(name) or 0.1
            hits.append((score, (account_id, name, segment, owner)))
        hits.sort(key=lambda hit: -hit[0])
        for score, (account_id, name, segment, owner) in hits[:ACCOUNT_HITS]:
            yield Hit(
                score,
                matcher.highlight(name),
                partial(app.open_account, account_id, None),
                text=name,
                help=escape(" · ".join(["Open account", *(p for p in (segment, owner) if p)])),
            )


def _actions(app: CxtuiApp) -> list[tuple[str, str, Any]]:
    actions: list[tuple[str, str, Any]] = [
        ("Go to the dashboard", "Key 1", partial(app.action_go, "dashboard")),
        ("Go to the accounts list", "Key 2", partial(app.action_go, "accounts")),
        ("Go to goals", "Key 3", partial(app.action_go, "goals")),
        ("Go to tasks", "Key 4", partial(app.action_go, "tasks")),
        (
            "Toggle my book",
            "Only my accounts (key m on the list)",
            partial(_on_list, app, "my_book"),
        ),
        ("Filter the accounts", "Key f on the list", partial(_on_list, app, "filters")),
        ("Search the accounts", "Key / on the list", partial(_on_list, app, "search")),
        (
            "Import a file…",
            "Accounts, interactions, usage… from CSV, XLSX, Parquet",
            app.action_import,
        ),
        (
            "Export this view",
            "Key x: what the screen shows, to CSV, XLSX or Parquet",
            app.action_export,
        ),
        ("Run playbook rules", "Turn today's signals into tasks", app.run_rules_now),
        ("Playbook", "The rules: on / off, settings, last run, dry run", app.action_playbook),
        ("Recompute health scores", "Rescore every account now", app.recompute_health_now),
        (
            "Fit the churn model on this book",
            "Each account's churn risk and the renewal forecast come from it",
            app.fit_churn_model,
        ),
        (
            "Fit the health weights on this book",
            "Weights that best predicted past churn, tested beside the ones in force",
            app.fit_health_weights,
        ),
        (
            "Restore the previous health model",
            "The one before the last fit of the weights",
            app.restore_health_model,
        ),
        ("Reload the accounts", "Read the database again", app.reload_book),
    ]  # the keys (?): the system commands' "Keys" (CxtuiApp.get_system_commands)
    return actions + _saved_filter_actions(app)


def _saved_filter_actions(app: CxtuiApp) -> list[tuple[str, str, Any]]:
    """ "Apply saved filter: NAME" for each saved filter of the config file."""
    from core.config.saved_filters import load_saved_filters

    saved = load_saved_filters(app.settings.path)
    return [
        (
            f"Apply saved filter: {name}",
            "; ".join(saved.filters[name].describe()) or "all accounts",
            partial(_apply_saved, app, saved.filters[name]),
        )
        for name in saved.names()
    ]


def _apply_saved(app: CxtuiApp, saved: SavedFilter) -> None:
    """Show the accounts list narrowed by ``saved`` (its search and my book kept)."""
    from tui.screens.accounts import AccountsScreen

    def apply() -> None:
        from tui.screens.filters import saved_filter_applied

        screen = app.screen
        if isinstance(screen, AccountsScreen):
            narrowed = saved_filter_applied(app, saved, screen.custom_fields(), screen.where)
            if narrowed is not None:
                screen.apply_filter(narrowed)

    app.action_go("accounts")
    app.call_after_refresh(apply)


def _on_list(app: CxtuiApp, action: str) -> None:
    app.action_go("accounts")
    app.call_after_refresh(lambda: getattr(app.screen, f"action_{action}")())


class ActionCommands(Provider):
    async def discover(self) -> Hits:
        for name, help_text, callback in _actions(_app(self)):
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in _actions(_app(self)):
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
