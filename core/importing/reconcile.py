"""What a checked file holds, summed before anything is written, and every
assumption the import makes about it, in words.

The same figures are shown by a dry run, the command line (and its ``--json``)
and the app's import screen, so a manager can check the file against its source
(a CRM's count of churned accounts, a billing system's MRR) before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from core.importing.check import Checked, Plan, _dated_key
from core.importing.parse import ORDER_WORDS
from core.importing.spec import MONEY
from core.importing.write import Statuses
from core.metrics.model import dollars
from core.text import counted


@dataclass
class Reconciliation:
    rows: int
    # status -> (accounts, MRR cents), once written (``settle``)
    by_status: dict[str, tuple[int, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)  # money field -> cents
    words: dict[str, str] = field(default_factory=dict)  # money field -> its name in words
    first: date | None = None  # the file's earliest and latest dates
    last: date | None = None
    dated: str = "dates"  # which dates they are, in words: "start dates"
    dated_column: str = ""  # the file's column they were read from (none: derived)
    assumptions: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """The file's rows not written as rows of their own, one line per reason with
    their count first: left out (an empty row, a preset's rule) or combined into
    another; with the rows checked, they add up to the rows read."""
    # accounts set to cancel at their renewal once written; None: the file does not say
    cancelling: int | None = None
    mrr_given: bool = True  # the file has an MRR column (else the stored MRR is kept)

    def lines(self) -> list[str]:
        """The reconciliation in words, one fact per line."""
        lines = [
            f"{status}: {counted(count, 'account')}{self._mrr_said(status, cents)}"
            for status, (count, cents) in sorted(self.by_status.items())
        ]
        if self.cancelling is not None:
            lines.append(f"set to cancel at their renewal: {counted(self.cancelling, 'account')}")
        lines += [
            f"total {self.words.get(name, name)} in the file: {dollars(cents)}"
            for name, cents in self.totals.items()
        ]
        if self.first is not None:
            column = f" (column {self.dated_column})" if self.dated_column else ""
            lines.append(f"{self.dated} from {self.first} to {self.last}{column}")
        return lines + [f"assumed: {text}" for text in self.assumptions]

    def _mrr_said(self, status: str, cents: int) -> str:
        """The MRR of a status's accounts after their count: none said when the file
        gives no MRR and none is stored (a CRM's companies read 'MRR $0.00', as if the
        file said they pay nothing)."""
        if self.mrr_given:
            return f", {_mrr_of(status)} {dollars(cents)}"
        if cents:
            return f", {_mrr_of(status)} {dollars(cents)} as stored (the file gives no MRR)"
        return " (the file gives no MRR)"

    def settle(self, statuses: Statuses, plan: Plan, effective: date) -> None:
        """Accounts: count them by the status they have once written (``statuses``),
        not by the file's cells alone (an empty cell keeps a stored account's status
        and gives a new one the default, which is said), and say which rest on an
        assumption once written: no start date, or a churn without a date, recorded
        on ``effective`` or, by an earlier import, before."""
        if plan.kind.name != "accounts":
            return
        self.by_status = dict(statuses.by_status)
        self.mrr_given = "mrr" in plan.mapping.columns
        if "cancels_at_renewal" in plan.mapping.columns:
            self.cancelling = statuses.cancelling
        if statuses.start_unknown:
            self.assumptions.append(
                f"{counted(statuses.start_unknown, 'account')} without a start date: customers"
                " since before the records begin, never counted as new (map start_date, or a"
                " tenure, to date them)"
            )
        if statuses.undated:
            self.assumptions.append(
                f"{counted(statuses.undated, 'churned account')} without a churn date: not"
                f" customers from {effective} on, in no period's churn; map churned_at to date"
                " them"
            )
        if before := statuses.recorded_before:
            self.assumptions.append(
                f"{counted(sum(before.values()), 'churned account')} without a churn date whose"
                f" churn an earlier import recorded ({_days(before)}): not customers from that"
                " day on, as before"
            )
        if given := statuses.recorded_given:
            self.assumptions.append(
                f"{counted(sum(given.values()), 'churned account')} without a churn date whose"
                f" churn was recorded {_days(given)} (column"
                f" {plan.column('churn_recorded_on')}): not customers from that day on, in no"
                " period's churn"
            )
        if statuses.defaulted:
            default = plan.kind.field("status").default
            where = (
                f"column {plan.column('status')} empty"
                if "status" in plan.mapping.columns
                else "no column gives it; map status to read one"
            )
            self.assumptions.append(
                f"{counted(statuses.defaulted, 'new account')} without a status ({where}):"
                f" {default}, the default"
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "by_status": {
                status: {"accounts": count, "mrr": cents / 100}
                for status, (count, cents) in sorted(self.by_status.items())
            },
            "totals": {name: cents / 100 for name, cents in self.totals.items()},
            "first_date": None if self.first is None else self.first.isoformat(),
            "last_date": None if self.last is None else self.last.isoformat(),
            "assumptions": [*self.left_out, *self.assumptions],
        }


def _mrr_of(status: str) -> str:
    """What the MRR of accounts of ``status`` is: a churned account's is the MRR it
    had when it left, "MRR lost" as its 360 says it."""
    return "MRR lost" if status == "churned" else "MRR"


def _rows_said(rows: list[int]) -> str:
    """The first five of ``rows`` (the file's row numbers): "rows 3, 5, 7, ..."."""
    shown = ", ".join(f"{row:,}" for row in rows[:5]) + (", ..." if len(rows) > 5 else "")
    return f"row{'s' if len(rows) > 1 else ''} {shown}"


def _days(counts: dict[date, int]) -> str:
    """The days of ``counts`` in words: "on 2020-01-01", "from 2020-01-01 to 2020-03-01"."""
    days = sorted(counts)
    return f"on {days[0]}" if len(days) == 1 else f"from {days[0]} to {days[-1]}"


def reconcile(checked: Checked) -> Reconciliation:
    """Sum the checked rows (reading only the columns it needs from the spilled
    batches) and say what the import assumes (of accounts, once written: ``settle``)."""
    plan = checked.plan
    mapped = set(plan.mapping.columns)
    result = Reconciliation(checked.kept)
    money = [f for f in plan.kind.fields if f.type == MONEY and f.name in mapped]
    dated = _dated_key(plan)
    if plan.kind.name == "accounts":
        dated = "start_date" if "start_date" in mapped else None
    wanted = {f.target for f in money} | ({dated} if dated else set())
    frame = _scan(checked, sorted(wanted))
    for spec in money:
        result.totals[spec.name] = int(frame[spec.target].sum() or 0)
        result.words[spec.name] = spec.words
        if spec.name in plan.cents:
            column = plan.column(spec.name)
            total = dollars(result.totals[spec.name])
            result.assumptions.append(f"column {column} read as cents: total {total}")
        elif spec.name in plan.decimal_comma:
            column = plan.column(spec.name)
            result.assumptions.append(
                f"column {column} read with a decimal comma (1.234,56 is 1234.56)"
            )
        elif spec.name in plan.bare and (said := _bare(plan, spec.name, frame[spec.target])):
            result.assumptions.append(said)
    if plan.kind.name == "purchases" and "amount" in mapped:
        result.assumptions += _free_purchases(plan, frame)
    result.assumptions += _date_orders(plan)
    result.assumptions += _naive_times(plan)
    if dated is not None and frame.height:
        days = frame[dated].cast(pl.Date, strict=False).drop_nulls()
        if days.len():
            result.first, result.last = days.min(), days.max()  # type: ignore[assignment]
            name = next(f.name for f in plan.kind.fields if f.target == dated)
            result.dated = _DATE_WORDS.get(name, f"{name} dates")
            if plan.column(name) in (plan.source.file_columns or plan.source.columns):
                result.dated_column = plan.column(name)
    if plan.kind.name != "accounts" and checked.unknown and plan.options.create_missing_accounts:
        created = "would be created" if plan.options.dry_run else "created"
        result.assumptions.append(
            f"{counted(len(checked.unknown), 'account')} {created} from this file: each starts"
            " on its first event in it"
        )
    if checked.blank:
        result.left_out.append(
            f"{counted(len(checked.blank), 'empty row')} left out (every cell empty:"
            f" {_rows_said(checked.blank)})"
        )
    if checked.headers:
        result.left_out.append(
            f"{counted(len(checked.headers), 'row')} repeating the header line left out"
            f" (files put one after another: {_rows_said(checked.headers)})"
        )
    if checked.planned:
        result.left_out.append(
            f"{counted(len(checked.planned), 'interaction')} dated after now left out: planned,"
            f" not held yet ({_rows_said(checked.planned)})"
        )
    if checked.left_out:
        empty = f"column {plan.column('account')}"
        if plan.account_names:
            empty = f"columns {plan.column('account')} and {plan.account_names}"
        result.left_out.append(
            f"{counted(checked.left_out, 'row')} without an account ({empty} empty) left out,"
            " as asked"
        )
    if checked.by_name:
        column = plan.column("account")
        named = f"column {column}" + (f" or {plan.account_names}" if plan.account_names else "")
        result.assumptions.append(
            f"{counted(checked.by_name, 'row')} found their account by its name ({named}):"
            f" column {column} holds no account's external id there, and exactly one account"
            " has that name (case and extra spaces aside)"
        )
    return result


_DATE_WORDS = {
    "start_date": "start dates",
    "occurred_at": "interaction dates",
    "day": "usage days",
    "answered_at": "answer dates",
    "opened_at": "dates opened",
    "occurred_on": "movement dates",
    "purchased_at": "purchase dates",
}
"""What the dates of the summary's "... from D1 to D2" are, by the field they are
read from (an account's start, an event's own date)."""


def _bare(plan: Any, name: str, values: pl.Series) -> str | None:
    """The assumption that an amount column of whole numbers only, written bare
    (1999), holds currency units and not cents, which its name does not tell (Stripe's
    API writes 1999 for $19.99); None when some value of the file has cents."""
    values = values.drop_nulls()
    if not values.len() or (values % 100 != 0).any():
        return None
    first = int(values[0])
    return (
        f"column {plan.column(name)} read as currency units, not cents: its values are"
        f" whole numbers ({first // 100} is {dollars(first)}, not {dollars(first // 100)})"
        f" and its name does not say cents; {plan.options.hints.cents.format(field=name)}"
    )


def _free_purchases(plan: Any, frame: pl.DataFrame) -> list[str]:
    """That the purchases of $0.00 (a free or fully discounted item, a till line of
    no quantity) are kept as purchases: a day of only such lines is a purchase day in
    the repeat purchase rate, and they lower the average purchase value."""
    target = plan.kind.field("amount").target
    free = int((frame[target] == 0).sum()) if frame.height else 0
    if not free:
        return []
    return [
        f"{counted(free, 'purchase')} of $0.00 (column {plan.column('amount')}) kept as"
        " purchases, as the file records them: a day of only such lines counts as a"
        " purchase day (repeat purchase rate, purchases a year) and they lower the"
        " average purchase value"
    ]


def _date_orders(plan: Any) -> list[str]:
    """How each date column was read, when its values told it and not ISO dates:
    "3/1/2024" as month/day/year, 45356 as a spreadsheet's day number."""
    if plan.options.date_format is not None:
        return []
    return [
        f"column {plan.column(name)} read as {ORDER_WORDS[order]} (as its values show)"
        for name, (order, _pattern) in plan.dates.items()
        if order != "iso" and order in ORDER_WORDS
    ]


def _naive_times(plan: Any) -> list[str]:
    """That the times of day the file writes without a time zone are read (and
    stored) as UTC, naming their columns and the first such cell."""
    naive = [
        (plan.column(f.name), plan.naive[f.name]) for f in plan.kind.fields if f.name in plan.naive
    ]
    if not naive:
        return []
    columns = ", ".join(column for column, _cell in naive)
    named = f"column{'s' if len(naive) > 1 else ''} {columns}"
    return [
        f'times without a time zone read as UTC ({named}: "{naive[0][1]}" is taken as'
        " UTC); a time written with its zone (+01:00, Z) is read in it"
    ]


def _scan(checked: Checked, columns: list[str]) -> pl.DataFrame:
    if not columns or not checked.spilled:
        return pl.DataFrame()
    return pl.scan_ipc(checked.spilled).select(columns).collect()
