"""``cxtui log``: log an interaction or a survey answer from the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.common import DbOption, fail, open_book, say
from core.dates import DAY_HINT
from core.text import visible


def log_commands(app: typer.Typer) -> None:
    app.command("log")(log)


def log(
    external_id: Annotated[
        str,
        typer.Argument(
            help="The account's external id (in any case when only one account's fits)."
        ),
    ],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="call, email, meeting, qbr, note, referral, training, community, nps or csat.",
        ),
    ],
    summary: Annotated[str, typer.Option("--summary", help="One line (interactions).")] = "",
    when: Annotated[
        str,
        typer.Option(
            "--when", metavar="WHEN", help='When: now, "today 14:00", yesterday, -2d, ISO.'
        ),
    ] = "now",
    notes: Annotated[str, typer.Option("--notes", help="Longer notes.")] = "",
    sentiment: Annotated[
        str, typer.Option("--sentiment", help="-1, 0, 1 (or negative, neutral, positive).")
    ] = "",
    follow_up: Annotated[
        str,
        typer.Option(
            "--follow-up", metavar="DAY", help=f"A day ({DAY_HINT}): creates a task for the owner."
        ),
    ] = "",
    contact: Annotated[str, typer.Option("--contact", help="A contact's name.")] = "",
    score: Annotated[str, typer.Option("--score", help="NPS 0-10 or CSAT 1-5.")] = "",
    comment: Annotated[str, typer.Option("--comment", help="Survey comment.")] = "",
    db: DbOption = None,
) -> None:
    """Log a call, email, meeting, QBR or note, a referral, a training completed or a
    community event, or an NPS / CSAT answer, for an account.
    Bad input writes nothing and exits with status 2."""
    from core.accounts.typed import account_typed
    from core.config.settings import load_settings
    from core.interactions import EntryForm, InvalidInput, kind_words, log_entry

    engine = open_book(db)  # a new book has no account to log for
    try:
        typed = account_typed(engine, external_id)
    except LookupError as error:
        engine.dispose()
        fail(str(error))
    account = typed.account
    assert account.id is not None
    if typed.note is not None:
        say(typed.note)
    form = EntryForm(
        kind=kind,
        summary=summary,
        when=when,
        notes=notes,
        sentiment=sentiment,
        follow_up=follow_up,
        contact=contact,
        score=score,
        comment=comment,
    )
    user = load_settings().author
    try:
        logged = log_entry(engine, account.id, form, logged_by=user)
    except InvalidInput as error:
        for field_error in error.errors:  # named as the option typed: --follow-up
            option = f"--{field_error.field.replace('_', '-')}"
            typer.echo(f"cxtui: {option}: {field_error.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(
        f"Logged {kind_words(logged.kind)} #{logged.entry_id} for {visible(account.name)} "
        f"({visible(account.external_id)})."
    )
    if logged.task_id is not None:
        typer.echo(f"Follow-up task #{logged.task_id} created for {visible(account.owner)}.")
    if logged.followed_up:
        from core.playbook.followed_up import followed_up_words

        typer.echo(visible(followed_up_words(logged.followed_up)))
