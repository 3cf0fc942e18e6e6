"""A SaaS company's book from its Stripe billing exports, made by hand from Stripe's
documented columns (tests/data/stripe_billing): 40 customers over 18 months with
the awkward cases real exports have (an upgrade as a new subscription, a
subscription canceled and restarted, trials, a $0 free plan, a customer with two
subscriptions, one billed in EUR, customers without a name, an annual plan, one
canceled at its period's end, void and uncollectible invoices). Every figure is
compared with plain polars over the raw CSV, following /work/shared/domain.md."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, select

from core.importing import ImportOptions, ImportRejected, import_file
from core.metrics import Period, compute_metrics
from core.models import Account
from core.store.frames import read_frame

DATA = Path(__file__).parents[1] / "data" / "stripe_billing"
SUBSCRIPTIONS = DATA / "subscriptions.csv"
TODAY = date(2026, 12, 7)


def _raw() -> pl.DataFrame:
    return pl.read_csv(SUBSCRIPTIONS, infer_schema=False)


def _day(column: str) -> pl.Expr:
    return pl.col(column).str.slice(0, 10).str.to_date(strict=False)


def _paid_subscriptions() -> pl.DataFrame:
    """Each subscription that paid: its customer, the day it began to pay (its trial's
    end, else its start), the day it ended (none while live) and its MRR in cents
    (Amount x Quantity, a yearly one / 12)."""
    return (
        _raw()
        .select(
            customer=pl.col("Customer ID"),
            paid_from=pl.max_horizontal(_day("Start (UTC)"), _day("Trial End (UTC)")),
            end=pl.when(pl.col("Status") == "canceled").then(
                pl.coalesce(_day("Ended At (UTC)"), _day("Canceled At (UTC)"))
            ),
            trialing=pl.col("Status") == "trialing",
            cents=(
                pl.col("Amount").cast(pl.Float64)
                * pl.col("Quantity").cast(pl.Int64)
                * 100
                / pl.when(pl.col("Interval") == "year").then(12).otherwise(1)
            )
            .round(0)
            .cast(pl.Int64),
        )
        .filter(
            ~pl.col("trialing"), pl.col("end").is_null() | (pl.col("end") > pl.col("paid_from"))
        )
    )


def _mrr_at(paid: pl.DataFrame, day: date) -> dict[str, int]:
    """Each customer's MRR in cents at the end of ``day``."""
    live = paid.filter(pl.col("paid_from") <= day, pl.col("end").is_null() | (pl.col("end") > day))
    return dict(live.group_by("customer").agg(pl.col("cents").sum()).rows())


def _month(paid: pl.DataFrame, first: date) -> dict[str, object]:
    """The month's figures, by domain.md: customers and MRR at its start (the day
    before) and end, and each customer's change of MRR as one movement (this book
    changes a customer at most once a month)."""
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start, end = _mrr_at(paid, first - timedelta(days=1)), _mrr_at(paid, last)
    before = set(paid.filter(pl.col("paid_from") < first)["customer"])
    moved = dict.fromkeys(("new", "expansion", "contraction", "churned", "reactivation"), 0)
    for customer in set(start) | set(end):
        was, now = start.get(customer, 0), end.get(customer, 0)
        if customer not in start:
            moved["reactivation" if customer in before else "new"] += now
        elif customer not in end:
            moved["churned"] -= was
        else:
            moved["expansion" if now > was else "contraction"] += now - was
    at_start = sum(start.values())
    kept = at_start + moved["contraction"] + moved["churned"]
    lost = len(set(start) - set(end))
    return {
        "customers_at_start": len(start),
        "active_accounts": len(end),
        "new_accounts": len(set(end) - set(start)),
        "reactivated_accounts": len((set(end) - set(start)) & before),
        "churned_accounts": lost,
        "churn_rate_pct": lost / len(start) * 100 if start else None,
        "mrr_at_start": at_start,
        "mrr": sum(end.values()),
        **{f"mrr_{kind}": cents for kind, cents in moved.items()},
        "grr_pct": kept / at_start * 100 if at_start else None,
        "nrr_pct": (kept + moved["expansion"]) / at_start * 100 if at_start else None,
    }


def _cents(value: object) -> object:
    return round(float(value) * 100) if value is not None else None  # type: ignore[arg-type]


@pytest.fixture
def book(engine: Engine) -> Engine:
    import_file(engine, "accounts", SUBSCRIPTIONS, ImportOptions(as_of=TODAY))
    return engine


def test_a_stripe_customer_without_a_name_is_named_by_its_email(book: Engine) -> None:
    """Stripe asks no name of a customer (its Dashboard shows one without a name by
    its email). Such a customer's subscriptions were refused, and the whole file
    with them: 'row 42, column "Customer Name", value "": name is required'. Each
    account is now named by its Customer Name, else its Customer Email."""
    customers = _paid_subscriptions()["customer"].unique().implode()
    raw = _raw().filter(pl.col("Customer ID").is_in(customers))
    name = pl.coalesce(pl.col("Customer Name"), pl.col("Customer Email"))
    expected = sorted(raw.select("Customer ID", name).unique().rows())
    stored = read_frame(
        book, select(Account.external_id, Account.name).order_by(Account.external_id)
    )
    assert sorted(stored.rows()) == expected
    assert ("cus_038", "ap@quillpress.com") in expected  # (no Customer Name in the file)


def test_the_books_figures_month_by_month_are_the_exports(book: Engine) -> None:
    """Customers, churn, MRR and its movements, GRR and NRR of each of the 18 months,
    as plain polars computes them over the subscriptions export."""
    paid = _paid_subscriptions()
    for month in range(18):
        first = date(2025 + (5 + month) // 12, (5 + month) % 12 + 1, 1)
        expected = _month(paid, first)
        figures = compute_metrics(book, Period.month_of(first), as_of=TODAY)
        got = {key: getattr(figures, key) for key in expected}
        for key in expected:
            if key.startswith("mrr"):
                got[key] = _cents(got[key])
            elif key.endswith("_pct") and got[key] is not None:
                got[key] = pytest.approx(got[key])
        assert got == expected, first


def _said(engine: Engine) -> list[str]:
    """What a dry run of the subscriptions export assumes, in words."""
    result = import_file(engine, "accounts", SUBSCRIPTIONS, ImportOptions(dry_run=True))
    assert result.reconciliation is not None
    return result.reconciliation.assumptions


def test_a_price_changed_within_a_subscription_is_said_to_be_unknown(engine: Engine) -> None:
    """Stripe upgrades a subscription in place (Glacier Analytics, cus_029, went from
    Pro to Business on 2026-02-16: its invoices show the proration, its
    subscription only today's price). The MRR history counts today's price from
    the start, as new MRR, with no expansion: the summary now says so, where it
    said nothing of it."""
    assert (
        "MRR is each subscription's Amount x Quantity by its Interval (a yearly price / 12);"
        " the MRR history counts each subscription's price today from its start: the export"
        " has no price or quantity changed within a subscription (an upgrade or seats added"
        " in place, told by its invoices), only those of subscriptions started anew"
    ) in _said(engine)


def _rows() -> list[list[str]]:
    """The subscriptions export's lines as cells, its header first."""
    return list(csv.reader(SUBSCRIPTIONS.open(newline="")))


def _written(tmp_path: Path, rows: list[list[str]], separator: str = ",", end: str = "") -> Path:
    """``rows`` as a CSV file of ``separator`` and CRLF line ends, with a byte order
    mark, and ``end`` after its last line."""
    text = io.StringIO()
    csv.writer(text, delimiter=separator, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "subscriptions.csv"
    path.write_text(text.getvalue() + end, encoding="utf-8-sig", newline="")
    return path


def _hostile(tmp_path: Path) -> tuple[Path, int, int]:
    """The subscriptions export as two exports put one after another (its header line
    again before the 21st subscription), written as a European spreadsheet saves it:
    a byte order mark, semicolons, CRLF line ends, a description over two lines in
    quotes, and an empty line at the end. Returns the file, the row of the header
    line again and that of the empty line (the header is row 1)."""
    rows = _rows()
    rows[3][rows[0].index("Customer Description")] = "Key account;\nrenewals by finance"
    joined = [*rows[:21], rows[0], *rows[21:]]
    return _written(tmp_path, joined, ";", "\r\n"), 22, len(joined) + 1


def test_a_hostile_copy_of_the_export_is_the_same_book(engine: Engine, tmp_path: Path) -> None:
    """Before, the header line again was taken for a customer who never paid (4 left
    out said where 2 are: the empty line was one too), a subscription with a coupon
    (its Coupon cell says "Coupon"), a third currency ("CURRENCY 1 rows") and a value
    of each custom field (the dates were typed as text). Now both lines are left out
    and said by their rows, and the book, its summary and its custom fields are
    those of the clean file."""
    path, header, empty = _hostile(tmp_path)
    options = ImportOptions(as_of=TODAY)
    clean = import_file(engine, "accounts", SUBSCRIPTIONS, replace(options, dry_run=True))
    result = import_file(engine, "accounts", path, options)
    assert clean.reconciliation is not None and result.reconciliation is not None
    said = result.reconciliation.left_out
    assert said[-2:] == [
        f"1 empty row left out (every cell empty: row {empty})",
        f"1 row repeating the header line left out (files put one after another: row {header})",
    ]
    assert said[:-2] == clean.reconciliation.left_out
    assert result.reconciliation.assumptions == clean.reconciliation.assumptions
    never_paid = _raw()["Customer ID"].n_unique() - _paid_subscriptions()["customer"].n_unique()
    assert f"{never_paid} customers none of whose subscriptions has paid yet" in " ".join(said)
    kept = [(e.column, e.type, e.choices) for e in clean.fields]
    assert [(e.column, e.type, e.choices) for e in result.fields] == kept
    assert result.inserted == clean.inserted == _paid_subscriptions()["customer"].n_unique()
    paid = _paid_subscriptions()
    expected = sorted(
        (customer, cents) for customer, cents in _mrr_at(paid, TODAY).items() if cents
    )
    live = (Account.status != "churned") & (Account.mrr_cents > 0)
    stored = read_frame(engine, select(Account.external_id, Account.mrr_cents).where(live))
    assert sorted(stored.rows()) == expected


def test_the_header_line_again_is_no_account(engine: Engine, tmp_path: Path) -> None:
    """A plain accounts file with its header line again in the middle: it made an
    account named "name" (external id "external_id"), silently."""
    path = tmp_path / "accounts.csv"
    path.write_text("external_id,name\nA1,Acme\nexternal_id,name\nA2,Beta\n")
    result = import_file(engine, "accounts", path)
    stored = read_frame(engine, select(Account.external_id, Account.name))
    assert sorted(stored.rows()) == [("A1", "Acme"), ("A2", "Beta")]
    assert result.reconciliation is not None
    assert (
        "1 row repeating the header line left out (files put one after another: row 3)"
        in result.reconciliation.left_out
    )


def test_a_monthly_plans_renewal_is_said_to_be_its_next_bill(engine: Engine) -> None:
    """Stripe's Current Period End is a subscription's next bill, read as its renewal
    date: every monthly customer then renews within 30 days, and the renewal rules
    made two tasks for each when this book was imported in the app (66 for 38
    accounts). Nothing said so; the summary now does."""
    assert (
        "renewal dates are each subscription's Current Period End, the day it is next billed:"
        " a monthly plan's renewal is next month's bill, so every monthly customer renews"
        " within 30 days (in the renewals and their playbook rules)"
    ) in _said(engine)


def test_a_billing_interval_stripe_has_not_is_refused_by_its_row(
    engine: Engine, tmp_path: Path
) -> None:
    """Stripe bills by day, week, month or year. An Interval of another word was read
    as a month, silently ("fortnight": 49.00 a fortnight imported as $49 MRR); now
    the row is refused, naming its row and what was read, and nothing is written."""
    rows = _rows()
    rows[2][rows[0].index("Interval")] = "fortnight"
    with pytest.raises(ImportRejected) as rejected:
        import_file(engine, "accounts", _written(tmp_path, rows))
    [error] = rejected.value.errors
    amount = rows[2][rows[0].index("Amount")]
    assert (error.row, error.value) == (3, f"{amount} per fortnight")
    assert error.column == "MRR (from amount, quantity and interval)"
    assert read_frame(engine, select(Account.id)).height == 0


def test_a_subscription_that_ended_before_it_started_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    """A canceled subscription whose Ended At is before its Start: its customer was
    left out as one "none of whose subscriptions has paid yet (trials, failed first
    payments)", and an accounts file churned before its start date was imported as
    it said. Both are refused now, naming the row and the end's column."""
    rows = _rows()
    column = {name: place for place, name in enumerate(rows[0])}
    rows[1][column["Status"]] = "canceled"
    rows[1][column["Ended At (UTC)"]] = "2024-01-01 00:00:00"
    with pytest.raises(ImportRejected) as rejected:
        import_file(engine, "accounts", _written(tmp_path, rows[:3]))
    [error] = rejected.value.errors
    assert (error.row, error.column) == (2, "Ended (Ended At, else Canceled At)")
    assert error.reason == "the account churned before its start date"
    plain = tmp_path / "accounts.csv"
    plain.write_text(
        "external_id,name,status,start_date,churned_at\nA1,Acme,churned,2025-05-01,2024-01-01\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(engine, "accounts", plain)
    [error] = rejected.value.errors
    assert (error.row, error.column, error.value) == (2, "churned_at", "2024-01-01")
    assert read_frame(engine, select(Account.id)).height == 0


def test_prices_written_with_a_decimal_comma_are_read_so(engine: Engine, tmp_path: Path) -> None:
    """The export saved again by a spreadsheet in a German locale: semicolons, and
    each Amount with a decimal comma ("49,00", "1.490,00"). Its MRR was read 100
    times too large, silently (7,313.17 of active MRR became 731,316.67). Each
    account's MRR and its history are now those of the file read as plain polars
    reads it."""
    rows = _rows()
    place = rows[0].index("Amount")
    for row in rows[1:]:
        whole, cents = row[place].split(".")
        row[place] = f"{int(whole):,}".replace(",", ".") + f",{cents}"
    assert "1.490,00" in {row[place] for row in rows}
    import_file(engine, "accounts", _written(tmp_path, rows, ";"), ImportOptions(as_of=TODAY))
    paid = _paid_subscriptions()
    live = (Account.status != "churned") & (Account.mrr_cents > 0)
    stored = read_frame(engine, select(Account.external_id, Account.mrr_cents).where(live))
    expected = sorted(
        (customer, cents) for customer, cents in _mrr_at(paid, TODAY).items() if cents
    )
    assert sorted(stored.rows()) == expected
    for first in (date(2025, 12, 1), date(2026, 3, 1)):
        figures = compute_metrics(engine, Period.month_of(first), as_of=TODAY)
        assert _cents(figures.mrr) == _month(paid, first)["mrr"]


def test_dates_written_day_first_are_compared_as_dates(engine: Engine, tmp_path: Path) -> None:
    """The export saved again by a spreadsheet in a German locale writes its moments
    day first ("20.06.2025 10:00"), imported with --date-format dmy. The preset
    compared them as text: Ironclad Security (cus_031), a customer since 2025-06-20
    who came back on 2026-04-02, started on "02.04.2026", the smaller text, and every
    account's MRR history was given up for one opening movement. Its start dates
    and its 18 months of figures are now those of the ISO file, by plain polars."""
    rows = _rows()
    for row in rows[1:]:
        for place, cell in enumerate(row):
            if cell[:4].isdigit() and cell[4:5] == "-":
                row[place] = f"{cell[8:10]}.{cell[5:7]}.{cell[:4]} {cell[11:16]}"
    path = _written(tmp_path, rows, ";")
    import_file(engine, "accounts", path, ImportOptions(as_of=TODAY, date_format="dmy"))
    paid = _paid_subscriptions()
    starts = paid.group_by("customer").agg(pl.col("paid_from").min()).sort("customer")
    stored = read_frame(
        engine, select(Account.external_id, Account.start_date).order_by(Account.external_id)
    )
    assert stored.rows() == starts.rows()
    for month in range(18):
        first = date(2025 + (5 + month) // 12, (5 + month) % 12 + 1, 1)
        figures = compute_metrics(engine, Period.month_of(first), as_of=TODAY)
        expected = _month(paid, first)
        assert _cents(figures.mrr_reactivation) == expected["mrr_reactivation"], first
        assert _cents(figures.mrr_new) == expected["mrr_new"], first
        assert _cents(figures.mrr) == expected["mrr"], first
