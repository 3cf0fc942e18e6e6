"""The filter form (``f`` on the accounts list): segment, owner, plan, health band, status,
renewal within N days, no interaction for N days, set to cancel at renewal, a condition
on a custom field (its name, and a value: ``Month-to-month``, ``yes``, ``>= 12``,
``<= 2026-01-31``; the conditions in force are listed, space drops one); saved filters
to apply, and "Save as…" to name the form's filters (``core.config.saved_filters``, in
the config file)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from textual import getters, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from core.accounts.queries import HEALTH_CHOICES, AccountFilter, choices
from core.config.saved_filters import (
    SavedFilter,
    SavedFilters,
    load_saved_filters,
    name_problem,
    save_filter,
)
from tui.app import CxtuiApp
from tui.format import literal
from tui.screens.confirm import close_form
from tui.screens.dialog import KeysModal

if TYPE_CHECKING:
    import polars as pl
    from textual.widget import Widget

    from core.accounts.field_views import FieldCondition
    from core.config.saved_filters import SavedFilter

LISTS = (
    ("segments", "segment", "Segment"),
    ("owners", "owner", "Owner"),
    ("plans", "plan", "Plan"),
    ("bands", "health_band", "Health"),
    ("statuses", "status", "Status"),
)
NO_SAVED = "No saved filters yet: choose filters above, type a name and press Save as…"


def saved_filter_applied(
    widget: Widget, saved: SavedFilter, fields: pl.DataFrame, where: AccountFilter
) -> AccountFilter | None:
    """``where`` narrowed by ``saved``, its conditions on custom fields checked
    against the book's ``fields``; None, and a notification on ``widget`` saying
    why, when one names an unknown field or a value that does not fit it."""
    from core.accounts.field_views import resolve_rules

    try:
        conditions = resolve_rules(fields, saved.fields) if saved.fields else ()
    except (KeyError, ValueError) as error:  # UnknownField, FieldValueError
        widget.notify(
            f"The saved filter {saved.name!r} is not applied: {error}",
            title="Saved filters",
            severity="error",
        )
        return None
    return saved.account_filter(where, conditions)


class FiltersScreen(KeysModal[AccountFilter | None]):
    app = getters.app(CxtuiApp)

    CSS_PATH = "filters.tcss"
    # Below 120 columns the five lists take three rows, the inputs a line each
    # (filters.tcss): side by side, owners' names and the last inputs were cut off.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filters.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filters.apply"),
        Binding("ctrl+r", "clear", "Clear all", id="filters.clear"),
        Binding("ctrl+n", "save_as", "Save as…", id="filters.save_as", show=False),
    ]

    def __init__(self, book: pl.DataFrame, where: AccountFilter, fields: pl.DataFrame) -> None:
        """``fields``: the book's custom fields (``core.accounts.fields.custom_fields``)."""
        super().__init__()
        self.book = book
        self.where = where
        self.fields = fields
        self.saved: SavedFilters | None = None

    @property
    def config_path(self) -> Path | None:
        """The app's config file (None: the default one)."""
        return self.app.settings.path

    def compose(self) -> ComposeResult:
        with Vertical(id="filters"):
            yield Static("Filters", id="filters-title", markup=False)
            with Horizontal(id="filter-lists"):
                for field, column, label in LISTS:
                    values = (
                        list(HEALTH_CHOICES)
                        if column == "health_band"
                        else choices(self.book, column)
                    )
                    chosen = getattr(self.where, field)
                    with Vertical(classes="filter-list"):
                        # an empty box read as still loading (the Telco sample's segment):
                        # the words say there is none, and no box is drawn
                        yield Label(
                            label if values else f"{label}: none in this book", markup=False
                        )
                        box = SelectionList[str](
                            *[
                                (literal(value, wrap=True), value, value in chosen)
                                for value in values
                            ],
                            id=field,
                            disabled=not values,
                        )
                        box.display = bool(values)
                        yield box
            with Horizontal(id="filter-days", classes="filter-row"):
                yield Label("Renewal within (days)", markup=False)
                yield _days_input(self.where.renewal_within_days, "renewal")
                yield Label("No interaction for (days)", markup=False)
                yield _days_input(self.where.no_interaction_days, "quiet")
                yield Checkbox(
                    "Set to cancel at renewal", self.where.set_to_cancel, id="cancelling"
                )
            with Horizontal(id="filter-field", classes="filter-row"):
                yield Label("Custom field", markup=False)
                yield Input(
                    placeholder="none yet" if self.fields.is_empty() else "a field, e.g. tenure",
                    suggester=SuggestFromList(self.fields["name"], case_sensitive=False),
                    id="field-name",
                )
                yield Label("is", markup=False)
                yield Input(placeholder="a value, or >= 12, <= 2026-01-31", id="field-value")
            yield SelectionList[int](
                *[
                    (literal(c.describe(), wrap=True), index, True)
                    for index, c in enumerate(self.where.fields)
                ],
                id="field-conditions",
            )
            yield Static("", id="field-error", markup=False)
            yield Label(
                "Saved filters (enter applies one; the search and my book stay as they are)",
                markup=False,
            )
            yield OptionList(id="saved")
            yield Static("", id="saved-problems", markup=False)
            with Horizontal(id="save-row"):
                yield Label("Save these filters as", markup=False)
                yield Input(placeholder="a name, e.g. Renewals at risk", id="save-name")
                yield Button("Save as… (ctrl+n)", id="save")
            yield Static("", id="save-error", markup=False)
            with Horizontal(id="filter-buttons"):
                yield Button("Apply (ctrl+s)", variant="primary", id="apply")
                yield Button("Clear all (ctrl+r)", id="clear")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._show_saved()
        self.query_one("#field-conditions").display = bool(self.where.fields)
        lists = [box for box in self.query("#filter-lists SelectionList") if not box.disabled]
        if lists:
            lists[0].focus()

    def _show_saved(self) -> None:
        """Read the saved filters again and list them (a tiny file: read here)."""
        self.saved = load_saved_filters(self.config_path)
        options = self.query_one("#saved", OptionList)
        options.clear_options()
        for name in self.saved.names():
            parts = "; ".join(self.saved.filters[name].describe()) or "all accounts"
            options.add_option(Option(literal(f"{name}  ·  {parts}", wrap=True), id=name))
        if self.saved.filters:
            options.highlighted = 0  # tab to the list, enter: the first one applies
        else:
            options.add_option(Option(NO_SAVED, id="", disabled=True))
        problems = self.query_one("#saved-problems", Static)
        problems.update("\n".join(self.saved.problems))
        problems.display = bool(self.saved.problems)

    def _form(self) -> AccountFilter:
        """What the form holds; ValueError (in words) for a condition on a custom
        field that does not fit."""
        values = {
            field: frozenset(self.query_one(f"#{field}", SelectionList).selected)
            for field, _column, _label in LISTS
        }
        return replace(
            self.where,
            **values,
            renewal_within_days=_days(self.query_one("#renewal", Input).value),
            no_interaction_days=_days(self.query_one("#quiet", Input).value),
            set_to_cancel=self.query_one("#cancelling", Checkbox).value,
            fields=self._field_conditions(),
        )

    def _field_conditions(self) -> tuple[FieldCondition, ...]:
        """The conditions in force still ticked, and the one typed (if any)."""
        from core.accounts.field_views import parse_condition

        ticked = self.query_one("#field-conditions", SelectionList).selected
        kept = [self.where.fields[index] for index in sorted(ticked)]
        name = self.query_one("#field-name", Input).value.strip()
        value = self.query_one("#field-value", Input).value
        if name or value.strip():
            try:
                kept.append(parse_condition(self.fields, name, value))
            except KeyError as error:  # UnknownField: back to the name
                self.query_one("#field-name", Input).focus()
                raise ValueError(str(error)) from None
            except ValueError:  # FieldValueError: back to the value
                self.query_one("#field-value", Input).focus()
                raise
        return tuple(dict.fromkeys(kept))

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted, "#renewal, #quiet, #field-name, #field-value")
    def action_apply(self) -> None:
        try:
            form = self._form()
        except ValueError as error:
            self._field_problem(str(error))
            return
        self.dismiss(form)

    def _field_problem(self, text: str) -> None:
        """Say what is wrong with the condition typed (``_field_conditions`` went back
        to the part at fault)."""
        self.query_one("#field-error", Static).update(text)

    @on(Input.Changed, "#field-name, #field-value")
    def _field_changed(self) -> None:
        self.query_one("#field-error", Static).update("")

    @on(Button.Pressed, "#clear")
    def action_clear(self) -> None:
        self.dismiss(AccountFilter(search=self.where.search, my_book=self.where.my_book))

    @property
    def unsaved(self) -> bool:
        """Whether the form holds a change to the filter in force (or a condition
        typed that does not fit), which escape would lose."""
        try:
            return self._form() != self.where
        except ValueError:
            return True

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        close_form(self, self.unsaved, None)

    @on(OptionList.OptionSelected, "#saved")
    def _apply_saved(self, event: OptionList.OptionSelected) -> None:
        if self.saved is None or event.option.id not in self.saved.filters:
            return
        narrowed = saved_filter_applied(
            self, self.saved.filters[event.option.id], self.fields, self.where
        )
        if narrowed is not None:
            self.dismiss(narrowed)

    # ------------------------------------------------------------ save as…

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#save-name")
    def action_save_as(self) -> None:
        name = self.query_one("#save-name", Input).value.strip()
        problem = name_problem(name)
        try:
            form = self._form()
        except ValueError as error:
            self._field_problem(str(error))
            return
        chosen = SavedFilter.from_account_filter(name, form)
        if problem is None and chosen.is_empty:
            problem = "choose at least one filter above first: an empty filter keeps everything"
        if problem is not None:
            self._save_problem(problem)
            self.query_one("#save-name", Input).focus()
            return
        if self.saved is not None and name in self.saved.filters:
            from tui.screens.confirm import ConfirmScreen

            def answered(replace_it: bool | None) -> None:
                if replace_it:
                    self._write(chosen)

            self.app.push_screen(
                ConfirmScreen(f"A saved filter called {name!r} exists. Replace it?", yes="Replace"),
                answered,
            )
            return
        self._write(chosen)

    def _write(self, chosen: SavedFilter) -> None:
        try:
            replaced = save_filter(chosen, self.config_path)
        except (OSError, ValueError) as error:
            self._save_problem(f"Not saved: {error}")
            return
        self._save_problem("")
        self.query_one("#save-name", Input).value = ""
        self._show_saved()
        self.notify(
            f"{'Replaced' if replaced else 'Saved'} the filter {chosen.name!r}: "
            f"{'; '.join(chosen.describe())}",
            title="Saved filters",
        )

    def _save_problem(self, text: str) -> None:
        self.query_one("#save-error", Static).update(text)

    @on(Input.Changed, "#save-name")
    def _name_changed(self) -> None:
        self._save_problem("")


def _days_input(days: int | None, id: str) -> Input:
    """A number of days, empty for any."""
    return Input("" if days is None else str(days), placeholder="any", type="integer", id=id)


def _days(text: str) -> int | None:
    text = text.strip()
    return max(0, int(text)) if text.lstrip("-").isdigit() else None
