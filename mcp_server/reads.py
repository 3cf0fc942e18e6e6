"""What the assistant may read: accounts, one account's 360, metrics, the task queue
and the goals. Each answer is what the command line's JSON holds (the same core
functions, the same keys), bounded by pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from core.accounts.customers import BEFORE_RECORDS
from mcp_server.book import (
    ID_MAX,
    PAGE_DEFAULT,
    PAGE_MAX,
    TIMELINE_DEFAULT,
    Book,
    Refused,
    cut,
    page,
)

if TYPE_CHECKING:
    from polars import DataFrame

# at most ID_MAX: polars slices with a 64-bit integer
Offset = Annotated[int, Field(ge=0, le=ID_MAX, description="Rows to skip (the page's start).")]
Limit = Annotated[int, Field(ge=1, le=PAGE_MAX, description=f"Rows in the page (1-{PAGE_MAX}).")]
Segment = Annotated[
    str | None, Field(description="Only this segment (spelled as in the book; case ignored).")
]
Owner = Annotated[str | None, Field(description="Only this owner's accounts (a CS manager).")]
SavedFilterName = Annotated[
    str | None, Field(description="The name of a saved filter of the user's config.")
]
AsOf = Annotated[
    str | None,
    Field(description="See the book as on this day: 2026-03-01, yesterday, -7d (default today)."),
]
CONTACTS_MAX = 50
TICKETS_MAX = 20
# The accounts list's orders: (column, descending); riskiest and largest first.
SORTS = {
    "name": ("name", False),
    "health": ("health_score", False),
    "mrr": ("mrr_cents", True),
    "renewal": ("renewal_date", False),
}


def _day(text: str | None, today: date, what: str) -> date:
    from core.dates import parse_day

    if text is None:
        return today
    try:
        return parse_day(text, today, what)
    except ValueError as error:
        raise Refused(str(error)) from None


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _moment(value: datetime | None) -> str | None:
    """A stored moment (UTC when naive) in this computer's time zone, with its offset:
    the time the app shows, and not to be read as another one."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone().isoformat()


def _money(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _scope(book: Book, segment: str | None, owner: str | None) -> Any:
    from core.scope import ScopeError, book_scope

    try:
        return book_scope(book.engine, segment, owner)
    except ScopeError as error:
        raise Refused(str(error)) from None


def _conditions(book: Book, saved: Any) -> Any:
    """A saved filter's conditions on custom fields, checked against the book's fields."""
    from core.accounts.field_views import saved_conditions

    try:
        return saved_conditions(book.engine, saved.fields)
    except (KeyError, ValueError) as error:  # UnknownField, FieldValueError
        raise Refused(f"saved_filter {saved.name!r}: {error}") from None


def _saved(name: str) -> Any:
    from core.config.saved_filters import UnknownFilterError, get_filter

    try:
        return get_filter(name)
    except (UnknownFilterError, ValueError) as error:
        raise Refused(f"saved_filter: {error}") from None


def _task_owner(book: Book, owner: str, today: date) -> str:
    """``owner`` as the book spells them (case aside): someone who owns accounts or
    tasks; Refused naming them for anyone else, rather than an empty queue."""
    from core.accounts.queries import distinct_values
    from core.playbook.tasks import task_queue
    from core.scope import spelled_as_in_book

    every_task = task_queue(book.engine, today, include_done=True, include_snoozed=True)
    known = set(distinct_values(book.engine, "owner")) | set(every_task["owner"].to_list())
    try:
        return spelled_as_in_book(owner, sorted(known), "owner")
    except ValueError as error:
        raise Refused(f"owner: {error}") from None


@dataclass(frozen=True)
class Reads:
    """The read tools, on one book."""

    book: Book

    def find_accounts(
        self,
        query: Annotated[
            str, Field(description="Text in the account's name or external id (case ignored).")
        ] = "",
        segment: Segment = None,
        owner: Owner = None,
        status: Annotated[
            Literal["active", "onboarding", "churned"] | None,
            Field(description="Only this status."),
        ] = None,
        band: Annotated[
            Literal["green", "yellow", "red"] | None,
            Field(description="Only this health band (green healthy, yellow watch, red at risk)."),
        ] = None,
        renewal_within_days: Annotated[
            int | None, Field(ge=0, le=3660, description="Only accounts renewing within N days.")
        ] = None,
        saved_filter: SavedFilterName = None,
        sort: Annotated[
            Literal["name", "health", "mrr", "renewal"],
            Field(
                description="name; health (lowest first); mrr (highest first); renewal (soonest)."
            ),
        ] = "name",
        offset: Offset = 0,
        limit: Limit = PAGE_DEFAULT,
    ) -> dict[str, Any]:
        """Find accounts of the book by text, segment, owner, status, health band, renewal
        or a saved filter: one page of rows (external id, name, owner, MRR, renewal, health
        and band, 30-day trend, last interaction, open tickets), the total and the next
        page's offset."""
        from core.accounts.queries import AccountFilter, apply_filter, load_accounts, sort_accounts

        scope = _scope(self.book, segment, owner)
        frame = load_accounts(self.book.engine, self.book.today())
        if saved_filter is not None:
            saved = _saved(saved_filter)
            fields = _conditions(self.book, saved)
            if fields:
                from core.accounts.field_views import read_list_fields
                from core.accounts.listing import with_fields

                names = [condition.field for condition in fields]
                frame = with_fields(frame, read_list_fields(self.book.engine, names).values)
            frame = apply_filter(frame, saved.account_filter(fields=fields))
        where = AccountFilter(
            search=query,
            segments=frozenset({scope.segment} - {None}),
            owners=frozenset({scope.owner} - {None}),
            statuses=frozenset({status} - {None}),
            bands=frozenset({band} - {None}),
            renewal_within_days=renewal_within_days,
        )
        column, descending = SORTS[sort]
        frame = sort_accounts(apply_filter(frame, where), column, descending)
        rows = [_account_row(row) for row in frame.slice(offset, limit).iter_rows(named=True)]
        return page(rows, frame.height, offset, limit)

    def account_360(
        self,
        account: Annotated[str, Field(description="The account's external id, e.g. ACC-00042.")],
        timeline_offset: Offset = 0,
        timeline_limit: Limit = TIMELINE_DEFAULT,
    ) -> dict[str, Any]:
        """Everything about one account: its fields, health score with its explanation
        (components, weights, contributions, override), a page of its timeline (newest
        first: interactions, survey answers, tickets, MRR changes), contacts, open tickets
        and the goals scoped to its segment or owner."""
        return account_360(self.book, account, timeline_offset, timeline_limit)

    def metrics(
        self,
        period: Annotated[
            str,
            Field(
                description="month, quarter or year (the one containing as_of), YYYY-MM, "
                "YYYY-Qn, YYYY, or YYYY-MM-DD..YYYY-MM-DD."
            ),
        ] = "month",
        as_of: AsOf = None,
        segment: Segment = None,
        owner: Owner = None,
        saved_filter: SavedFilterName = None,
        by: Annotated[
            Literal["segment", "owner"] | None,
            Field(description="Break the figures down by segment or owner."),
        ] = None,
    ) -> dict[str, Any]:
        """Every customer-success metric of a period and scope, exactly as
        `cxtui metrics --json`: churn, retention, MRR and its movements, GRR/NRR, NPS,
        CSAT, purchases, CLV, stickiness, support, onboarding, renewals (money in currency
        units, rates in percent, null for no data). A saved filter's health band and
        day conditions do not scope metrics: the first of `notes` says so when it holds
        them; the others say what the figures assume."""
        from core.metrics import metrics_document, metrics_notes, metrics_period, metrics_results
        from core.metrics.book import book_records

        day = _day(as_of, self.book.today(), "as_of")
        try:
            chosen = metrics_period(period, day)
        except ValueError as error:
            raise Refused(f"period: {error}") from None
        scope = _scope(self.book, segment, owner)
        notes: list[str] = []
        if saved_filter is not None:
            from core.config.saved_filters import LIST_ONLY_KEYS

            saved = _saved(saved_filter)
            scope = scope.with_saved(saved, _conditions(self.book, saved))
            if ignored := saved.describe(LIST_ONLY_KEYS):  # the command says so on stderr
                notes.append(
                    f"the saved filter {saved.name!r} also holds {'; '.join(ignored)}: that "
                    "narrows find_accounts only, not the metrics"
                )
        results = metrics_results(self.book.engine, chosen, scope, day, by)
        records = book_records(self.book.engine)
        notes += metrics_notes(chosen, results, records, " Ask for period {month}.")
        return metrics_document(chosen, scope, day, by, results, notes)

    def tasks(
        self,
        owner: Annotated[
            str | None, Field(description="Only this person's tasks (case ignored).")
        ] = None,
        snoozed: Annotated[
            bool, Field(description="Only the snoozed tasks, with the day each comes back.")
        ] = False,
        done: Annotated[
            bool,
            Field(description="Only the done tasks, the latest first (with snoozed: both)."),
        ] = False,
        source: Annotated[
            Literal["rule", "follow_up", "manual"] | None, Field(description="Only this source.")
        ] = None,
        as_of: AsOf = None,
        offset: Offset = 0,
        limit: Limit = PAGE_DEFAULT,
    ) -> dict[str, Any]:
        """The task queue, as `cxtui tasks --json`: open tasks, overdue and due today
        first, then upcoming, ranked by MRR at stake and health; one page of it. The
        snoozed or done tasks instead, as `--snoozed` and `--done` list them."""
        from core.playbook.tasks import TaskError, task_queue, task_records

        today = _day(as_of, self.book.today(), "as_of")
        if owner is not None:
            owner = _task_owner(self.book, owner, today)
        try:
            queue = task_queue(
                self.book.engine,
                today,
                owner=owner,
                source=source,
                snoozed_only=snoozed,
                done_only=done,
            )
        except TaskError as error:
            raise Refused(str(error)) from None
        rows = task_records(queue.slice(offset, limit), today)
        return page(rows, queue.height, offset, limit)

    def goals(
        self,
        archived: Annotated[bool, Field(description="Include archived goals.")] = False,
        offset: Offset = 0,
        limit: Limit = PAGE_DEFAULT,
    ) -> dict[str, Any]:
        """The retention goals, as `cxtui goals --json`: target, current value, progress,
        status (on track, at risk, off track, achieved, missed) and why; one page."""
        from core.goals import goal_record, list_goals

        views = list_goals(self.book.engine, self.book.today(), include_archived=archived)
        rows = [goal_record(view) for view in views[offset : offset + limit]]
        return page(rows, len(views), offset, limit)


# An account's columns, in the order of the answers, with their names there.
IDENTITY = {
    "account": "external_id",
    "name": "name",
    "segment": "segment",
    "plan": "plan",
    "owner": "owner",
    "status": "status",
}


def _identity(row: dict[str, Any]) -> dict[str, Any]:
    """Who the account is, and its MRR in currency units."""
    return {key: row[column] for key, column in IDENTITY.items()} | {
        "mrr": _money(row["mrr_cents"])
    }


def _account_row(row: dict[str, Any]) -> dict[str, Any]:
    return _identity(row) | {
        "renewal_date": _iso(row["renewal_date"]),
        "days_to_renewal": row["days_to_renewal"],
        "health": row["health_score"],
        "band": row["health_band"],
        "overridden": row["overridden"],
        "trend_30d": row["trend"],
        "last_interaction_at": _moment(row["last_interaction_at"]),
        "days_since_interaction": row["days_since_interaction"],
        "open_tickets": row["open_tickets"],
    }


def account_360(
    book: Book, account: str, timeline_offset: int = 0, timeline_limit: int = TIMELINE_DEFAULT
) -> dict[str, Any]:
    """One account: its fields, health with its explanation, a page of its timeline
    (newest first), contacts, open tickets and the goals scoped to its segment or
    owner."""
    from core.accounts.queries import account_detail
    from core.goals import goal_record, goals_in_scope
    from core.health import current_health, health_object
    from core.interactions import account_by_external_id

    try:
        found = account_by_external_id(book.engine, account)
    except LookupError as error:
        raise Refused(str(error)) from None
    assert found.id is not None
    today = book.today()
    detail = account_detail(book.engine, found.id, today)
    health = current_health(book.engine, today, [found.id])
    timeline = detail.timeline.slice(timeline_offset, timeline_limit)
    opened = _opening_day(detail.timeline, found.start_date)
    goals = goals_in_scope(book.engine, today, segment=found.segment, owner=found.owner)
    return {
        "account": _fields(detail.account),
        "health": health_object(health.row(0, named=True)) if health.height else None,
        "timeline": page(
            [_event(row, opened) for row in timeline.iter_rows(named=True)],
            detail.timeline.height,
            timeline_offset,
            timeline_limit,
        ),
        "contacts": _first(detail.contacts.to_dicts(), CONTACTS_MAX),
        "open_tickets": _first(
            [_ticket(row) for row in detail.open_tickets.to_dicts()], TICKETS_MAX
        ),
        "goals": [goal_record(view) for view in goals],
    }


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return _identity(row) | {
        "seats": row["seats"],
        "start_date": _iso(row["start_date"]),
        "renewal_date": _iso(row["renewal_date"]),
        "churned_at": _iso(row["churned_at"]),
        "onboarding_completed_at": _iso(row["onboarding_completed_at"]),
        # the customer asked to cancel: it leaves at its renewal
        "cancels_at_renewal": bool(row["cancels_at_renewal"]),
    }


def _event(row: dict[str, Any], opened: date | None) -> dict[str, Any]:
    """A timeline row; ``opened``: the day its account's opening MRR is dated
    (``_opening_day``)."""
    mrr = row["source"] == "mrr"
    return {
        "at": _mrr_day(row["at"].date(), opened) if mrr else _moment(row["at"]),
        "source": row["source"],
        "kind": row["kind"],
        "summary": cut(row["summary"]),
        "sentiment": row["sentiment"],
        "id": row["id"],
    }


def _opening_day(timeline: DataFrame, start: date | None) -> date | None:
    """The day an account's opening MRR recorded before the records (``BEFORE_RECORDS``:
    no real day, "before the records" in the app) is dated: its start date (None:
    unknown), unless another MRR change is dated before it (an account given its start
    date after its MRR had moved keeps its opening before the records): then None, as
    the start would put the opening after a change it came before."""
    if start is None:
        return None
    days = timeline.filter(timeline["source"] == "mrr").get_column("at").dt.date()
    moved = days.filter(days != BEFORE_RECORDS).min()
    return None if moved is not None and moved < start else start


def _mrr_day(day: date, opened: date | None) -> str | None:
    """An MRR change's day; the opening before the records is dated ``opened``."""
    if day == BEFORE_RECORDS:
        return _iso(opened)
    return _iso(day)


def _ticket(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "subject": cut(row["subject"]),
        "priority": row["priority"],
        "opened_at": _moment(row["opened_at"]),
        "first_response_at": _moment(row["first_response_at"]),
    }


def _first(rows: list[dict[str, Any]], most: int) -> dict[str, Any]:
    """The first ``most`` rows and how many there are in all."""
    return {"items": rows[:most], "total": len(rows)}
