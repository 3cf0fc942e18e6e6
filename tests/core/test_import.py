"""Imports of real files: every format, mapping, enum values, accounts, upserts,
and bad input that writes nothing. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select, text

from core.importing import (
    FileError,
    Hints,
    ImportOptions,
    ImportRejected,
    MappingError,
    import_file,
)
from core.models import (
    Account,
    DailyUsage,
    Interaction,
    MrrMovement,
    Purchase,
    SurveyResponse,
)
from core.store.frames import read_frame

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
CHURN = {"status": {"Yes": "churned", "No": "active"}}
TABLES = ("account", "interaction", "daily_usage", "survey_response", "mrr_movement", "purchase")


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in TABLES
        }


def accounts(engine: Engine) -> pl.DataFrame:
    return read_frame(
        engine,
        select(Account.external_id, Account.name, Account.mrr_cents, Account.status).order_by(
            Account.external_id
        ),
    )


@pytest.fixture
def book(engine: Engine) -> Engine:
    """The three accounts of accounts.csv."""
    import_file(engine, "accounts", FIXTURES / "accounts.csv", ImportOptions(values=CHURN))
    return engine


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


# -- formats ---------------------------------------------------------------------------------


def test_csv_with_synonyms_money_and_value_map(book: Engine) -> None:
    frame = accounts(book)
    assert frame["external_id"].to_list() == ["3668-QPYBK", "5575-GNVDE", "7590-VHVEG"]
    assert frame["mrr_cents"].to_list() == [5385, 105695, 2985]  # "1,056.95" exactly
    assert frame["status"].to_list() == ["churned", "active", "active"]
    with book.connect() as connection:
        plan, segment, start = connection.execute(
            select(Account.plan, Account.segment, Account.start_date).where(
                Account.external_id == "5575-GNVDE"
            )
        ).one()
    assert (plan, segment, start) == ("One year", "Mid-Market", date(2022, 6, 1))


def test_utf8_bom_and_semicolons(engine: Engine) -> None:
    result = import_file(
        engine,
        "accounts",
        FIXTURES / "accounts_bom_semicolon.csv",
        ImportOptions(values=CHURN),
    )
    assert result.inserted == 3
    assert accounts(engine)["mrr_cents"].to_list() == [5385, 105695, 2985]


def test_a_european_export_with_decimal_commas(tmp_path: Path, engine: Engine) -> None:
    """Semicolons, day.month.year and amounts as a German spreadsheet writes them:
    "1.234,56" is 1234.56 and, in the same column, "2.000" is 2000 (a dot between
    thousands); each amount is read here by hand from its text."""
    rows = [
        ("E-1", "Müller GmbH", "1.234,56", "01.02.2024"),
        ("E-2", "Dupont SA", "89,90", "15.03.2023"),
        ("E-3", "Rossi Srl", "2.000", "31.12.2022"),
        ("E-4", "Weber AG", "€ 450,5", "01.06.2021"),
    ]
    text = "external_id;name;mrr;start_date\n" + "".join(";".join(row) + "\n" for row in rows)
    result = import_file(engine, "accounts", write(tmp_path, "eu.csv", text))

    def by_hand(amount: str) -> int:
        whole, _, decimals = amount.strip("€ ").replace(".", "").partition(",")
        return int(whole) * 100 + int(decimals.ljust(2, "0") or 0)

    stored = read_frame(engine, select(Account.mrr_cents, Account.start_date).order_by(Account.id))
    assert stored["mrr_cents"].to_list() == [by_hand(row[2]) for row in rows]
    assert stored["start_date"].to_list()[0] == date(2024, 2, 1)
    assert "column mrr read with a decimal comma (1.234,56 is 1234.56)" in (
        result.reconciliation.assumptions
    )


def test_a_european_file_writes_1_200_for_1200_in_every_column(
    tmp_path: Path, engine: Engine
) -> None:
    """MRR of whole thousands ("1.000") shows no decimal comma itself; the file's
    other columns do ("12.345,60"), and none has a decimal point: every number of it
    is read with a decimal comma, the kept columns' too, each checked here by hand."""
    from core.models import AccountFieldValue, CustomField

    rows = [
        ("E-1", "Müller GmbH", "1.000", "12.345,60", "12"),
        ("E-2", "Dupont SA", "2.500", "1.078,80", "3"),
        ("E-3", "Rossi Srl", "750", "24.000", "1.200"),
    ]
    header = "external_id;name;mrr;TotalCharges;Seats used\n"
    text = header + "".join(";".join(row) + "\n" for row in rows)
    result = import_file(engine, "accounts", write(tmp_path, "eu.csv", text))

    def by_hand(number: str) -> str:
        whole, _, decimals = number.replace(".", "").partition(",")
        return whole + (f".{decimals}" if decimals else "")

    stored = read_frame(engine, select(Account.mrr_cents).order_by(Account.id))
    assert stored["mrr_cents"].to_list() == [int(by_hand(row[2])) * 100 for row in rows]
    values = read_frame(
        engine,
        select(CustomField.name, AccountFieldValue.value)
        .join(CustomField, CustomField.id == AccountFieldValue.field_id)
        .order_by(CustomField.name, AccountFieldValue.account_id),
    )
    kept = {name: group["value"].to_list() for (name,), group in values.group_by("name")}
    assert kept["Seats used"] == [by_hand(row[4]) for row in rows]
    assert [float(v) for v in kept["TotalCharges"]] == [float(by_hand(row[3])) for row in rows]
    assert any(
        line.endswith("Seats used: number (written with a decimal comma: 1.234,56 is 1234.56)")
        for line in result.details()
    )


def test_thousands_commas_without_decimals_are_not_decimal_commas(
    tmp_path: Path, engine: Engine
) -> None:
    """ "1,200" is a thousand two hundred, as three digits after a comma are a group
    of thousands: a file of whole amounts so written is read with a decimal point,
    its kept columns too."""
    from core.models import AccountFieldValue

    text = (
        "external_id,name,mrr,Employees\n"
        'U-1,Acme,"1,200","12,000"\nU-2,Beta,"2,500",80\nU-3,Gamma,800,"1,500"\n'
    )
    result = import_file(engine, "accounts", write(tmp_path, "us.csv", text))
    stored = read_frame(engine, select(Account.mrr_cents).order_by(Account.id))
    assert stored["mrr_cents"].to_list() == [120_000, 250_000, 80_000]
    employees = read_frame(
        engine, select(AccountFieldValue.value).order_by(AccountFieldValue.account_id)
    )["value"].to_list()
    assert employees == ["12000", "80", "1500"]
    assert not any("decimal comma" in line for line in result.details())


def test_only_bare_whole_amounts_are_said_to_be_read_as_units(
    tmp_path: Path, engine: Engine
) -> None:
    """An amount written 19.99, $1,999 or 1999.00 says its unit; bare whole numbers
    (1999) could be cents, so the summary says they were read as units, with the way
    to say otherwise, unless a row further on has cents (beyond the sample read first)."""

    def said(name: str, amounts: list[str]) -> list[str]:
        rows = "".join(
            f'c{n},"{amount}",2024-03-0{n % 9 + 1}\n' for n, amount in enumerate(amounts)
        )
        path = write(tmp_path, name, "customer,amount,date\n" + rows)
        options = ImportOptions(create_missing_accounts=True, dry_run=True)
        details = import_file(engine, "purchases", path, options).details()
        return [line for line in details if "not cents" in line]

    assert said("bare.csv", ["1999", "4999", "1999"]) == [
        "assumed: column amount read as currency units, not cents: its values are whole"
        " numbers (1999 is $1,999.00, not $19.99) and its name does not say cents; if they are"
        " cents, --cents amount reads them so"
    ]
    for written in (["19.99", "49"], ["$1,999", "$49"], ["1999.00", "4999.00"]):
        assert said("units.csv", written) == [], written
    later = ["1999"] * 2_500 + ["19.99"]  # the sample is the first 2,000 rows
    assert said("later.csv", later) == []


def test_cents_given_for_an_amount_column_whose_name_does_not_say_so(
    tmp_path: Path, engine: Engine
) -> None:
    path = write(tmp_path, "charges.csv", "customer,amount,date\nc1,1999,2024-03-01\n")
    options = ImportOptions(create_missing_accounts=True, cents=frozenset({"amount"}))
    result = import_file(engine, "purchases", path, options)
    stored = read_frame(engine, select(Purchase.amount_cents))["amount_cents"].to_list()
    assert stored == [1999]
    assert "assumed: column amount read as cents: total $19.99" in result.details()
    for name, problem in (
        ("description", "purchases have no amount 'description'; their amounts: amount"),
        ("mrr", "purchases have no amount 'mrr'; their amounts: amount"),
    ):
        with pytest.raises(MappingError) as caught:
            import_file(engine, "purchases", path, ImportOptions(cents=frozenset({name})))
        assert caught.value.problems == [f"--cents {name}: {problem}"]


def test_orders_whose_status_says_nothing_was_bought_are_left_out_and_said(
    tmp_path: Path, engine: Engine
) -> None:
    """A shop's or a billing system's order log: its cancelled, refunded or failed
    orders are no purchases; they are left out, counted by value, unless every_row;
    a log of nothing else is refused."""
    rows = [
        ("c1", "2024-03-01", "19.99", "Completed"),
        ("c1", "2024-03-02", "5.00", "Refunded"),
        ("c2", "2024-03-03", "49.00", "Payment failed"),
        ("c2", "2024-03-04", "49.00", "completed"),
        ("c3", "2024-03-05", "12.00", "Cancelled"),
    ]
    text = "customer,order_date,total_price,order_status\n"
    path = write(tmp_path, "orders.csv", text + "".join(",".join(r) + "\n" for r in rows))
    options = ImportOptions(create_missing_accounts=True, dry_run=True)
    result = import_file(engine, "purchases", path, options)
    assert (result.rows, result.reconciliation.totals) == (2, {"amount": 6899})
    assert result.ignored_columns == []  # the status was read, to leave rows out
    assert (
        "3 rows left out: orders that are no purchase (cancelled, refunded, failed,"
        " declined, void or unpaid) (order_status: Cancelled 1, Payment failed 1, Refunded 1);"
        " --every-row imports them"
    ) in result.details()
    every = import_file(engine, "purchases", path, replace(options, every_row=True))
    assert every.rows == len(rows)
    refused = write(tmp_path, "void.csv", text + "c1,2024-03-01,5.00,Void\n")
    with pytest.raises(FileError, match="every row is left out"):
        import_file(engine, "purchases", refused, options)


def test_a_column_mixing_decimal_commas_and_points_is_refused(
    tmp_path: Path, engine: Engine
) -> None:
    path = write(tmp_path, "mixed.csv", "external_id;name;mrr\nE-1;A;1.234,56\nE-2;B;89.90\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "accounts", path)
    assert [(e.row, e.value) for e in caught.value.errors] == [(2, "1.234,56")]
    assert accounts(engine).is_empty()


def test_latin1(engine: Engine) -> None:
    import_file(engine, "accounts", FIXTURES / "accounts_latin1.csv")
    with engine.connect() as connection:
        rows = connection.execute(select(Account.name, Account.owner).order_by(Account.name)).all()
    assert [tuple(row) for row in rows] == [
        ("Café Crème", "José"),
        ("Müller GmbH", "Zoë Ångström"),
    ]


def test_whitespace_separated(engine: Engine) -> None:
    import_file(engine, "accounts", FIXTURES / "accounts_whitespace.txt")
    frame = accounts(engine)
    assert frame["name"].to_list() == ["Alpha", "Beta Inc"]
    assert frame["mrr_cents"].to_list() == [1050, 2000]


def test_tsv_interactions(book: Engine) -> None:
    result = import_file(book, "interactions", FIXTURES / "interactions.tsv")
    assert result.inserted == 3
    frame = read_frame(
        book,
        select(Interaction.kind, Interaction.occurred_at, Interaction.sentiment).order_by(
            Interaction.occurred_at
        ),
    )
    assert frame["kind"].to_list() == ["call", "email", "qbr"]
    assert frame["occurred_at"].to_list() == [
        datetime(2024, 3, 5, 14, 30),
        datetime(2024, 3, 6, 9, 0),
        datetime(2024, 3, 7),
    ]
    assert frame["sentiment"].to_list() == [1, 0, -1]


def test_a_us_locale_moment_with_a_comma_before_its_time(tmp_path: Path, book: Engine) -> None:
    """ "3/1/2024, 2:30 PM" is how a US locale writes a moment (JavaScript's
    toLocaleString, some CRMs' exports): the comma is no part of the date."""
    written = ["3/1/2024, 2:30 PM", "3/13/2024, 11:05:09 AM", "12/31/2024, 12:00 AM"]
    rows = [f'7590-VHVEG,call,"{moment}",Check-in {n}' for n, moment in enumerate(written)]
    path = write(tmp_path, "calls.csv", "\n".join(["account,kind,date,summary", *rows]) + "\n")
    import_file(book, "interactions", path)
    stored = read_frame(book, select(Interaction.occurred_at).order_by(Interaction.occurred_at))
    expected = [datetime.strptime(moment, "%m/%d/%Y, %I:%M %p") for moment in written[::2]]
    expected.insert(1, datetime.strptime(written[1], "%m/%d/%Y, %I:%M:%S %p"))
    assert stored["occurred_at"].to_list() == expected


def test_xlsx_purchases(book: Engine) -> None:
    import_file(book, "purchases", FIXTURES / "purchases.xlsx")
    frame = read_frame(
        book, select(Purchase.amount_cents, Purchase.description).order_by(Purchase.amount_cents)
    )
    assert frame.rows() == [(19900, "Training pack"), (125050, "Extra seats")]


def test_parquet_usage(book: Engine) -> None:
    import_file(book, "usage", FIXTURES / "usage.parquet")
    with book.connect() as connection:
        total = connection.execute(select(func.sum(DailyUsage.logins))).scalar_one()
    assert total == 191


def test_jsonl_surveys(book: Engine) -> None:
    import_file(book, "surveys", FIXTURES / "surveys.jsonl")
    frame = read_frame(
        book, select(SurveyResponse.kind, SurveyResponse.score).order_by(SurveyResponse.kind)
    )
    assert frame.rows() == [("csat", 4), ("nps", 9)]


# -- mapping ---------------------------------------------------------------------------------


def test_map_overrides_the_automatic_match(tmp_path: Path, engine: Engine) -> None:
    path = write(tmp_path, "a.csv", "customer_id,Company Name,Monthly Charges\nC1,Acme,10\n")
    with pytest.raises(MappingError, match="missing required column for name"):
        import_file(engine, "accounts", path)
    import_file(engine, "accounts", path, ImportOptions(columns={"name": "Company Name"}))
    assert accounts(engine).rows() == [("C1", "Acme", 1000, "active")]


def test_a_column_mapped_to_one_field_is_named_for_the_other_it_would_match(
    tmp_path: Path, engine: Engine
) -> None:
    path = write(tmp_path, "a.csv", "customerID,MonthlyCharges\nC1,10\n")
    taken = "customerID matches but feeds name, and a column can feed both: name it with"
    with pytest.raises(MappingError, match=f"external_id .*; {taken} --map external_id="):
        import_file(engine, "accounts", path, ImportOptions(columns={"name": "customerID"}))
    both = {"name": "customerID", "external_id": "customerID"}
    import_file(engine, "accounts", path, ImportOptions(columns=both))
    assert accounts(engine).rows() == [("C1", "C1", 1000, "active")]


def test_a_missing_column_is_told_in_the_words_of_where_the_user_is(
    tmp_path: Path, engine: Engine
) -> None:
    """The app's words, not the command line's, for a file with a tenure column too
    (its start dates are worked out before the mapping is checked)."""
    path = FIXTURES / "telco_churn.csv"  # customerID, tenure..., no name column
    app_words = Hints(map_column="choose its column for {field}")
    with pytest.raises(MappingError) as raised:
        import_file(engine, "accounts", path, ImportOptions(dry_run=True, hints=app_words))
    assert "choose its column for name" in str(raised.value)
    assert "--map" not in str(raised.value)
    assert counts(engine)["account"] == 0


def test_unmapped_enum_value_is_an_error(engine: Engine) -> None:
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "accounts", FIXTURES / "accounts.csv")
    assert caught.value.count == 3
    assert str(caught.value.errors[0]) == (
        'row 2, column "Churn", value "No": not a known status; map it with '
        "--value status:No=VALUE (one of: active, onboarding, churned)"
    )
    assert counts(engine)["account"] == 0


def test_value_map_target_must_be_valid(engine: Engine) -> None:
    options = ImportOptions(values={"status": {"Yes": "gone", "No": "active"}})
    with pytest.raises(MappingError, match="'gone' is not a status"):
        import_file(engine, "accounts", FIXTURES / "accounts.csv", options)


def test_ambiguous_dates_need_a_date_format(tmp_path: Path, engine: Engine) -> None:
    path = write(tmp_path, "a.csv", "id,name,start_date\nD1,Acme,03/04/2024\nD2,Beta,05/06/2024\n")
    with pytest.raises(MappingError, match="--date-format"):
        import_file(engine, "accounts", path)
    import_file(engine, "accounts", path, ImportOptions(date_format="dmy"))
    with engine.connect() as connection:
        start = connection.execute(
            select(Account.start_date).where(Account.external_id == "D1")
        ).scalar_one()
    assert start == date(2024, 4, 3)


# -- accounts that rows point at ---------------------------------------------------------------


def test_unknown_account_with_and_without_create(tmp_path: Path, book: Engine) -> None:
    path = write(tmp_path, "mrr.csv", "account,date,type,amount\nNEW-1,2024-01-01,new,100\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(book, "mrr", path)
    assert str(caught.value.errors[0]).startswith(
        'row 2, column "account", value "NEW-1": no account has this external id or name'
    )
    assert counts(book)["account"] == 3
    result = import_file(book, "mrr", path, ImportOptions(create_missing_accounts=True))
    assert (result.inserted, result.created_accounts) == (1, 1)
    with book.connect() as connection:
        name = connection.execute(
            select(Account.name).where(Account.external_id == "NEW-1")
        ).scalar_one()
        amount, start = connection.execute(
            select(MrrMovement.amount_cents, Account.start_date)
            .join(Account, Account.id == MrrMovement.account_id)
            .where(Account.external_id == "NEW-1")
        ).one()
    # An account created from events starts on its first event, not on the import's day.
    assert (name, amount, start) == ("NEW-1", 10000, date(2024, 1, 1))


def test_contraction_given_positive_is_stored_negative(tmp_path: Path, book: Engine) -> None:
    path = write(
        tmp_path,
        "mrr.csv",
        "account,date,type,amount\n7590-VHVEG,2024-01-01,contraction,5.50\n"
        "5575-GNVDE,2024-01-01,churn,-20\n",
    )
    import_file(book, "mrr", path)
    frame = read_frame(
        book,
        select(MrrMovement.amount_cents)
        .where(MrrMovement.occurred_on == date(2024, 1, 1))
        .order_by(MrrMovement.amount_cents),
    )
    assert frame["amount_cents"].to_list() == [-2000, -550]


# -- re-imports --------------------------------------------------------------------------------


def test_reimport_updates_and_never_duplicates(tmp_path: Path, book: Engine) -> None:
    again = import_file(book, "accounts", FIXTURES / "accounts.csv", ImportOptions(values=CHURN))
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 3)
    changed = (FIXTURES / "accounts.csv").read_text().replace("29.85", "31.00")
    path = write(tmp_path, "changed.csv", changed + "9999-NEW,New Co,SMB,Monthly,1,No,2024-01-01\n")
    result = import_file(book, "accounts", path, ImportOptions(values=CHURN))
    assert (result.inserted, result.updated, result.skipped) == (1, 1, 2)
    assert counts(book)["account"] == 4
    frame = accounts(book)
    assert frame.filter(pl.col("external_id") == "7590-VHVEG")["mrr_cents"].item() == 3100

    import_file(book, "interactions", FIXTURES / "interactions.tsv")
    second = import_file(book, "interactions", FIXTURES / "interactions.tsv")
    assert (second.inserted, second.skipped) == (0, 3)
    assert counts(book)["interaction"] == 3


def test_an_empty_cell_changes_nothing_stored(tmp_path: Path, book: Engine) -> None:
    """A second export of the same accounts with empty status, plan and start cells (a
    customers export after a subscriptions one) keeps what is stored: it made the
    churned Initech active again and cleared every plan and start date. A status the
    file gives still applies (a churn date left empty is then cleared), and a new
    account takes the defaults."""

    def stored() -> dict[str, tuple[object, ...]]:
        with book.connect() as connection:
            rows = connection.execute(
                text("SELECT external_id, status, plan, start_date, churned_at FROM account")
            ).all()
        return {row[0]: tuple(str(value) if value else None for value in row[1:]) for row in rows}

    def movements() -> int:
        return counts(book)["mrr_movement"]

    before, moved = stored(), movements()
    assert before["3668-QPYBK"][0] == "churned" and before["7590-VHVEG"][1] == "Month-to-month"
    path = write(
        tmp_path,
        "customers.csv",
        "customerID,Name,Contract,Churn,Start Date\n"
        "7590-VHVEG,Acme Corp,,,\n5575-GNVDE,Globex,,,\n3668-QPYBK,Initech,,,\n"
        "4000-NEW,New Co,,,\n",
    )
    result = import_file(book, "accounts", path, ImportOptions(values=CHURN))
    assert (result.inserted, result.updated, result.skipped) == (1, 0, 3)
    said = [note for note in result.reconciliation.assumptions if "empty cell" in note]
    assert said == [
        "empty cells left the stored values of accounts already in the book as they were"
        " (plan: 3, start_date: 3, status: 1): an empty cell changes nothing stored"
    ]
    after = stored()
    assert {key: after[key] for key in before} == before
    assert after["4000-NEW"][:2] == ("active", None)
    assert movements() == moved  # no reactivation recorded

    book_churn = text("UPDATE account SET churned_at = '2024-03-01' WHERE external_id = :id")
    with book.begin() as connection:
        connection.execute(book_churn, {"id": "3668-QPYBK"})
    path = write(tmp_path, "back.csv", "customerID,Name,Churn,Churn Date\n3668-QPYBK,Initech,No,\n")
    result = import_file(book, "accounts", path, ImportOptions(values=CHURN))
    assert result.updated == 1
    assert stored()["3668-QPYBK"][0::3] == ("active", None)  # the file says: not churned


def test_dry_run_writes_nothing(book: Engine) -> None:
    before = counts(book)
    result = import_file(
        book, "interactions", FIXTURES / "interactions.tsv", ImportOptions(dry_run=True)
    )
    assert (result.inserted, result.dry_run) == (3, True)
    assert counts(book) == before


# -- bad input writes nothing ------------------------------------------------------------------

BAD_FILES = {
    "empty": ("accounts", "empty.csv", "", FileError, "is empty"),
    "header only": ("accounts", "h.csv", "id,name\n", FileError, "has a header but no rows"),
    "missing required column": (
        "interactions",
        "i.csv",
        "account,type,summary\n7590-VHVEG,call,Hi\n",
        MappingError,
        "missing required column for occurred_at",
    ),
    "bad date": (
        "interactions",
        "i.csv",
        "account,type,date,summary\n7590-VHVEG,call,2024-01-02,Hi\n7590-VHVEG,call,2024-13-45,Hi\n",
        ImportRejected,
        'row 3, column "date", value "2024-13-45": occurred_at is not a date',
    ),
    "nps of 11": (
        "surveys",
        "s.csv",
        "account,kind,score,answered_at\n7590-VHVEG,nps,9,2024-01-02\n"
        "7590-VHVEG,nps,11,2024-01-03\n",
        ImportRejected,
        'row 3, column "score", value "11": NPS must be 0-10',
    ),
    "negative mrr": (
        "accounts",
        "a.csv",
        "id,name,mrr\nN1,Acme,-5\n",
        ImportRejected,
        'row 2, column "mrr", value "-5": MRR cannot be negative',
    ),
    "duplicate external id": (
        "accounts",
        "a.csv",
        "id,name\nX1,Acme\nX2,Beta\nX1,Acme again\n",
        ImportRejected,
        'row 4, column "id", value "X1": same external_id as row 2',
    ),
    "non-numeric amount": (
        "purchases",
        "p.csv",
        "account,date,amount\n7590-VHVEG,2024-01-01,12.50\n7590-VHVEG,2024-01-02,twelve\n",
        ImportRejected,
        'row 3, column "amount", value "twelve": amount is not an amount',
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_input_writes_nothing(case: str, tmp_path: Path, book: Engine) -> None:
    kind, name, content, error, message = BAD_FILES[case]
    path = write(tmp_path, name, content)
    before = counts(book)
    with pytest.raises(error) as caught:
        import_file(book, kind, path)
    assert message in str(caught.value)
    assert counts(book) == before


def test_truncated_xlsx_writes_nothing(book: Engine) -> None:
    before = counts(book)
    with pytest.raises(FileError, match="cannot be read as an Excel workbook"):
        import_file(book, "purchases", FIXTURES / "truncated.xlsx")
    assert counts(book) == before


def test_report_lists_twenty_errors_and_counts_the_rest(tmp_path: Path, book: Engine) -> None:
    """Every score is out of range (repeats are answers), and every fifth row names an
    unknown account: the first 20 errors, then how many rows each problem has."""
    rows = "".join(
        f"{'NOPE' if i % 5 == 0 else '7590-VHVEG'},nps,{11 + i % 3},2024-01-{1 + i % 28:02d}\n"
        for i in range(45)
    )
    path = write(tmp_path, "s.csv", "account,kind,score,answered_at\n" + rows)
    with pytest.raises(ImportRejected) as caught:
        import_file(book, "surveys", path)
    assert caught.value.count == 45 + 9
    assert len(caught.value.errors) == 20
    assert [error.row for error in caught.value.errors][:3] == [2, 2, 3]
    lines = str(caught.value).splitlines()
    tally = lines[lines.index(f"and {caught.value.count - 20:,} more") + 1 :]
    assert tally[0] == "In all:"
    assert tally[1].startswith('  45 rows, column "score": ')
    assert tally[2].startswith(
        '  9 rows, column "account": no account has this external id or name'
    )
    assert len(tally) == 3


def test_a_ticket_resolved_before_it_opened_is_refused(tmp_path: Path, book: Engine) -> None:
    path = write(
        tmp_path,
        "tickets.csv",
        "account,opened_at,first_response_at,resolved_at\n"
        "7590-VHVEG,2024-03-02 10:00,2024-03-02 11:00,2024-03-01 09:00\n"
        "7590-VHVEG,2024-03-05 10:00,2024-03-05 09:00,\n",
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(book, "tickets", path)
    assert [(e.row, e.column) for e in caught.value.errors] == [
        (2, "resolved_at"),
        (3, "first_response_at"),
    ]
    assert "resolved before it opened" in str(caught.value)
    with book.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 0


def test_a_second_id_column_with_another_value_is_refused(tmp_path: Path, engine: Engine) -> None:
    path = write(tmp_path, "a.csv", "external_id,id,name\nA-1,A-1,Acme\nA-2,B-9,Beta\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "accounts", path)
    [error] = caught.value.errors
    assert (error.row, error.column) == (3, "external_id")
    assert 'column "id" names another external_id' in error.reason


@pytest.mark.parametrize("values", [("North", "South"), ("West", "East")], ids=["same", "other"])
def test_two_imports_of_one_accounts_file_at_once(
    tmp_path: Path, engine: Engine, values: tuple[str, str]
) -> None:
    """Dana's import of an accounts file with a Region column (kept as a custom field)
    is written while Sam's, checked before hers was written, waits for it: Sam's then
    finds the field hers created and writes its values over hers, each change in the
    history (it failed on the field's unique key, an IntegrityError, as a traceback)."""
    header = "external_id,name,Region\n"
    dana = write(tmp_path, "dana.csv", header + "A-1,Alpha,North\nA-2,Beta,South\n")
    sam = write(tmp_path, "sam.csv", header + f"A-1,Alpha,{values[0]}\nA-2,Beta,{values[1]}\n")
    danas: list[int] = []

    def dana_writes_first(stage: str, _done: int, _total: int | None) -> None:
        if stage == "validated" and not danas:  # Sam's rows are checked, not written
            danas.append(import_file(engine, "accounts", dana).inserted)

    import_file(engine, "accounts", sam, progress=dana_writes_first)
    assert danas == [2]

    def rows(sql: str) -> list[tuple]:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]

    assert rows("SELECT key, name FROM custom_field") == [("region", "Region")]
    stored = rows(
        "SELECT a.external_id, v.value FROM account_field_value v"
        " JOIN account a ON a.id = v.account_id ORDER BY a.external_id"
    )
    assert stored == [("A-1", values[0]), ("A-2", values[1])]
    changes = [
        (old, new) for old, new in zip(("North", "South"), values, strict=True) if old != new
    ]
    history = rows(
        "SELECT old_value, new_value FROM account_field_revision"
        " WHERE old_value IS NOT NULL ORDER BY old_value"
    )
    assert history == sorted(changes)


def test_a_field_made_meanwhile_with_another_type_refuses_the_import(
    tmp_path: Path, engine: Engine
) -> None:
    """Dana's file made Region a number while Sam's, which reads it as text, waited:
    Sam's import is refused in words and writes nothing."""
    dana = write(tmp_path, "dana.csv", "external_id,name,Region\nA-1,Alpha,1\nA-2,Beta,2\n")
    sam = write(tmp_path, "sam.csv", "external_id,name,Region\nA-3,Gamma,North\n")

    def dana_writes_first(stage: str, _done: int, _total: int | None) -> None:
        if stage == "validated" and not counts(engine)["account"]:
            import_file(engine, "accounts", dana)

    with pytest.raises(FileError, match='column "Region": a field of that name was made as'):
        import_file(engine, "accounts", sam, progress=dana_writes_first)
    assert counts(engine)["account"] == 2  # Dana's alone


@pytest.mark.parametrize(
    ("kind", "header", "row", "column"),
    [
        ("surveys", "account_id,kind,score,answered_at", "{id},nps,9,{at}", "answered_at"),
        ("tickets", "account_id,opened_at,resolved_at", "{id},{past},{at}", "resolved_at"),
        ("purchases", "account_id,purchased_at,amount", "{id},{at},10.00", "purchased_at"),
        ("usage", "account_id,day,active_users", "{id},{day},3", "day"),
    ],
)  # fmt: skip
def test_what_has_not_happened_yet_is_refused(
    book: Engine, tmp_path: Path, kind: str, header: str, row: str, column: str
) -> None:
    """An answer, a ticket's resolution, a purchase or a day of use dated after now
    was taken (as `cxtui log` refuses a call dated after now). A moment up to 14
    hours ahead may be local time read as UTC: taken."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    later, soon = now + timedelta(days=2), now + timedelta(hours=1)
    past = now - timedelta(days=3)
    fill = {"id": "7590-VHVEG", "past": past, "at": later, "day": later.date()}
    path = write(tmp_path, "later.csv", f"{header}\n{row.format(**fill)}\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(book, kind, path)
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, column)
    assert error.reason.startswith("dated after now: only what has happened is imported")
    with book.connect() as connection:
        table = {"surveys": "survey_response", "usage": "daily_usage"}.get(kind, kind[:-1])
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0
    fill |= {"at": soon if kind != "usage" else past, "day": soon.date()}
    path = write(tmp_path, "soon.csv", f"{header}\n{row.format(**fill)}\n")
    assert import_file(book, kind, path).inserted == 1


def test_an_interaction_dated_after_now_is_left_out_as_planned(
    book: Engine, tmp_path: Path
) -> None:
    """A meeting planned for March imported as a meeting held (a CRM's meetings export
    lists the scheduled ones): its "last touch" and the rules read it as done. Left
    out and said, with its row; the meetings held are imported."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows = [
        ("meeting", now + timedelta(days=80), "QBR planned"),
        ("call", now - timedelta(days=6), "Renewal call"),
        ("meeting", now + timedelta(days=2), "Kick-off planned"),
        ("email", now + timedelta(hours=1), "Sent (local time east of UTC)"),
    ]
    lines = [f"7590-VHVEG,{kind},{at},{summary}" for kind, at, summary in rows]
    path = write(
        tmp_path, "meetings.csv", "\n".join(["account_id,kind,occurred_at,summary", *lines])
    )
    result = import_file(book, "interactions", path)
    assert result.inserted == 2
    said = "2 interactions dated after now left out: planned, not held yet (rows 2, 4)"
    assert result.reconciliation is not None
    assert said in result.reconciliation.left_out
    stored = read_frame(book, select(Interaction.summary).order_by(Interaction.occurred_at))
    assert stored["summary"].to_list() == ["Renewal call", "Sent (local time east of UTC)"]


@pytest.mark.parametrize("create", [False, True])
def test_a_row_naming_several_companies_is_refused_in_words(
    book: Engine, tmp_path: Path, create: bool
) -> None:
    """HubSpot's 'Associated Company' holds every company of an activity ('Acme
    Corp;Globex'): the refusal offered --create-missing-accounts, which would make
    one account named 'Acme Corp;Globex'."""
    path = write(
        tmp_path,
        "calls.csv",
        "account,kind,occurred_at,summary\n"
        "Acme Corp,call,2026-11-02 10:00,Renewal\n"
        "Acme Corp;Globex,call,2026-11-03 10:00,Joint call\n",
    )
    options = ImportOptions(create_missing_accounts=create)
    with pytest.raises(ImportRejected) as caught:
        import_file(book, "interactions", path, options)
    [error] = caught.value.errors
    assert (error.row, error.value) == (3, "Acme Corp;Globex")
    assert error.reason.startswith("names several accounts (separated by ;)")
    assert counts(book)["interaction"] == 0
    assert counts(book)["account"] == 3
