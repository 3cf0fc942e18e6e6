"""Which accounts a figure, a list or an export is about: one ``Scope``, applied in
SQL (``restrict``) or to a frame of accounts (``filter``) by the same rule, for the
metrics, the dashboard, the exports and the accounts list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy import Engine, Select

    from core.accounts.field_views import FieldCondition
    from core.config.saved_filters import SavedFilter


@dataclass(frozen=True)
class Scope:
    """Which accounts a figure is about: the whole book, one segment, one owner
    ("my book"), both at once, or a saved filter (``from_saved``): sets of segments,
    owners, plans and statuses, each "any of" (SQL ``IN``), all of them at once."""

    segment: str | None = None
    owner: str | None = None
    segments: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()
    plans: frozenset[str] = frozenset()
    statuses: frozenset[str] = frozenset()
    name: str | None = None
    """The saved filter this scope came from, if any."""
    fields: tuple[FieldCondition, ...] = ()
    """Conditions on custom fields, all to hold (a saved filter's, resolved against the
    database's fields: ``core.accounts.field_views.resolve_rules``)."""

    @classmethod
    def from_saved(cls, saved: SavedFilter, fields: tuple[FieldCondition, ...] = ()) -> Scope:
        """The scope of a saved filter: its segments, owners, plans and statuses, and
        ``fields``, its conditions on custom fields once resolved. Its list-only parts
        (health bands, renewal within, no interaction for) do not scope metrics."""
        return cls(
            segments=frozenset(saved.segments),
            owners=frozenset(saved.owners),
            plans=frozenset(saved.plans),
            statuses=frozenset(saved.statuses),
            name=saved.name,
            fields=fields,
        )

    def with_saved(self, saved: SavedFilter, fields: tuple[FieldCondition, ...] = ()) -> Scope:
        """The scope of ``saved`` (with ``fields``, its resolved conditions on custom
        fields) narrowed further by this scope's segment and owner."""
        scope = Scope.from_saved(saved, fields)
        return replace(scope, segment=self.segment, owner=self.owner)

    @property
    def is_whole_book(self) -> bool:
        return (
            self.segment is None
            and self.owner is None
            and not (self.segments or self.owners or self.plans or self.statuses or self.fields)
        )

    def as_dict(self) -> dict[str, Any]:
        """``segment`` and ``owner`` always (null when unset); ``filter`` (the saved
        filter's name) and ``segments``, ``owners``, ``plans``, ``statuses`` (sorted
        lists) only when set."""
        result: dict[str, Any] = {"segment": self.segment, "owner": self.owner}
        if self.name is not None:
            result["filter"] = self.name
        for key in ("segments", "owners", "plans", "statuses"):
            if values := getattr(self, key):
                result[key] = sorted(values)
        if self.fields:
            result["fields"] = [condition.describe() for condition in self.fields]
        return result

    def restrict(self, query: Select[Any]) -> Select[Any]:
        """``query`` (over ``account``) restricted to the scope's accounts in SQL."""
        from core.models import Account

        for column, value in ((Account.segment, self.segment), (Account.owner, self.owner)):
            if value is not None:
                query = query.where(column == value)
        for column, values in (
            (Account.segment, self.segments),
            (Account.owner, self.owners),
            (Account.plan, self.plans),
            (Account.status, self.statuses),
        ):
            if values:
                query = query.where(column.in_(sorted(values)))
        for condition in self.fields:
            query = query.where(Account.id.in_(condition.account_ids()))  # type: ignore[union-attr]
        return query

    def filter(self, accounts: pl.DataFrame) -> pl.DataFrame:
        """The rows of a frame of accounts (columns segment, owner, plan, status as
        needed) inside the scope: the same rule as ``restrict``, in polars."""
        conditions = self.conditions()
        return accounts.filter(*conditions) if conditions else accounts

    def conditions(self) -> list[pl.Expr]:
        """The scope as polars conditions over an accounts frame, all to hold (with
        conditions on custom fields, the frame needs their columns:
        ``core.accounts.listing.with_fields``)."""
        import polars as pl

        return (
            [
                pl.col(column) == value
                for column, value in (("segment", self.segment), ("owner", self.owner))
                if value is not None
            ]
            + [
                pl.col(column).is_in(sorted(values))
                for column, values in (
                    ("segment", self.segments),
                    ("owner", self.owners),
                    ("plan", self.plans),
                    ("status", self.statuses),
                )
                if values
            ]
            + [condition.expr() for condition in self.fields]
        )


def spelled_as_in_book(value: str, known: list[str], what: str) -> str:
    """``value`` as the book spells it (matched ignoring case and outer spaces), or
    ValueError naming what there is: an unknown segment or owner is a mistake to
    say, not a scope to answer with empty figures."""
    from core.text import shortened, visible

    wanted = value.strip().casefold()
    for candidate in known:
        if candidate.casefold() == wanted:
            return candidate
    listed = ", ".join(sorted(known, key=str.casefold)) or "none yet"
    shown = visible(shortened(value, 40))
    raise ValueError(f"there is no {what} {shown!r}; the {what}s are: {listed}")


class ScopeError(ValueError):
    """A segment or owner that the book does not have; ``field`` names which."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def book_scope(engine: Engine, segment: str | None, owner: str | None) -> Scope:
    """The scope of one segment and / or one owner, spelled as the book spells them
    (case does not matter); ScopeError naming the known ones for an unknown one."""
    from core.accounts.queries import distinct_values

    return spelled_scope(segment, owner, lambda column: distinct_values(engine, column))


def spelled_scope(
    segment: str | None, owner: str | None, known: Callable[[str], list[str]]
) -> Scope:
    """``book_scope`` with the book's values of a column given by ``known``."""
    spelled: dict[str, str | None] = {"segment": segment, "owner": owner}
    for field, value in spelled.items():
        if value is not None:
            try:
                spelled[field] = spelled_as_in_book(value, known(field), field)
            except ValueError as error:
                raise ScopeError(field, str(error)) from None
    return Scope(segment=spelled["segment"], owner=spelled["owner"])
