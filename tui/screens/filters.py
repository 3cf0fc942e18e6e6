"""The filter form (``f`` on the accounts list): segment, owner, health band, status,
renewal within N days, no interaction for N days."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static

from core.accounts import BANDS, AccountFilter, choices

if TYPE_CHECKING:
    import polars as pl

LISTS = (
    ("segments", "segment", "Segment"),
    ("owners", "owner", "Owner"),
    ("bands", "health_band", "Health"),
    ("statuses", "status", "Status"),
)


class FiltersScreen(ModalScreen[AccountFilter | None]):
    CSS_PATH = "filters.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
        Binding("ctrl+r", "clear", "Clear all", id="filters.clear"),
    ]

    def __init__(self, book: pl.DataFrame, where: AccountFilter) -> None:
        super().__init__()
        self.book = book
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="filters"):
            yield Static("Filters", id="filters-title")
            with Horizontal(id="filter-lists"):
                for field, column, label in LISTS:
                    values = list(BANDS) if column == "health_band" else choices(self.book, column)
                    chosen = getattr(self.where, field)
                    with Vertical(classes="filter-list"):
                        yield Label(label)
                        yield SelectionList[str](
                            *[(value, value, value in chosen) for value in values],
                            id=field,
                        )
            with Horizontal(id="filter-days"):
                yield Label("Renewal within (days)")
                yield Input(
                    _text(self.where.renewal_within_days),
                    placeholder="any",
                    type="integer",
                    id="renewal",
                )
                yield Label("No interaction for (days)")
                yield Input(
                    _text(self.where.no_interaction_days),
                    placeholder="any",
                    type="integer",
                    id="quiet",
                )
            with Horizontal(id="filter-buttons"):
                yield Button("Apply (ctrl+s)", variant="primary", id="apply")
                yield Button("Clear all (ctrl+r)", id="clear")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#segments", SelectionList).focus()

    def _form(self) -> AccountFilter:
        values = {
            field: frozenset(self.query_one(f"#{field}", SelectionList).selected)
            for field, _column, _label in LISTS
        }
        return replace(
            self.where,
            **values,
            renewal_within_days=_days(self.query_one("#renewal", Input).value),
            no_interaction_days=_days(self.query_one("#quiet", Input).value),
        )

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted)
    def action_apply(self) -> None:
        self.dismiss(self._form())

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.dismiss(AccountFilter(search=self.where.search, my_book=self.where.my_book))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def _text(days: int | None) -> str:
    return "" if days is None else str(days)


def _days(text: str) -> int | None:
    text = text.strip()
    return max(0, int(text)) if text.lstrip("-").isdigit() else None
