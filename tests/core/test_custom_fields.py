"""Custom account fields: the columns an accounts import does not map are kept, typed
from their data, with their values checked against plain polars over the raw file
and read back with plain SQL (SQLite and PostgreSQL); re-imports update them with
history; a bad cell writes nothing; edits keep history too."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from core import models as m
from core.accounts.fields import (
    FieldChange,
    FieldValueError,
    UnknownField,
    account_fields,
    add_field,
    check_new_field,
    custom_fields,
    field_history,
    fields_wide,
    find_field,
    set_field_value,
)
from core.importing import ImportOptions, ImportRejected, import_file
from core.importing.fields import infer_type
from core.models import utcnow
from core.store.locks import begin_writing
from tests.core.conftest import second_user
from tests.rows import new_account

TELCO = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
OPTIONS = dict(
    columns={"external_id": "customerID", "name": "customerID"},
    values={"status": {"Yes": "churned", "No": "active"}},
    as_of=date(2026, 11, 30),
)
# What a person reading the file would call each column it does not map.
EXPECTED_TYPES = {
    "gender": "choice",
    "SeniorCitizen": "yes_no",
    "Partner": "yes_no",
    "Dependents": "yes_no",
    "tenure": "number",
    "PhoneService": "yes_no",
    "MultipleLines": "choice",
    "InternetService": "choice",
    "OnlineSecurity": "choice",
    "OnlineBackup": "choice",
    "DeviceProtection": "choice",
    "TechSupport": "choice",
    "StreamingTV": "choice",
    "StreamingMovies": "choice",
    "PaperlessBilling": "yes_no",
    "PaymentMethod": "choice",
    "TotalCharges": "money",
}


def _import(engine: Engine, path: Path = TELCO, **changes: object):
    return import_file(engine, "accounts", path, ImportOptions(**(OPTIONS | changes)))


def _raw() -> pl.DataFrame:
    """The file as plain polars reads it: every column as text, blanks as null."""
    frame = pl.read_csv(TELCO, infer_schema=False)
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c)
        for c in frame.columns
    )


def _stored(engine: Engine, name: str) -> dict[str, str]:
    """external_id -> stored value of one field, by plain SQL."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT a.external_id, v.value FROM account_field_value v"
                " JOIN account a ON a.id = v.account_id"
                " JOIN custom_field f ON f.id = v.field_id WHERE f.name = :name"
            ),
            {"name": name},
        ).all()
    return dict(rows)


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_columns_an_import_does_not_map_are_kept_typed(engine: Engine) -> None:
    result = _import(engine)
    raw = _raw()
    kept = {extra.column: extra.type for extra in result.fields}
    assert kept == EXPECTED_TYPES
    assert result.ignored_columns == []
    fields = custom_fields(engine)
    assert dict(fields.select("name", "type").iter_rows()) == EXPECTED_TYPES
    assert fields["name"].to_list() == list(EXPECTED_TYPES)  # the file's order
    # Every non-empty cell is one stored value, and nothing else.
    expected_values = sum(raw[c].is_not_null().sum() for c in EXPECTED_TYPES)
    assert _count(engine, "account_field_value") == expected_values == 509
    assert result.field_counts is not None
    assert (result.field_counts.set, result.field_counts.changed) == (expected_values, 0)
    # A first value is no revision.
    assert _count(engine, "account_field_revision") == 0

    ids = raw["customerID"]
    # number: the file's text (whole months).
    assert _stored(engine, "tenure") == dict(zip(ids, raw["tenure"], strict=True))
    # money: exact cents, the blank TotalCharges of the tenure-0 row has no value.
    charges = raw.select("customerID", (pl.col("TotalCharges").cast(pl.Float64) * 100).round())
    expected = {i: int(c) for i, c in charges.drop_nulls().iter_rows()}
    stored = _stored(engine, "TotalCharges")
    assert {i: round(float(v) * 100) for i, v in stored.items()} == expected
    assert stored["5575-GNVDE"] == "1889.50" and "4472-LVYGI" not in stored
    # yes/no: 1 and Yes are yes, 0 and No are no.
    senior = raw.select("customerID", pl.col("SeniorCitizen") == "1")
    assert _stored(engine, "SeniorCitizen") == {
        i: "yes" if flag else "no" for i, flag in senior.iter_rows()
    }
    partner = _stored(engine, "Partner")
    assert sum(v == "yes" for v in partner.values()) == (raw["Partner"] == "Yes").sum()
    # choice: the text, and its choices are the column's distinct values.
    assert _stored(engine, "PaymentMethod") == dict(zip(ids, raw["PaymentMethod"], strict=True))
    method = find_field(fields, "payment_method")  # any case, spaces or underscores
    assert sorted(method["choices"].strip("[]").replace('"', "").split(", ")) == sorted(
        raw["PaymentMethod"].unique().to_list()
    )


def test_the_fields_read_back_typed_in_bulk(engine: Engine) -> None:
    _import(engine)
    raw = _raw()
    wide = fields_wide(engine)
    with engine.connect() as connection:
        ids = dict(connection.execute(text("SELECT id, external_id FROM account")).all())
    wide = wide.with_columns(pl.col("account_id").replace_strict(ids).alias("customerID"))
    assert wide.height == raw.height
    assert wide.schema["tenure"] == pl.Float64 and wide.schema["TotalCharges"] == pl.Int64
    assert wide.schema["SeniorCitizen"] == pl.Boolean
    joined = raw.join(wide, on="customerID", suffix="_stored")
    assert (joined["tenure"].cast(pl.Float64) == joined["tenure_stored"]).all()
    total = joined.select(
        (pl.col("TotalCharges").cast(pl.Float64) * 100).round().cast(pl.Int64)
    ).to_series()
    assert total.equals(joined["TotalCharges_stored"].alias("TotalCharges"))
    assert (joined["PaymentMethod"] == joined["PaymentMethod_stored"]).all()
    # Only some fields, for some accounts (what a list column reads).
    some = fields_wide(engine, custom_fields(engine).filter(pl.col("name") == "gender"), [1, 2])
    assert some.columns == ["account_id", "gender"] and some.height == 2


def test_a_reimport_updates_the_values_and_keeps_the_old_ones(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine)
    changed = _raw().with_columns(
        pl.when(pl.col("customerID") == "7590-VHVEG")
        .then(pl.lit("2"))
        .otherwise(pl.col("tenure"))
        .alias("tenure"),
        pl.when(pl.col("customerID") == "5575-GNVDE")
        .then(None)
        .otherwise(pl.col("TotalCharges"))
        .alias("TotalCharges"),
        pl.when(pl.col("customerID") == "3668-QPYBK")
        .then(pl.lit("Other"))
        .otherwise(pl.col("gender"))
        .alias("gender"),
    )
    path = tmp_path / "telco.csv"
    changed.write_csv(path)
    before = _count(engine, "account_field_value")
    result = _import(engine, path)
    assert result.field_counts is not None
    counts = result.field_counts
    assert (counts.set, counts.changed, counts.cleared) == (0, 2, 1)
    assert _count(engine, "account_field_value") == before - 1
    assert _stored(engine, "tenure")["7590-VHVEG"] == "2"
    assert "5575-GNVDE" not in _stored(engine, "TotalCharges")
    gender = find_field(custom_fields(engine), "gender")
    assert "Other" in gender["choices"]
    with engine.connect() as connection:
        history = connection.execute(
            text(
                "SELECT f.name, a.external_id, r.old_value, r.new_value, r.source"
                " FROM account_field_revision r JOIN custom_field f ON f.id = r.field_id"
                " JOIN account a ON a.id = r.account_id ORDER BY f.name"
            )
        ).all()
    assert [tuple(row) for row in history] == [
        ("TotalCharges", "5575-GNVDE", "1889.50", None, "import"),
        ("gender", "3668-QPYBK", "Male", "Other", "import"),
        ("tenure", "7590-VHVEG", "1", "2", "import"),
    ]
    # The same file again changes nothing.
    again = _import(engine, path)
    assert again.field_counts is not None and again.field_counts.changed == 0
    assert _count(engine, "account_field_revision") == 3


def test_a_cell_that_does_not_fit_its_kept_field_writes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    _import(engine)
    values = _count(engine, "account_field_value")
    bad = _raw().with_columns(
        pl.when(pl.col("customerID") == "3668-QPYBK")
        .then(pl.lit("Maybe"))
        .otherwise(pl.col("Partner"))
        .alias("Partner"),
        pl.lit("9").alias("tenure"),  # would change every account
    )
    path = tmp_path / "bad.csv"
    bad.write_csv(path)
    with pytest.raises(ImportRejected) as rejected:
        _import(engine, path)
    [error] = rejected.value.errors
    assert (error.row, error.column, error.value) == (4, "Partner", "Maybe")
    assert "yes or no" in error.reason
    assert _count(engine, "account_field_value") == values
    assert set(_stored(engine, "tenure").values()) != {"9"}


def test_drop_extra_keeps_nothing_and_names_the_columns(engine: Engine) -> None:
    result = _import(engine, drop_extra=True)
    assert result.fields == []
    assert result.ignored_columns == list(EXPECTED_TYPES)
    assert _count(engine, "custom_field") == 0


def test_a_dry_run_types_the_fields_and_writes_nothing(engine: Engine) -> None:
    result = _import(engine, dry_run=True)
    assert {extra.column: extra.type for extra in result.fields} == EXPECTED_TYPES
    assert result.field_counts is None
    assert _count(engine, "custom_field") == 0
    assert any("17 columns would be kept as new custom fields" in line for line in result.details())


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1.234,56", "1234.56"), ("89,9", "89.90"), ("€ 12,5", "12.50"), ("1,234.5", "1234.50")],
)
def test_an_amount_typed_with_a_decimal_comma_is_read_so(
    engine: Engine, typed: str, stored: str
) -> None:
    """What only a decimal comma can write is read with one; "1,234.5" stays a
    thousands comma and a decimal point."""
    _import(engine)
    with engine.connect() as connection:
        account = connection.execute(
            text("SELECT id FROM account WHERE external_id = '7590-VHVEG'")
        ).scalar_one()
    assert set_field_value(engine, account, "TotalCharges", typed, "Dana").new == stored


def test_an_edit_sets_clears_and_keeps_history(engine: Engine) -> None:
    _import(engine)
    with engine.connect() as connection:
        account = connection.execute(
            text("SELECT id FROM account WHERE external_id = '7590-VHVEG'")
        ).scalar_one()
    change = set_field_value(engine, account, "payment method", "mailed CHECK", "Dana")
    assert (change.old, change.new) == ("Electronic check", "Mailed check")
    set_field_value(engine, account, "TotalCharges", "$1,234.5", "Dana")
    set_field_value(engine, account, "tenure", "", "Dana")
    shown = {row.name: row for row in account_fields(engine, account)}
    assert shown["PaymentMethod"].value == "Mailed check"
    assert shown["TotalCharges"].value == "1234.50" and shown["TotalCharges"].shown == "$1,234.50"
    assert shown["tenure"].value is None
    assert shown["SeniorCitizen"].shown == "No"
    with engine.connect() as connection:
        history = connection.execute(
            text(
                "SELECT old_value, new_value, changed_by, source FROM account_field_revision"
                " ORDER BY id"
            )
        ).all()
    assert [tuple(row) for row in history] == [
        ("Electronic check", "Mailed check", "Dana", "edit"),
        ("29.85", "1234.50", "Dana", "edit"),
        ("1", None, "Dana", "edit"),
    ]
    with pytest.raises(FieldValueError, match="one of: Bank transfer"):
        set_field_value(engine, account, "PaymentMethod", "cash", "Dana")
    with pytest.raises(FieldValueError, match="yes or no"):
        set_field_value(engine, account, "Partner", "perhaps", "Dana")
    with pytest.raises(UnknownField, match="the custom fields are: gender, SeniorCitizen"):
        set_field_value(engine, account, "shoe size", "42", "Dana")


@pytest.mark.parametrize(
    ("name", "cells", "expected"),
    [
        ("seats", ["1", "0", "1"], "yes_no"),
        ("Churn", ["Yes", "no", "TRUE"], "yes_no"),
        ("users", ["12", "1,200", "3.5"], "number"),
        ("ARR", ["12", "1200"], "money"),
        ("contract_value", ["$1,200.00", "30"], "money"),
        ("renewal price", ["10", "20.5"], "money"),
        ("carrier", ["10", "20"], "number"),  # "arr" inside a word is no money
        ("signed", ["2024-03-05", "2024-11-30"], "date"),
        ("region", ["EU", "EU", "US", "US"], "choice"),
        ("notes", ["called", "emailed", "met"], "text"),
        ("empty", [], "text"),
    ],
)
def test_a_column_is_typed_from_its_data(name: str, cells: list[str], expected: str) -> None:
    from core.importing.fields import _stats

    frame = pl.LazyFrame({name: cells}, schema={name: pl.String})
    assert infer_type(name, _stats(frame, [name])[name]) == expected


def test_the_metrics_break_down_by_a_custom_field(engine: Engine) -> None:
    from core.metrics import compute_breakdown
    from core.periods import Period

    _import(engine)
    raw = _raw()
    as_of = date(2026, 11, 30)
    groups = compute_breakdown(engine, Period.month_of(as_of), None, "internet service", as_of)
    # The file's statuses are the export's day's (as_of): its churned accounts had left
    # by its end, and every other account started on or before it.
    active = raw.filter(pl.col("Churn") == "No")
    expected = active.group_by("InternetService").agg(pl.len()).sort("InternetService")
    assert [(name, m.active_accounts) for name, m in groups] == list(expected.iter_rows())
    with pytest.raises(ValueError, match="use segment, owner, plan, gender, SeniorCitizen"):
        compute_breakdown(engine, Period.month_of(as_of), None, "shoe size", as_of)


@pytest.mark.parametrize(
    ("name", "field_type", "choices", "value", "says"),
    [
        ("  ", "text", "", "", "needs a name"),
        ("x" * 121, "text", "", "", "at most 120"),
        ("Payment_Method", "text", "", "", "'PaymentMethod' already exists"),
        ("MRR", "money", "", "", "a column of every account"),
        ("Renewal date", "date", "", "", "a column of every account"),
        ("Tier", "colour", "", "", "one of: number, money"),
        ("Tier", "choice", " , ", "", "needs its choices"),
        ("Tier", "choice", "Bronze, Gold", "silver", "one of: Bronze, Gold"),
        ("Seats bought", "number", "", "ten", 'Seats bought: "ten" is not a number'),
    ],
)
def test_a_new_field_that_does_not_fit_is_refused_in_words(
    engine: Engine, name: str, field_type: str, choices: str, value: str, says: str
) -> None:
    _import(engine)
    before = _count(engine, "custom_field")
    with pytest.raises(FieldValueError, match=says):
        check_new_field(custom_fields(engine), name, field_type, choices, value)
    assert _count(engine, "custom_field") == before


def test_a_new_field_comes_after_the_others_with_its_first_value(engine: Engine) -> None:
    _import(engine)
    fields = custom_fields(engine)
    with engine.connect() as connection:
        account, external_id = connection.execute(
            text("SELECT id, external_id FROM account ORDER BY id LIMIT 1")
        ).one()
    new = check_new_field(fields, "Plan tier", "choice", "Bronze, Silver,  Gold,Silver", " gold ")
    assert (new.key, new.label, new.choices, new.value) == (
        "plantier",
        "Plan tier",
        ("Bronze", "Silver", "Gold"),
        "Gold",
    )
    field_id = add_field(engine, account, new, "Maya")
    after = custom_fields(engine)
    assert after["name"].to_list() == [*fields["name"], "Plan tier"]
    assert after.filter(pl.col("id") == field_id)["position"][0] == fields["position"].max() + 1
    assert _stored(engine, "Plan tier") == {external_id: "Gold"}
    history = field_history(engine, account, field_id)
    assert history.select("old_value", "new_value", "changed_by").rows() == [(None, "Gold", "Maya")]
    # without a first value: the field alone, no value and no revision
    empty = add_field(engine, account, check_new_field(after, "Region", "text"), "Maya")
    assert _stored(engine, "Region") == {}
    assert field_history(engine, account, empty).is_empty()


@pytest.mark.parametrize("typed", ["\u0661\u0662", "\uff11\uff12", "\u0663.\u0665"])
def test_a_number_in_other_digits_is_refused_not_stored_unreadable(typed: str) -> None:
    """12 in Arabic-Indic digits was taken as a number field's value, stored as typed,
    and then read as no value (its typed column null): the 360 showed it, the list's
    column, filters and --by did not. Such digits are refused in words, as letters are."""
    from core.accounts.fields import NUMBER, parse_field_value

    field = {"type": NUMBER, "label": "Seats", "choices": None}
    with pytest.raises(FieldValueError, match=r"Seats: .* type it with the digits 0 to 9"):
        parse_field_value(field, typed)
    assert infer_type("seats", _stats_of("seats", [typed, "\u0663"])) == "text"


def _stats_of(name: str, cells: list[str]):  # type: ignore[no-untyped-def]
    from core.importing.fields import _stats

    return _stats(pl.LazyFrame({name: cells}, schema={name: pl.String}), [name])[name]


@pytest.fixture
def account(engine: Engine) -> int:
    """One account, A-1, with no custom field yet."""
    with Session(engine) as session:
        account_id = new_account(session, "A-1")
        session.commit()
    return account_id


@pytest.mark.parametrize("before", [None, "North"])
def test_two_users_editing_one_value_at_once_keep_both_in_the_history(
    engine: Engine, account: int, before: str | None
) -> None:
    """Sam sets an account's Region while Dana's edit of it is being written: Sam's
    waits, then replaces Dana's value, and the history reads before -> Dana's ->
    Sam's. Both read the value before Dana's: with no value yet, Sam's insert failed
    (a duplicate key); with one, his revision replaced the old value, not Dana's."""
    field = add_field(
        engine,
        account,
        check_new_field(custom_fields(engine), "Region", "text", value=before or ""),
        "Ann",
    )
    with Session(engine) as dana:  # Dana's edit, under way
        begin_writing(dana.connection())
        dana.exec(
            select(m.Account).where(col(m.Account.id) == account).with_for_update(key_share=True)
        ).one()
        value = dana.get(m.AccountFieldValue, (field, account)) or m.AccountFieldValue(
            field_id=field, account_id=account, value="East"
        )
        value.value = "East"
        dana.add(value)
        dana.add(
            m.AccountFieldRevision(
                account_id=account,
                field_id=field,
                old_value=before,
                new_value="East",
                changed_at=utcnow(),
                changed_by="Dana",
                source="edit",
            )
        )
        dana.flush()
        sam, outcome = second_user(
            lambda: set_field_value(engine, account, "Region", "West", "Sam")
        )
        dana.commit()
    sam.join(timeout=10)
    assert outcome == [FieldChange("Region", "East", "West")]
    assert _stored(engine, "Region") == {"A-1": "West"}
    history = field_history(engine, account, field).sort("changed_at")
    assert history.select("old_value", "new_value", "changed_by").rows()[-2:] == [
        (before, "East", "Dana"),
        ("East", "West", "Sam"),
    ]


def test_a_field_added_by_another_user_meanwhile_is_refused_in_words(
    engine: Engine, account: int
) -> None:
    """Sam's new field Region was checked before Dana's Region was saved: saving it
    says the field exists (it failed on the unique key, an IntegrityError) and
    leaves Dana's field and value as they are."""
    sams = check_new_field(custom_fields(engine), "Region", "text", value="West")
    add_field(
        engine,
        account,
        check_new_field(custom_fields(engine), "region", "text", value="East"),
        "Dana",
    )
    with pytest.raises(FieldValueError, match="The field 'region' already exists"):
        add_field(engine, account, sams, "Sam")
    assert custom_fields(engine)["name"].to_list() == ["region"]
    assert _stored(engine, "region") == {"A-1": "East"}
