"""What the assistant may write: an interaction or survey answer, a goal check-in, a
task done or snoozed. Each is validated by the core function the command line
calls, refused in the same words (nothing written), and recorded as the book's
author ("<user> via assistant") where the book records who wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from core.interactions import ALL_KINDS
from mcp_server.book import ID_MAX, Book, Refused, unless_busy


def _not_true_or_false(value: Any) -> Any:
    """A number given as true or false is refused: the schema's lax integers would
    take them as 1 and 0 (task #1 done, an NPS of 1), and "7" stays 7."""
    if isinstance(value, bool):
        raise ValueError("give a number, not true or false")
    return value


Number = BeforeValidator(_not_true_or_false)
TaskId = Annotated[
    int, Number, Field(ge=1, le=ID_MAX, description="The task's number (see tasks).")
]
Day = "2026-03-01, today, yesterday, +7d, -2d, next monday"


@dataclass(frozen=True)
class Writes:
    """The write tools, on one book."""

    book: Book

    def log_interaction(
        self,
        account: Annotated[str, Field(description="The account's external id.")],
        kind: Annotated[str, Field(description=f"{', '.join(ALL_KINDS[:-1])} or {ALL_KINDS[-1]}.")],
        summary: Annotated[str, Field(description="One line (interactions).")] = "",
        when: Annotated[
            str, Field(description='When: now, "today 14:00", yesterday, -2d, ISO.')
        ] = "now",
        notes: Annotated[str, Field(description="Longer notes (interactions).")] = "",
        sentiment: Annotated[str, Field(description="negative, neutral or positive.")] = "",
        follow_up: Annotated[
            str, Field(description=f"A day ({Day}): creates a task for the owner.")
        ] = "",
        contact: Annotated[str, Field(description="A contact's name (see account_360).")] = "",
        score: Annotated[int | None, Number, Field(description="NPS 0-10 or CSAT 1-5.")] = None,
        comment: Annotated[str, Field(description="Survey comment (nps, csat).")] = "",
    ) -> dict[str, Any]:
        """Log a call, email, meeting, QBR or note, a referral, a training completed or
        a community event, or an NPS / CSAT answer, for an account, validated as
        `cxtui log` validates it: bad input is refused in words and writes nothing.
        Recorded as written by "<user> via assistant"."""
        from core.interactions import EntryForm, InvalidInput, account_by_external_id, log_entry

        try:
            found = account_by_external_id(self.book.engine, account)
        except LookupError as error:
            raise Refused(str(error)) from None
        assert found.id is not None
        score_text = "" if score is None else str(score)
        # EntryForm's fields in their order: the arguments are the form's fields.
        form = EntryForm(
            kind, summary, when, notes, sentiment, follow_up, contact, score_text, comment
        )
        try:
            with unless_busy():
                logged = log_entry(self.book.engine, found.id, form, logged_by=self.book.author)
        except InvalidInput as error:
            raise Refused(str(error)) from None
        return {
            "logged": "survey answer" if logged.kind in ("nps", "csat") else logged.kind,
            "id": logged.entry_id,
            "account": found.external_id,
            "follow_up_task": logged.task_id,
            "logged_by": self.book.author,
        }

    def add_goal_checkin(
        self,
        goal_id: Annotated[
            int, Number, Field(ge=1, le=ID_MAX, description="The goal's number (see goals).")
        ],
        value: Annotated[
            str | int | float,
            Number,
            Field(description='The value now: 42, "$20,000", 3.5%, 1 (done).'),
        ],
        comment: Annotated[str, Field(description="What changed.")] = "",
        on: Annotated[
            str | None,
            Field(
                description=f"The day the value was true ({Day}); default today, not later "
                "nor before the goal's start."
            ),
        ] = None,
    ) -> dict[str, Any]:
        """Add a check-in to a goal, as `cxtui goal checkin`: check-ins are history,
        nothing is overwritten. Recorded as checked in by "<user> via assistant"."""
        from core.dates import parse_day
        from core.goals import check_in, format_value, get_goal

        today = self.book.today()
        try:
            day = today if on is None else parse_day(on, today, "on")
            goal = get_goal(self.book.engine, goal_id)
            with unless_busy():
                saved = check_in(
                    self.book.engine, goal_id, str(value), self.book.author, day, comment, today
                )
        except ValueError as error:  # GoalError is one
            raise Refused(str(error)) from None
        return {
            "goal": goal_id,
            "title": goal.title,
            "value": format_value(goal.target_type, saved.value),
            "checked_on": saved.checked_on.isoformat(),
            "checked_by": saved.checked_by,
        }

    def complete_task(self, task_id: TaskId) -> dict[str, Any]:
        """Mark a task of the queue done, as `cxtui task done`."""
        from core.playbook.tasks import TaskError, complete

        try:
            with unless_busy():
                complete(self.book.engine, task_id, self.book.author)
        except TaskError as error:
            raise Refused(str(error)) from None
        return {"task": task_id, "done": True}

    def snooze_task(
        self,
        task_id: TaskId,
        until: Annotated[str, Field(description=f"The day it comes back ({Day}).")],
    ) -> dict[str, Any]:
        """Hide a task until a day after today, as `cxtui task snooze`; its due date
        stays."""
        from core.dates import parse_day
        from core.playbook.tasks import snooze

        today = self.book.today()
        try:
            day = parse_day(until, today, "until")
            with unless_busy():
                snooze(self.book.engine, task_id, day, today, self.book.author)
        except ValueError as error:  # TaskError is one
            raise Refused(str(error)) from None
        return {"task": task_id, "snoozed_until": day.isoformat()}
