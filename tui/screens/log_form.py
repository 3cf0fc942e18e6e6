"""``l``: log a call, email, meeting, QBR, note or survey answer for an account, or
(with ``entry=``) edit a logged interaction or survey answer (an interaction stays
an interaction, an answer an answer). Validation is core.interactions' ``validate``
(through ``log_entry`` / ``edit_entry``), shown next to each
field; an invalid form writes nothing and keeps what was typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label, Static, TextArea

from core.dates import DAY_HINT
from core.interactions import (
    EntryForm,
    FieldError,
    InvalidInput,
    contact_names,
    edit_entry,
    kind_words,
    local_now,
    log_entry,
)
from core.interactions.templates import Template, Templates, load_templates
from core.models import Interaction, SurveyResponse
from core.text import visible
from tui.messages import BookChanged
from tui.screens.dialog import Dialog, save_cancel_bindings
from tui.screens.revisions import FIELD_LABELS

if TYPE_CHECKING:
    from core.interactions import Source

SURVEY = "survey"
KINDS = [
    ("call", "Call"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("qbr", "QBR"),
    ("note", "Note"),
    ("referral", "Referral"),
    ("training", "Training completed"),
    ("community", "Forum or community event"),
    (SURVEY, "Survey answer"),
]
SURVEY_KINDS = [("nps", "NPS (0-10)"), ("csat", "CSAT (1-5)")]
SENTIMENTS = [
    ("", "none"),
    ("negative", "negative"),
    ("neutral", "neutral"),
    ("positive", "positive"),
]
# Where each field's error is shown; anything else goes under the form.
ERROR_FIELDS = ("kind", "when", "contact", "summary", "sentiment", "follow_up", "score")
FOCUS_OF = {"follow_up": "follow-up", "kind": "kind"}
INTERACTION_FIELDS = ("summary", "notes", "sentiment", "follow_up")
SURVEY_FIELDS = ("score", "comment")
"""The EntryForm fields of one kind only (the form shows one kind's at a time)."""


def app_now(today: date) -> datetime:
    """Now, in the user's time zone, on the app's day (tests pin ``today``)."""
    now = local_now()
    return now if now.date() == today else datetime.combine(today, now.timetz())


class Choice(Widget, can_focus=True):
    """One of a few options on one line: left / right move, a letter picks the next
    option starting with it (``keys`` adds other shortcuts, e.g. "+" for positive).
    A letter or Enter also says the choice is made: ``on_pick`` is called at once (not
    through a message), so that the keys typed right after it go where it moves the
    focus."""

    DEFAULT_CSS = """
    Choice { height: auto; width: 1fr; }
    Choice:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "Previous", id="choice.previous", show=False),
        Binding("right", "move(1)", "Next", id="choice.next", show=False),
    ]

    @dataclass
    class Changed(Message):
        choice: Choice
        value: str

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(
        self,
        options: list[tuple[str, str]],
        value: str | None = None,
        keys: dict[str, str] | None = None,
        id: str | None = None,
        on_pick: Callable[[Choice], None] | None = None,
    ) -> None:
        super().__init__(id=id)
        self.options = options
        self.keys = keys or {}
        self.on_pick = on_pick
        self.index = next((i for i, (v, _) in enumerate(options) if v == value), 0)

    @property
    def value(self) -> str:
        return self.options[self.index][0]

    @value.setter
    def value(self, value: str) -> None:
        self._select(next(i for i, (v, _) in enumerate(self.options) if v == value))

    def render(self) -> Text:
        text = Text()
        for line in self._lines(self.size.width):
            if text:
                text.append("\n")
            for index in line:
                label = self.options[index][1]
                style = "reverse bold" if index == self.index else ""
                text.append(" ")
                text.append(label[0], style=f"{style} underline".strip())
                text.append(label[1:] + " ", style=style)
                text.append(" ")
        return text

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines(width))

    def _lines(self, width: int) -> list[list[int]]:
        """The options' indexes line by line: each option whole (" Label  ", its
        label's length plus 3), on the next line when this one is full."""
        lines: list[list[int]] = [[]]
        used = 0
        for index, (_value, label) in enumerate(self.options):
            size = len(label) + 3
            if lines[-1] and used + size > width:
                lines.append([])
                used = 0
            lines[-1].append(index)
            used += size
        return lines

    def _select(self, index: int) -> None:
        if index != self.index:
            self.index = index
            self.refresh()
            self.post_message(self.Changed(choice=self, value=self.value))

    def action_move(self, step: int) -> None:
        self._select((self.index + step) % len(self.options))

    def action_pick(self) -> None:
        if self.on_pick is not None:
            self.on_pick(self)

    def key_first(self, event: events.Key) -> bool:
        """Handle a letter (or Enter) as soon as the app receives it, before the next
        key is routed (``CxtuiApp.on_event``): a pick may move the focus, and a fast
        typist's next keys belong to the field it moves to. True when handled."""
        if event.key == "enter":
            self.action_pick()
            return self.on_pick is not None
        char = (event.character or "").lower()
        if not char or not char.isprintable() or char == " ":
            return False
        if char in self.keys:
            self.value = self.keys[char]
            self.action_pick()
            return True
        count = len(self.options)
        for step in range(1, count + 1):
            index = (self.index + step) % count
            if self.options[index][1].lower().startswith(char):
                self._select(index)
                self.action_pick()
                return True
        return False

    def on_key(self, event: events.Key) -> None:
        if self.key_first(event):
            event.stop()


def _row(label: str, field: Widget, id: str | None = None) -> Horizontal:
    """A row of the form: ``label`` (its column is log_form.tcss's) beside ``field``."""
    return Horizontal(Label(label, markup=False), field, classes="row", id=id)


class LogInteractionScreen(Dialog[bool]):
    """Dismissed with True once the entry was saved."""

    CSS_PATH = ["dialog.tcss", "log_form.tcss"]
    BINDINGS = [
        *save_cancel_bindings("log"),
        Binding("ctrl+t", "template", "Template", id="log.template"),
    ]

    def __init__(
        self,
        account_id: int,
        account_name: str,
        *,
        entry: Interaction | SurveyResponse | None = None,
    ) -> None:
        super().__init__()
        self.account_id = account_id
        self.account_name = account_name
        self.entry = entry
        self.templates: list[Template] = []
        self.template: Template | None = None
        self._initial: dict[str, str] | None = None
        self._when_shown = self._when_exact = ""
        self._saving = False
        self.saved: tuple[str, int] | None = None
        """Once saved: the timeline source ("interaction" or "survey") and the entry's id."""
        self.before: EntryForm | None = None
        """An edited entry as the form was filled from it: saved again, it undoes the edit."""
        self.changed = False
        """Once an edit is saved: whether it changed anything."""
        self.named = ""
        """Once an edit is saved: the words that name the entry as it was (its summary,
        an answer's score), which ``u`` brings back."""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        entry = self.entry if isinstance(self.entry, Interaction) else None
        answer = self.entry if isinstance(self.entry, SurveyResponse) else None
        if entry is not None:
            title, kinds = "Edit interaction", [kind for kind in KINDS if kind[0] != SURVEY]
        elif answer is not None:
            title, kinds = "Edit survey answer", [kind for kind in KINDS if kind[0] == SURVEY]
        else:
            title, kinds = "Log interaction", KINDS
        shown = _shown(self.entry)
        with Vertical(classes="dialog", id="log-form"):
            yield Static(
                f"{title}: {visible(self.account_name)}", classes="dialog-title", markup=False
            )
            yield _row(
                "Kind",
                Choice(
                    kinds,
                    SURVEY if answer else entry.kind if entry else "call",
                    id="kind",
                    on_pick=self._next_field,
                ),
            )
            yield self._error("kind")
            yield _row(
                "Survey",
                Choice(
                    SURVEY_KINDS,
                    answer.kind if answer else "nps",
                    id="survey",
                    on_pick=self._next_field,
                ),
                id="survey-row",
            )
            yield _row(
                "When",
                Input(
                    self._when_text(),
                    placeholder="now · today 14:00 · -2d · 2026-03-01 14:00",
                    id="when",
                ),
            )
            yield self._error("when")
            yield _row("Contact", Input(placeholder="a contact's name (→ completes)", id="contact"))
            yield self._error("contact")
            with Vertical(id="interaction-fields"):
                yield _row("Summary", Input(shown.summary, placeholder="one line", id="summary"))
                yield self._error("summary")
                yield _row(
                    "Notes",
                    TextArea(shown.notes, id="notes", soft_wrap=True, show_line_numbers=False),
                )
                yield _row(
                    "Sentiment",
                    Choice(
                        SENTIMENTS,
                        shown.sentiment,
                        keys={"-": "negative", "0": "neutral", "+": "positive"},
                        id="sentiment",
                    ),
                )
                yield self._error("sentiment")
                yield _row(
                    "Follow up on",
                    Input(
                        shown.follow_up,
                        placeholder=f"optional, a task: {DAY_HINT}",
                        id="follow-up",
                    ),
                )
                yield self._error("follow_up")
            with Vertical(id="survey-fields"):
                yield _row("Score", Input(shown.score, placeholder="NPS 0-10", id="score"))
                yield self._error("score")
                yield _row("Comment", Input(shown.comment, placeholder="optional", id="comment"))
            yield Static("", id="form-error", classes="field-error", markup=False)
            yield Static("", id="log-hint", markup=False)

    def _error(self, name: str) -> Static:
        return Static("", id=f"{name}-error", classes="field-error", markup=False)

    def _when_text(self) -> str:
        """An edited entry's moment to the minute, in the user's time zone. While it is
        left as shown, the form sends the exact stored moment, so an edit that does
        not touch it does not move it by its seconds."""
        if self.entry is None:
            return ""
        now = app_now(self.app.today)
        entry = self.entry
        at = entry.occurred_at if isinstance(entry, Interaction) else entry.answered_at
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        local = at.astimezone(now.tzinfo)
        self._when_shown = local.strftime("%Y-%m-%d %H:%M")
        self._when_exact = local.isoformat(sep=" ")
        return self._when_shown

    def on_mount(self) -> None:
        self._show_kind()
        self._initial = self._texts()
        self.query_one("#kind", Choice).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="log-form-load")
    def load(self) -> None:
        engine = self.app.database
        contacts = contact_names(engine, self.account_id)
        templates = load_templates(self.app.settings.path)
        self.app.call_from_thread(self._loaded, contacts, templates)

    def _loaded(self, contacts: dict[str, int], templates: Templates) -> None:
        contact = self.query_one("#contact", Input)
        contact.suggester = SuggestFromList(sorted(contacts), case_sensitive=False)
        if self.entry is not None and self.entry.contact_id is not None:
            names = {contact_id: name for name, contact_id in contacts.items()}
            contact.value = names.get(self.entry.contact_id, "")
            if self._initial is not None:
                self._initial["contact"] = contact.value
        if self.entry is not None:
            self.before = replace(
                _shown(self.entry),
                kind=self.entry.kind,
                when=self._when_exact,
                contact=contact.value,
            )
        self.templates = templates.templates
        for problem in templates.problems:
            self.notify(problem, title="Template", severity="warning", timeout=10)
        self._show_hint()

    # ------------------------------------------------------------------ state

    @property
    def kind(self) -> str:
        kind = self.query_one("#kind", Choice).value
        return self.query_one("#survey", Choice).value if kind == SURVEY else kind

    def _texts(self) -> dict[str, str]:
        """Everything typed, in the fields of either kind."""
        values = asdict(self._typed())
        del values["kind"]
        return values

    @property
    def unsaved(self) -> bool:
        """True when something was typed (the app asks before quitting)."""
        return self._initial is not None and self._texts() != self._initial

    def entry_form(self) -> EntryForm:
        """The fields shown, of the kind picked: what the other kind's hidden fields
        hold is kept there (picking that kind again shows it), but not sent."""
        hidden = INTERACTION_FIELDS if self.kind_is_survey else SURVEY_FIELDS
        return replace(self._typed(), **dict.fromkeys(hidden, ""))

    def _typed(self) -> EntryForm:
        value = lambda selector: self.query_one(selector, Input).value  # noqa: E731
        return EntryForm(
            kind=self.kind,
            summary=value("#summary"),
            when=self._when_exact
            if self._when_exact and value("#when") == self._when_shown
            else value("#when"),
            notes=self.query_one("#notes", TextArea).text,
            sentiment=self.query_one("#sentiment", Choice).value,
            follow_up=value("#follow-up"),
            contact=value("#contact"),
            score=value("#score"),
            comment=value("#comment"),
        )

    def _next_field(self, choice: Choice) -> None:
        """After the kind: the summary (an interaction) or which survey; after the
        survey: the score. So ``l``, ``c``, the summary, ``ctrl+s`` logs a call. The
        focus moves now, so that keys already typed land in the next field."""
        self._show_kind()
        if choice.id == "kind" and not self.kind_is_survey:
            self.set_focus(self.query_one("#summary", Input))
        elif choice.id == "kind":
            self.set_focus(self.query_one("#survey", Choice))
        else:
            self.set_focus(self.query_one("#score", Input))

    @on(Input.Submitted, "#contact")
    def _contact_entered(self, event: Input.Submitted) -> None:
        """Enter on the contact takes the name its completion shows, then goes on (it
        did nothing: typed 'emi', 'Emil Larsen' shown, ctrl+s refused '"emi" is not a
        contact')."""
        contact = event.input
        contact.cursor_position = len(contact.value)
        contact.action_cursor_right()  # Textual's: takes the completion shown
        self.focus_next()

    @on(Choice.Changed, "#kind, #survey")
    def _show_kind(self) -> None:
        survey = self.query_one("#kind", Choice).value == SURVEY
        self.query_one("#survey-row").display = survey
        self.query_one("#survey-fields").display = survey
        self.query_one("#interaction-fields").display = not survey
        self.query_one("#score", Input).placeholder = (
            "CSAT 1-5" if self.kind == "csat" else "NPS 0-10"
        )
        self._show_hint()

    def _show_hint(self) -> None:
        template = f" ({self.template.name})" if self.template else ""
        keys = "ctrl+s save · esc cancel"
        if self.templates and not self.kind_is_survey:
            keys += f" · ctrl+t template{template}"
        self.query_one("#log-hint", Static).update(
            Text(keys + " · kind: first letter or ←/→", style="dim")
        )

    @property
    def kind_is_survey(self) -> bool:
        return self.query_one("#kind", Choice).value == SURVEY

    def _show_errors(self, errors: list[FieldError]) -> None:
        self._saving = False
        self._clear_errors()
        general: list[str] = []
        first: str | None = None
        for error in errors:
            if error.field in ERROR_FIELDS:
                label = self.query_one(f"#{error.field}-error", Static)
                label.update(error.message)
                label.display = True
                first = first or error.field
            else:
                general.append(str(error))
        if general:
            label = self.query_one("#form-error", Static)
            label.update("\n".join(general))
            label.display = True
        if first is not None:
            self.query_one(f"#{FOCUS_OF.get(first, first)}").focus()

    def _clear_errors(self) -> None:
        for label in self.query(".field-error").results(Static):
            label.update("")
            label.display = False

    # ------------------------------------------------------------------ actions

    def action_template(self) -> None:
        """Cycle through the templates. A template fills the summary and notes only
        where they are empty or still hold the previous template's text."""
        if not self.templates or self.kind_is_survey:
            self.notify("No templates for survey answers" if self.templates else "No templates")
            return
        previous = self.template
        index = self.templates.index(previous) + 1 if previous in self.templates else 0
        self.template = self.templates[index % len(self.templates)]
        self.query_one("#kind", Choice).value = self.template.kind
        summary = self.query_one("#summary", Input)
        if summary.value.strip() in ("", previous.summary if previous else ""):
            summary.value = self.template.summary
        notes = self.query_one("#notes", TextArea)
        if notes.text.strip() in ("", previous.notes.strip() if previous else ""):
            notes.text = self.template.notes
        self._show_hint()

    def action_save(self) -> None:
        if self._saving:
            return
        self._saving = True
        self.save(self.entry_form())

    @work(thread=True, exclusive=True, exit_on_error=False, group="log-form-save")
    def save(self, form: EntryForm) -> None:
        app = self.app
        engine = app.database
        user = app.settings.author
        now = app_now(app.today)
        try:
            if self.entry is None:
                logged = log_entry(engine, self.account_id, form, logged_by=user, now=now)
                source = "survey" if logged.kind in ("nps", "csat") else "interaction"
                self.saved = (source, logged.entry_id)
                done = f"Logged {kind_words(logged.kind)} for {self.account_name}."
                if logged.task_id is not None:
                    done += " Follow-up task created for the account's owner."
                if logged.followed_up:
                    from core.playbook.followed_up import followed_up_words

                    done += " " + followed_up_words(logged.followed_up)
            else:
                assert self.entry.id is not None
                source: Source = (
                    "survey" if isinstance(self.entry, SurveyResponse) else "interaction"
                )
                changes = edit_entry(engine, self.entry.id, form, user, now, source, self.entry)
                self.saved = (source, self.entry.id)
                self.changed = bool(changes)
                self.named = _named(self.entry, self.before or form)  # as u restores it
                changed = ", ".join(FIELD_LABELS.get(name, name) for name in changes)
                done = f"Saved: {changed} changed." if changes else "Nothing changed."
                if changes and self.before is not None:
                    done += " Press u to undo."
        except InvalidInput as error:
            app.call_from_thread(self._show_errors, error.errors)
            return
        except BaseException:
            app.call_from_thread(setattr, self, "_saving", False)
            raise
        app.call_from_thread(self._saved, done)

    def _saved(self, done: str) -> None:
        self._initial = self._texts()
        self.app.post_message(BookChanged())
        self.notify(done)
        self.dismiss(True)

    def action_cancel(self) -> None:
        from tui.screens.confirm import close_form

        close_form(self, self.unsaved, False)


def _shown(entry: Interaction | SurveyResponse | None) -> EntryForm:
    """The texts an edited entry's fields start with (a new entry's: none). Its kind,
    moment and contact are filled apart: the kind's choices depend on the entry's
    type, the moment keeps its seconds, the contact's name is read in a worker."""
    if isinstance(entry, Interaction):
        return EntryForm(
            kind=entry.kind,
            summary=entry.summary,
            notes=entry.notes or "",
            sentiment=_sentiment_word(entry.sentiment),
            follow_up=entry.follow_up_on.isoformat() if entry.follow_up_on else "",
        )
    if isinstance(entry, SurveyResponse):
        return EntryForm(kind=entry.kind, score=str(entry.score), comment=entry.comment or "")
    return EntryForm(kind="")


def _named(entry: Interaction | SurveyResponse, form: EntryForm) -> str:
    """The words that name an edited entry: its summary, or an answer's kind and score."""
    if isinstance(entry, SurveyResponse):
        return f"{form.kind.upper()} {form.score.strip()}"
    return visible(form.summary.strip())


def _sentiment_word(value: int | None) -> str:
    if value is None:
        return ""
    return {-1: "negative", 0: "neutral", 1: "positive"}.get(value, "")
