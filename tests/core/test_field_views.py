"""Custom fields in the accounts list: their columns joined to the list's frame, sorted
by their typed values, and conditions on them (the filter form's and saved filters')
checked against plain polars over the Telco file, in polars and in SQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, select

from core.accounts.field_views import (
    FieldRule,
    field_columns,
    list_fields,
    parse_condition,
    resolve_rules,
    sort_key,
)
from core.accounts.fields import FieldValueError, UnknownField, custom_fields
from core.accounts.listing import AccountFilter, apply_filter, sort_accounts, with_fields
from core.accounts.queries import load_accounts
from core.config.saved_filters import SavedFilter, get_filter, save_filter
from core.importing import ImportOptions, import_file
from core.models import Account
from core.scope import Scope
from core.store.frames import read_frame

TELCO = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
TODAY = date(2026, 11, 30)


@pytest.fixture
def telco(engine: Engine) -> Engine:
    options = ImportOptions(
        columns={"external_id": "customerID", "name": "customerID"},
        values={"status": {"Yes": "churned", "No": "active"}},
        as_of=TODAY,
    )
    import_file(engine, "accounts", TELCO, options)
    return engine


def _raw() -> pl.DataFrame:
    """The file as plain polars reads it, its numbers as numbers."""
    return pl.read_csv(TELCO, infer_schema=False).with_columns(
        pl.col("tenure").cast(pl.Int64),
        pl.col("TotalCharges").str.strip_chars().replace("", None).cast(pl.Float64),
    )


def test_chosen_fields_are_joined_to_the_list_and_sort_by_their_values(telco: Engine) -> None:
    fields = custom_fields(telco)
    chosen, unknown = list_fields(
        fields, ["total_charges", "PaymentMethod", "Nope", "payment method"]
    )
    assert chosen["name"].to_list() == ["TotalCharges", "PaymentMethod"]  # each once, in order
    assert unknown == ["Nope"]
    frame = with_fields(load_accounts(telco, TODAY), field_columns(telco, chosen))
    raw = _raw()
    shown = frame.select("external_id", "field:PaymentMethod", "field:TotalCharges")
    expected = raw.select(
        pl.col("customerID").alias("external_id"),
        pl.col("PaymentMethod").alias("field:PaymentMethod"),
        pl.col("TotalCharges").map_elements(lambda v: f"{v:.2f}", return_dtype=pl.String),
    ).rename({"TotalCharges": "field:TotalCharges"})
    assert shown.sort("external_id").equals(expected.sort("external_id"))
    # sorted by the amount, not its text; the account without one last either way
    for descending in (False, True):
        ordered = sort_accounts(
            frame, "field:TotalCharges", descending, sort_key("money", "field:TotalCharges")
        )
        plain = raw.sort(["TotalCharges", "customerID"], descending=[descending, False])
        plain = plain.sort(pl.col("TotalCharges").is_null(), maintain_order=True)
        assert ordered["external_id"].to_list() == plain["customerID"].to_list()


CONDITIONS = [
    ("PaymentMethod", "electronic CHECK", pl.col("PaymentMethod") == "Electronic check"),
    ("tenure", ">= 12", pl.col("tenure") >= 12),
    ("tenure", "≤ 5", pl.col("tenure") <= 5),
    ("TotalCharges", "<= 1000", pl.col("TotalCharges") <= 1000),
    ("Senior citizen", "yes", pl.col("SeniorCitizen") == "1"),
    ("Partner", "No", pl.col("Partner") == "No"),
]


@pytest.mark.parametrize(("name", "text", "plain"), CONDITIONS)
def test_a_condition_keeps_what_plain_polars_keeps(
    telco: Engine, name: str, text: str, plain: pl.Expr
) -> None:
    fields = custom_fields(telco)
    condition = parse_condition(fields, name, text)
    chosen, _ = list_fields(fields, [condition.field])
    frame = with_fields(load_accounts(telco, TODAY), field_columns(telco, chosen))
    expected = sorted(_raw().filter(plain.fill_null(False))["customerID"])
    assert 0 < len(expected) < 30
    kept = apply_filter(frame, AccountFilter(fields=(condition,)))
    assert sorted(kept["external_id"]) == expected
    # the same rule in SQL (the metrics' and the exports' scope)
    query = Scope(fields=(condition,)).restrict(select(Account.external_id))
    assert sorted(read_frame(telco, query)["external_id"]) == expected


def test_conditions_together_and_in_words(telco: Engine) -> None:
    fields = custom_fields(telco)
    conditions = (
        parse_condition(fields, "payment_method", "Mailed check"),
        parse_condition(fields, "tenure", ">=3"),
        parse_condition(fields, "TotalCharges", "<= 500"),
    )
    where = AccountFilter(fields=conditions)
    assert where.describe() == [
        "Payment method is Mailed check",
        "Tenure ≥ 3",
        "Total charges ≤ $500.00",
    ]
    chosen, _ = list_fields(fields, list(where.field_names))
    frame = with_fields(load_accounts(telco, TODAY), field_columns(telco, chosen))
    plain = _raw().filter(
        (pl.col("PaymentMethod") == "Mailed check")
        & (pl.col("tenure") >= 3)
        & (pl.col("TotalCharges") <= 500)
    )
    assert sorted(apply_filter(frame, where)["external_id"]) == sorted(plain["customerID"])


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("PaymentMethod", ">= 2", "no at least or at most"),
        ("PaymentMethod", "Cash", "one of: "),
        ("tenure", ">= a lot", "is not a number"),
        ("tenure", "", "a value is required"),
    ],
)
def test_a_condition_that_does_not_fit_says_why(
    telco: Engine, name: str, text: str, words: str
) -> None:
    with pytest.raises(FieldValueError, match=words):
        parse_condition(custom_fields(telco), name, text)


def test_a_saved_filter_keeps_conditions_by_field_name(telco: Engine, tmp_path: Path) -> None:
    fields = custom_fields(telco)
    conditions = (
        parse_condition(fields, "paymentmethod", "Mailed check"),
        parse_condition(fields, "tenure", ">= 12"),
        parse_condition(fields, "TotalCharges", "<= 5000.5"),
        parse_condition(fields, "SeniorCitizen", "no"),
    )
    config = tmp_path / "config.toml"
    save_filter(SavedFilter.from_account_filter("loyal", AccountFilter(fields=conditions)), config)
    text = config.read_text(encoding="utf-8")
    assert '{field = "PaymentMethod", is = "Mailed check"}' in text
    assert '{field = "tenure", at_least = 12}' in text
    assert '{field = "TotalCharges", at_most = 5000.5}' in text
    saved = get_filter("loyal", config)
    assert saved.fields[1] == FieldRule("tenure", "at_least", 12)
    assert resolve_rules(fields, saved.fields) == conditions
    assert saved.account_filter(fields=conditions).fields == conditions


def test_an_unknown_field_in_a_saved_filter_is_named(telco: Engine, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[filters.old]\nfields = [{ field = "Region", is = "EMEA" }]\n'
        '[filters.bad]\nfields = [{ field = "tenure", over = 3 }]\n',
        encoding="utf-8",
    )
    saved = get_filter("old", config)  # the file cannot know the database's fields
    with pytest.raises(UnknownField, match=r"'Region'.*tenure"):
        resolve_rules(custom_fields(telco), saved.fields)
    with pytest.raises(ValueError, match=r"line 4: filters\.bad\.fields must be a list of"):
        get_filter("bad", config)
