"""The account a person typed on the command line (``cxtui log ACME-1``): its
external id as the book writes it, else in another case when only one account's
fits; a name typed instead is answered with the external id to type."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from core.models import Account
from core.text import shortened

_SHOWN = 5  # candidates named in a refusal


@dataclass(frozen=True)
class Typed:
    """The account found, and how, in words, when not by its external id exactly as
    typed (None then)."""

    account: Account
    note: str | None = None


def account_typed(engine: Engine, typed: str) -> Typed:
    """The account whose external id is ``typed``; else whose external id is ``typed``
    in another case (or with spaces around it), when exactly one account's is. A
    LookupError in words otherwise: the candidates when several fit, the external id
    to type when ``typed`` is an account's name, or that no account has it."""
    key = typed.strip().lower()
    with Session(engine) as session:
        exact = session.exec(select(Account).where(Account.external_id == typed)).first()
        if exact is not None:
            return Typed(exact)
        folded = session.exec(
            select(Account)
            .where(func.lower(func.trim(Account.external_id)) == key)
            .order_by(col(Account.external_id))
        ).all()
        if len(folded) == 1:
            found = folded[0]
            note = f'"{shortened(typed)}" read as the external id {shortened(found.external_id)}'
            return Typed(found, note)
        said = f'no account with external id "{shortened(typed)}"'
        if folded:
            raise LookupError(
                f"{said}; in another case it is the external id of {_candidates(folded)}:"
                " type one as the book writes it"
            )
        named = session.exec(
            select(Account)
            .where(func.lower(func.trim(Account.name)) == key)
            .order_by(col(Account.external_id))
        ).all()
    if len(named) == 1:
        account = named[0]
        raise LookupError(
            f'{said}; the account named "{shortened(account.name)}" has the external id'
            f" {shortened(account.external_id)}: type that"
        )
    if named:
        raise LookupError(
            f'{said}; accounts named "{shortened(typed.strip())}": {_candidates(named)}:'
            " type the external id of one"
        )
    raise LookupError(said)


def _candidates(accounts: list[Account] | tuple[Account, ...]) -> str:
    """The accounts' external ids with their names: "A-1 (Acme), a-1 (Acme Labs)",
    the first ``_SHOWN`` of them."""
    shown = ", ".join(
        f"{shortened(a.external_id)} ({shortened(a.name)})" for a in accounts[:_SHOWN]
    )
    more = len(accounts) - _SHOWN
    return shown + (f" and {more:,} more" if more > 0 else "")
