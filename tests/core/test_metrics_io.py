"""How the metrics engine reads: daily usage summed per account and month in SQL gives
the same stickiness as the definition over daily rows, and ``read_frames`` reads
several queries on one connection exactly as ``read_frame`` reads each."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, Select, func, select, text

from core.metrics import Scope, compute_breakdown, compute_metrics
from core.models import Account, DailyUsage, Ticket
from core.periods import Period
from core.store.frames import read_frame, read_frames
from tests.core.metrics_book import BookWriter

WINDOW = Period(date(2024, 1, 1), date(2024, 2, 29))
AS_OF = date(2024, 6, 30)


def daily_stickiness(
    engine: Engine, period: Period, by: str | None, scope: Scope
) -> dict[str, float]:
    """Stickiness straight from the definition, over daily rows: per group, the
    average over days with usage data of DAU that day / MAU of its month."""
    accounts = read_frame(engine, select_accounts()).filter(
        *(pl.col(key) == value for key, value in scope.as_dict().items() if value is not None)
    )
    usage = (
        read_frame(engine, select_usage())
        .filter(pl.col("day").is_between(period.start, period.end))
        .join(
            accounts.select("account_id", (pl.col(by) if by else pl.lit("all")).alias("group")),
            on="account_id",
        )
        .with_columns(pl.col("day").dt.truncate("1mo").alias("month"))
    )
    mau = (
        usage.group_by("group", "month", "account_id")
        .agg(pl.col("active_users").max())
        .group_by("group", "month")
        .agg(pl.col("active_users").sum().alias("mau"))
    )
    days = (
        usage.group_by("group", "month", "day")
        .agg(pl.col("active_users").sum().alias("dau"))
        .join(mau, on=["group", "month"])
        .filter(pl.col("mau") > 0)
    )
    ratios = days.group_by("group").agg((pl.col("dau") / pl.col("mau")).mean() * 100)
    return dict(ratios.iter_rows())


def select_accounts() -> Select[Any]:
    return select(Account.id.label("account_id"), Account.segment, Account.owner)


def select_usage() -> Select[Any]:
    return select(DailyUsage.account_id, DailyUsage.day, DailyUsage.active_users)


@pytest.fixture
def sparse_usage(engine: Engine) -> BookWriter:
    """Accounts that report usage on different days (so no one account's days are
    the group's days), a month with no users at all, and a leap day."""
    book = BookWriter(engine)
    a = book.account(date(2023, 1, 1), segment="smb", owner="Ana")
    b = book.account(date(2023, 1, 1), segment="smb", owner="Bo")
    c = book.account(date(2023, 1, 1), segment="ent", owner="Ana")
    d = book.account(date(2023, 1, 1), segment="ent", owner="Bo")
    for day in (1, 2, 3, 31):
        book.usage(a, date(2024, 1, day), day % 5)
    for day in (10, 11, 31):
        book.usage(b, date(2024, 1, day), 7 - day % 3)
    for day in (1, 15, 29):
        book.usage(c, date(2024, 2, day), day % 4)
    for day in (2, 20):
        book.usage(d, date(2024, 1, day), 0)  # data, but nobody: a day of 0 / MAU
    for day in (5, 6):
        book.usage(d, date(2024, 2, day), 0)  # ent has Feb users through c only
    book.usage(b, date(2024, 2, 28), 0)  # smb in February: MAU 0, no ratio
    book.save()
    return book


@pytest.mark.parametrize(
    "period",
    [
        WINDOW,
        Period.month_of(date(2024, 1, 1)),
        Period(date(2024, 1, 10), date(2024, 2, 20)),  # no whole month: daily rows only
        Period(date(2024, 1, 10), date(2024, 3, 5)),  # a whole February and two cut months
    ],
)
def test_stickiness_from_monthly_sums_matches_the_daily_definition(
    sparse_usage: BookWriter, period: Period
) -> None:
    engine = sparse_usage.engine
    whole = compute_metrics(engine, period, as_of=AS_OF)
    expected = daily_stickiness(engine, period, None, Scope())
    assert whole.stickiness_pct == pytest.approx(expected["all"])
    for by in ("segment", "owner"):
        expected = daily_stickiness(engine, period, by, Scope())
        got = {
            group: metrics.stickiness_pct
            for group, metrics in compute_breakdown(engine, period, by=by, as_of=AS_OF)
        }
        assert got == pytest.approx({group: expected.get(group) for group in got})
    for scope in (Scope(segment="smb"), Scope(owner="Bo"), Scope(segment="ent", owner="Ana")):
        expected = daily_stickiness(engine, period, None, scope)
        got = compute_metrics(engine, period, scope, as_of=AS_OF).stickiness_pct
        assert got == pytest.approx(expected.get("all"))


def test_read_frames_reads_each_query_as_read_frame_does(sparse_usage: BookWriter) -> None:
    engine = sparse_usage.engine
    queries = {
        "accounts": select_accounts().order_by(Account.id),
        "usage": select_usage().order_by(DailyUsage.account_id, DailyUsage.day),
        "tickets": select(Ticket.account_id, Ticket.resolved_at),  # empty, still typed
        "count": select(func.count().label("n")).select_from(DailyUsage),
    }
    frames = read_frames(engine, queries)
    assert list(frames) == list(queries)
    for name, query in queries.items():
        assert frames[name].equals(read_frame(engine, query)), name
    assert frames["usage"].schema == {
        "account_id": pl.Int64(),
        "day": pl.Date(),
        "active_users": pl.Int64(),
    }
    assert frames["tickets"].schema["resolved_at"] == pl.Datetime("us")
    assert frames["count"]["n"].item() == frames["usage"].height == 15


def test_read_frames_falls_back_to_sqlite3_while_a_connection_is_open(
    sparse_usage: BookWriter, sqlite_only: None
) -> None:
    engine = sparse_usage.engine
    queries = {"accounts": select_accounts().order_by(Account.id), "usage": select_usage()}
    through_adbc = read_frames(engine, queries)
    with engine.connect() as connection:  # the gate refuses ADBC while this is open
        connection.execute(text("SELECT 1"))
        through_sqlite3 = read_frames(engine, queries)
    for name in queries:
        assert through_sqlite3[name].equals(through_adbc[name]), name


def test_the_halves_of_the_tickets_and_answers_read_each_row_once(engine: Engine) -> None:
    """The book reads survey answers and tickets in two halves, cut at midnight of
    ``middle_of``'s day: the rows at the cut, a second before it, at the window's
    edges and just after it, and tickets opened before the window (still open, or
    resolved at its start, a second before it or later), are each read once or not
    at all, as a plain SQL query over the tables selects them."""
    from datetime import UTC

    from core.metrics.book import load_book
    from core.metrics.book_sql import middle_of

    window = Period(date(2024, 1, 1), date(2024, 1, 31))
    cut = middle_of(window.start, window.end)
    assert cut == date(2024, 1, 16)
    book = BookWriter(engine)
    account = book.account(date(2023, 1, 1), mrr=100)
    midnight = datetime(cut.year, cut.month, cut.day)
    second = timedelta(seconds=1)
    moments = [
        midnight,
        midnight - second,
        datetime(2024, 1, 1),
        datetime(2024, 2, 1) - second,
        datetime(2024, 2, 1),  # after the window: not read
        datetime(2023, 12, 31, 23, 59, 59),  # before it: only a ticket still open then
    ]
    for moment in moments:
        book.ticket(account, moment)
        book.survey(account, "nps", 9, moment)
    book.ticket(account, datetime(2023, 12, 20), resolved=datetime(2024, 1, 5))
    book.ticket(account, datetime(2023, 12, 20), resolved=datetime(2023, 12, 28))  # not read
    book.ticket(account, datetime(2023, 12, 21), resolved=datetime(2024, 1, 1))  # at the start
    book.ticket(account, datetime(2023, 12, 22), resolved=datetime(2024, 1, 1) - second)  # not
    book.save()
    loaded = load_book(engine, window, AS_OF)

    def plain(sql: str) -> list[datetime]:
        with engine.connect() as connection:
            rows = connection.execute(text(sql), {"start": window.start, "end": date(2024, 2, 1)})
            read = [datetime.fromisoformat(str(row[0])) for row in rows]  # text on SQLite
        return sorted(
            moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)
            for moment in read
        )

    tickets = plain(
        "SELECT opened_at FROM ticket WHERE opened_at < :end"
        " AND (opened_at >= :start OR resolved_at IS NULL OR resolved_at >= :start)"
    )
    answers = plain(
        "SELECT answered_at FROM survey_response WHERE answered_at >= :start AND answered_at < :end"
    )
    assert (len(tickets), len(answers)) == (7, 4)
    assert sorted(loaded.tickets["opened_at"].to_list()) == tickets
    assert sorted(loaded.surveys["answered_at"].to_list()) == answers


def test_the_tickets_still_open_from_before_a_window_are_sought_not_scanned(
    engine: Engine, sqlite_only: None
) -> None:
    """The tickets opened before a window (the metrics') or before the recent 90 days
    (a health score's) and still open at their start are found through the index on
    resolved_at, which holds every column they are read with: SQLite visits neither
    the earlier tickets resolved by then (a book's whole history) nor the table."""
    from core.health.health_sql import read_sql
    from core.health.windows import signal_days
    from core.metrics.book_sql import substituted

    days = {
        "as_of": date(2024, 1, 31),
        "window_start": date(2024, 1, 1),
        "data_end": date(2024, 1, 31),
        "middle": date(2024, 1, 16),
    }
    reads = {
        "tickets_unresolved": substituted("tickets_unresolved", days),
        "tickets_resolved_in": substituted("tickets_resolved_in", days),
        "health's unresolved": read_sql("tickets_unresolved", signal_days(date(2024, 1, 31)))[0],
        "health's resolved later": read_sql(
            "tickets_resolved_later", signal_days(date(2024, 1, 31))
        )[0],
    }
    seeks = {
        "tickets_unresolved": "resolved_at=? AND opened_at<?",
        "tickets_resolved_in": "resolved_at>? AND resolved_at<?",  # see the next test
        "health's unresolved": "resolved_at=? AND opened_at<?",
        "health's resolved later": "resolved_at>?",
    }
    with engine.connect() as connection:
        for name, sql in reads.items():
            plan = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
            assert (
                plan[0] == f"SEARCH ticket USING COVERING INDEX ix_ticket_resolved ({seeks[name]})"
            )
            assert not [step for step in plan if step.startswith("SCAN")], name


def test_a_book_whose_tickets_all_open_in_the_window_reads_none_resolved_in_it(
    engine: Engine, sqlite_only: None
) -> None:
    """The read of the tickets opened before a window and resolved in it does not go
    through the tickets resolved in the window when no ticket opened before it (a
    12-month export): SQLite's steps for it do not grow with the window's tickets.
    With one ticket opened before, it reads that ticket, through the same range."""
    from core.metrics.book_sql import substituted

    days = {
        "as_of": date(2024, 1, 31),
        "window_start": date(2024, 1, 1),
        "data_end": date(2024, 1, 31),
        "middle": date(2024, 1, 16),
    }
    sql = substituted("tickets_resolved_in", days)
    book = BookWriter(engine)
    account = book.account(date(2023, 1, 1), mrr=100)

    def steps(tickets: int) -> tuple[int, list[Any]]:
        for index in range(tickets):
            opened = datetime(2024, 1, 2) + timedelta(minutes=index)
            book.ticket(account, opened, resolved=opened + timedelta(hours=3))
        book.save()
        count = [0]

        def step() -> int:
            count[0] += 1
            return 0

        with engine.connect() as connection:
            sqlite = connection.connection.driver_connection
            assert sqlite is not None
            sqlite.set_progress_handler(step, 1)
            rows = connection.exec_driver_sql(sql).all()
            sqlite.set_progress_handler(None, 1)
        return count[0], rows

    few, none_read = steps(10)
    many, still_none = steps(2000)
    assert none_read == still_none == []
    assert many < few + 50  # 2,000 more tickets in the window: no more steps
    book.ticket(account, datetime(2023, 12, 30), resolved=datetime(2024, 1, 3))
    through_range, [earlier] = steps(0)
    assert earlier[0] == account
    assert through_range > many + 2000  # the range is read now


def test_a_windows_months_of_usage_are_sought_not_scanned(
    engine: Engine, sqlite_only: None
) -> None:
    """The monthly usage rollup's rows of a window's months come through the index by
    month, which holds every column they are read with: the other months (a book's
    whole history) are not visited, from the file or through the engine. The whole
    book's read sums them by month and days of data as the index hands them over:
    no sort of the window's rows first."""
    from core.metrics.book_queries import monthly_usage_query, whole_book
    from core.metrics.book_sql import substituted
    from core.store.frames import compile_query

    first, after = date(2024, 1, 1), date(2024, 4, 1)
    days = {"first_whole": first, "after_whole": after}
    query = monthly_usage_query(first, after)
    reads = {
        "file": substituted("usage_months", days),
        "engine": compile_query(engine.dialect, query)[0],
        "whole book, file": substituted("usage_months_whole_book", days),
        "whole book, engine": compile_query(engine.dialect, whole_book("usage0", query))[0],
    }
    with engine.connect() as connection:
        for name, sql in reads.items():
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            assert [row[-1] for row in plan] == [
                "SEARCH monthly_usage USING COVERING INDEX ix_monthly_usage_month"
                " (month>? AND month<?)"
            ], name


def test_the_moments_of_tickets_and_answers_are_read_from_their_indexes(
    engine: Engine, sqlite_only: None
) -> None:
    """On SQLite, the reads of tickets and survey answers (the metrics' and a health
    score's) take each moment's microseconds from the index they go through, which
    holds the same expression (``core.store.sqlite_moments``): SQLite's program for
    them calls no ``unixepoch``. It would, 1.9M tickets' moments at 0.3 s of CPU, if
    the read's expression and the index's differed by a letter."""
    from core.health.health_sql import read_sql
    from core.health.windows import signal_days
    from core.metrics.book_sql import substituted

    days = {
        "as_of": date(2024, 1, 31),
        "window_start": date(2024, 1, 1),
        "data_end": date(2024, 1, 31),
        "middle": date(2024, 1, 16),
    }
    book_reads = ["surveys", "surveys_late", "tickets", "tickets_late"]
    book_reads += ["tickets_unresolved", "tickets_resolved_in"]
    reads = {name: substituted(name, days) for name in book_reads} | {
        f"health's {name}": read_sql(name, signal_days(date(2024, 1, 31)))[0]
        for name in ("tickets", "tickets_unresolved", "tickets_resolved_later")
    }
    with engine.connect() as connection:
        for name, sql in reads.items():
            assert "unixepoch" in sql, name
            program = connection.exec_driver_sql(f"EXPLAIN {sql}").all()
            calls = [str(row[5]) for row in program if "Func" in str(row[1])]
            assert not [call for call in calls if call.startswith("unixepoch")], name


def test_a_whole_book_read_through_a_sqlite_engine_compiles_no_select(
    engine: Engine, sqlite_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through a SQLite engine, the whole book is read by the queries compiled ahead
    (``book_sql``, as from the file): no select is compiled again (~20 ms a read),
    and the frames are those the selects read. A scope is narrowed in SQL, through
    the engine; a file that cannot be read this way is read through the engine."""
    import core.store.frames
    from core.metrics.book import load_book
    from core.store.sqlite_file import FileReadError, SqliteFile

    book = BookWriter(engine)
    ana = book.account(date(2023, 1, 1), mrr=100, owner="Ana")
    bo = book.account(date(2023, 6, 1), mrr=250, owner="Bo")
    for account, day in ((ana, 3), (bo, 20), (bo, 41)):
        opened = datetime(2024, 1, 1) + timedelta(days=day)
        book.ticket(account, opened, opened + timedelta(hours=2), opened + timedelta(days=1))
        book.survey(account, "nps", day % 11, opened)
        book.usage(account, opened.date(), day)
    book.save()
    tables = ("accounts", "events", "movements", "tickets", "surveys", "purchase_days", "usage")

    def frames(read: Any) -> dict[str, pl.DataFrame]:
        return {name: getattr(read, name).sort(pl.all()) for name in tables}

    def same(read: dict[str, pl.DataFrame], expected: dict[str, pl.DataFrame]) -> bool:
        return all(read[name].equals(expected[name]) for name in tables)

    compile_query = core.store.frames.compile_query
    selects = frames(load_book(engine, WINDOW, AS_OF))  # by the engine's selects
    scoped = frames(load_book(engine, WINDOW, AS_OF, Scope(owner="Bo")))
    compiled: list[object] = []

    def compiling(*args: Any) -> Any:
        compiled.append(args)
        return compile_query(*args)

    monkeypatch.setattr(core.store.frames, "compile_query", compiling)
    whole = frames(load_book(engine, WINDOW, AS_OF))
    assert compiled == []
    assert whole["tickets"].height == whole["surveys"].height == 3
    assert same(whole, selects)
    assert same(frames(load_book(engine, WINDOW, AS_OF, Scope(owner="Bo"))), scoped)
    assert compiled and scoped["tickets"].height == 2

    def unreadable(file: SqliteFile, queries: Any) -> Any:
        raise FileReadError(f"{file.path}: database is locked")

    monkeypatch.setattr(SqliteFile, "read", unreadable)
    assert all(
        frames(load_book(engine, WINDOW, AS_OF))[name].equals(whole[name]) for name in tables
    )


@pytest.mark.parametrize("way", ["file", "engine"])
def test_a_book_read_for_the_whole_book_gives_the_same_figures_with_fewer_cells(
    sparse_usage: BookWriter, monkeypatch: pytest.MonkeyPatch, way: str
) -> None:
    """The whole book's figures from tickets without their account and usage summed
    by month and days of data are those of the rows per account, for whole and cut
    months; such a book refuses a breakdown."""
    from core.metrics.book import load_book
    from core.store.sqlite_file import FileReadError, SqliteFile

    book, engine = sparse_usage, sparse_usage.engine
    accounts = read_frame(engine, select_accounts())["account_id"].to_list()
    for index, account in enumerate(accounts):
        opened = datetime(2023, 12, 30) + timedelta(days=9 * index, hours=index)
        responded, resolved = opened + timedelta(hours=3 + index), opened + timedelta(days=3)
        book.ticket(account, opened, responded, resolved)
        book.ticket(account, opened + timedelta(days=20), opened + timedelta(days=20, hours=50))
        for day in (1, 2, 16):  # the same days of data for every account: one row summed
            book.usage(account, date(2024, 3, day), index)
    book.save()
    if way == "engine" or engine.dialect.name != "sqlite":

        def unreadable(file: SqliteFile, queries: Any) -> Any:
            raise FileReadError(f"{file.path}: database is locked")

        monkeypatch.setattr(SqliteFile, "read", unreadable)
    window = Period(date(2024, 1, 1), date(2024, 3, 20))
    as_of = date(2024, 3, 20)
    per_account = load_book(engine, window, as_of)
    whole = load_book(engine, window, as_of, per_account=False)
    assert "account_id" in per_account.tickets.columns
    assert "account_id" not in whole.tickets.columns
    assert whole.tickets.height == per_account.tickets.height == 8
    assert whole.usage.height < per_account.usage.height
    for period in (
        window,
        Period.month_of(date(2024, 1, 1)),
        Period.month_of(date(2024, 2, 1)),
        Period(date(2024, 3, 1), as_of),
    ):
        figures = whole.metrics(period, as_of)
        assert figures == per_account.metrics(period, as_of)
        assert figures[0][1].stickiness_pct is not None
    with pytest.raises(ValueError, match="read it per account"):
        whole.metrics(window, as_of, "owner")
