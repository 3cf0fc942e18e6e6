"""``o`` on the account 360: set or end a health override (score or band, reason,
expiry), through core.health."""

from __future__ import annotations

from datetime import date, timedelta

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from core.accounts.queries import BANDS, AccountDetail
from core.dates import day_label, parse_day
from core.health.in_force import health_words
from core.text import visible
from tui.screens.dialog import Dialog

FIELD_INPUTS = {
    "score": "#score",
    "band": "#band",
    "reason": "#reason",
    "expires_on": "#expires",
}
"""The input of each argument of core.health.overrides.set_override."""


class OverrideScreen(Dialog[bool]):
    """Dismissed with True when an override was set or ended."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="override.cancel"),
        Binding("ctrl+s", "save", "Save", id="override.save"),
        Binding("q", "app.quit", "Quit", id="override.quit", show=False),
    ]

    def __init__(self, detail: AccountDetail) -> None:
        super().__init__()
        self.detail = detail
        self._initial: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        today: date = self.app.today
        account = self.detail.account
        current = self.detail.override
        with Vertical(classes="dialog", id="override"):
            yield Static(
                f"Health override: {visible(account['name'])}",
                classes="dialog-title",
                markup=False,
            )
            yield Static(
                f"Computed score: {_computed(self.detail)}"
                + (
                    f"\nActive override: {_shown(current)}, "
                    f'"{visible(current["reason"])}" until {current["expires_on"]}'
                    if current
                    else ""
                ),
                classes="dialog-text",
                markup=False,
            )
            with Horizontal(classes="form-row"):
                yield Label("Score (0-100)", markup=False)
                yield Input(placeholder="e.g. 35", type="number", id="score")
                yield Label("or band", markup=False)
                yield Select([(band, band) for band in BANDS], prompt="none", id="band")
            yield Label("Reason", markup=False)
            yield Input(placeholder="Why the computed score is wrong", id="reason")
            yield Label(day_label("Expires on"), markup=False)
            yield Input((today + timedelta(days=30)).isoformat(), id="expires")
            yield Static("", id="override-error", classes="dialog-text", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                if current:
                    yield Button("End override", variant="warning", id="end")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._initial = self._values()
        self.query_one("#score", Input).focus()

    def _values(self) -> tuple[object, ...]:
        return (
            *(self.query_one(f"#{name}", Input).value for name in ("score", "reason", "expires")),
            self.query_one("#band", Select).value,
        )

    @property
    def unsaved(self) -> bool:
        """True when something was typed or picked (escape and quitting ask first)."""
        return self._initial is not None and self._values() != self._initial

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def action_save(self) -> None:
        score_text = self.query_one("#score", Input).value.strip()
        band = self.query_one("#band", Select).value
        try:
            score = float(score_text) if score_text else None
        except ValueError:
            self._problem(f'The score "{score_text}" is not a number from 0 to 100', "score")
            return
        try:
            expires = parse_day(self.query_one("#expires", Input).value, self.app.today, "Expiry")
        except ValueError as error:
            self._problem(str(error), "expires_on")
            return
        self.write(
            score=score,
            band=band if isinstance(band, str) else None,
            reason=self.query_one("#reason", Input).value,
            expires_on=expires,
        )

    @on(Button.Pressed, "#end")
    def _end(self) -> None:
        self.write(end=True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        from tui.screens.confirm import close_form

        close_form(self, self.unsaved, False)

    def _problem(self, text: str, field: str | None = None) -> None:
        """Say what is wrong, and put the cursor in the field at fault (``field``:
        a HealthOverrideError's), so that what is typed next goes there."""
        error = self.query_one("#override-error", Static)
        error.update(text)
        if field in FIELD_INPUTS:
            self.query_one(FIELD_INPUTS[field]).focus()
        self.call_after_refresh(error.scroll_visible, animate=False)

    @work(thread=True, exclusive=True, exit_on_error=False, group="override")
    def write(
        self,
        score: float | None = None,
        band: str | None = None,
        reason: str = "",
        expires_on: date | None = None,
        end: bool = False,
    ) -> None:
        from core.health.overrides import HealthOverrideError, end_override, set_override

        app = self.app
        engine = app.database
        user = app.settings.author
        account_id = self.detail.account["id"]
        try:
            if end:
                end_override(engine, account_id, ended_by=user, as_of=app.today)
            else:
                set_override(
                    engine,
                    account_id,
                    reason=reason,
                    score=score,
                    band=band,
                    expires_on=expires_on,
                    set_by=user,
                    as_of=app.today,
                )
        except HealthOverrideError as error:
            app.call_from_thread(self._problem, str(error), error.field)
            return
        app.call_from_thread(self._saved)

    def _saved(self) -> None:
        self.dismiss(True)


def _computed(detail: AccountDetail) -> str:
    """The computed score and band, or why there is none."""
    health = detail.health
    if detail.account["status"] == "churned":
        return "none: health is scored for live accounts only"
    if health is None:
        return "none yet"
    if health["score"] is None:
        return "none, not enough signals yet"
    return health_words(health["score"], health["band"])


def _shown(override: dict[str, object]) -> str:
    """An override's score and band as set: "0 red", "35 yellow", "green"."""
    score = override["score"]
    parts = ["" if score is None else f"{score:g}", str(override["band"] or "")]
    return " ".join(part for part in parts if part)
