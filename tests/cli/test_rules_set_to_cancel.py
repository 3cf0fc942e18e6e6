"""A Stripe subscriptions export imported, then ``cxtui rules run``: a save call for
each customer set to cancel at a renewal within 60 days (a yearly one renewing in June,
when June is that near), none again after a re-import that keeps them set, and no
"renewal coming up" task for them. Expected figures come from plain polars over the raw
file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

from core.playbook.rules import change_rule
from tests.cli.conftest import run_ok
from tests.cli.test_set_to_cancel import LIVE, _flagged
from tests.cli.test_vendor_exports import _import, _rows

AS_OF = date(2026, 12, 1)
UNPAID = ("trialing", "incomplete")
FLAGS = {
    "cus_005": ["true"],
    "cus_037": ["true"],
    "cus_036": ["true", "false"],  # one of its two live subscriptions: it stays
    "cus_040": ["true"],  # yearly, renews in June
    "cus_004": ["true"],  # canceled already
}


def _customers(export: pl.DataFrame) -> pl.DataFrame:
    """Per customer with a live subscription: set to cancel (every live one is), its
    renewal (the latest period end) and its MRR in dollars (a year's amount / 12).
    A customer none of whose subscriptions has paid yet (a trial) is left out, as the
    import leaves it out."""
    status = pl.col("Status").str.to_lowercase()
    live = export.filter(status.is_in(LIVE))
    rows = live.with_columns(
        cancels=pl.col("Cancel At Period End").str.strip_chars().str.to_lowercase() == "true",
        renewal=pl.col("Current Period End (UTC)").str.slice(0, 10).str.to_date(),
        paid=~status.is_in(UNPAID),
    )
    customers = rows.group_by("Customer ID").agg(
        pl.col("cancels").all(),
        pl.col("paid").any(),
        pl.col("renewal").max(),
        pl.col("Amount"),
        pl.col("Quantity"),
        pl.col("Interval"),
    )
    mrr = [
        str(
            sum(
                Decimal(amount) * int(quantity) / (12 if interval == "year" else 1)
                for amount, quantity, interval in zip(*row, strict=True)
            ).quantize(Decimal("0.01"), ROUND_HALF_UP)
        )
        for row in customers.select("Amount", "Quantity", "Interval").iter_rows()
    ]
    return customers.with_columns(pl.Series("mrr", mrr, dtype=pl.String)).filter("paid")


def test_a_stripe_import_gives_save_calls_once(tmp_path: Path) -> None:
    db, path = tmp_path / "book.db", tmp_path / "subscriptions.csv"
    export = _flagged(FLAGS)
    export.write_csv(path)
    _import(db, "accounts", path)
    customers = _customers(export)
    set_to_cancel = customers.filter("cancels", pl.col("renewal") >= AS_OF)
    assert sorted(set_to_cancel["Customer ID"]) == ["cus_005", "cus_037", "cus_040"]
    # the save calls of now: the renewals within the rule's 60 days (cus_040's in June
    # comes later)
    leaving = set_to_cancel.filter(pl.col("renewal") <= AS_OF + timedelta(days=60))
    assert sorted(leaving["Customer ID"]) == ["cus_005", "cus_037"]

    output = run_ok("rules", "run", "--db", str(db), "--as-of", AS_OF.isoformat())
    counts = {
        " ".join(line.split()[:-3]): int(line.split()[-3])
        for line in output.splitlines()
        if line.rstrip().endswith(("new task", "new tasks"))
    }
    assert counts["Customer set to cancel: save call"] == leaving.height
    # the renewal rules: every other live customer renewing within 60 days (no QBRs here)
    window = customers.filter(
        ~pl.col("cancels"), pl.col("renewal").is_between(AS_OF, AS_OF + timedelta(days=60))
    )
    assert counts["Renewal coming up"] == window.height
    assert counts["Renewal coming up and no recent QBR"] == window.height

    made = _rows(
        db,
        "SELECT a.external_id, t.title, t.owner, t.due_on FROM task t"
        " JOIN account a ON a.id = t.account_id WHERE t.rule = 'set_to_cancel'",
    )
    assert {row[0] for row in made} == set(leaving["Customer ID"])
    for external_id, title, _owner, due_on in made:
        row = leaving.row(by_predicate=pl.col("Customer ID") == external_id, named=True)
        assert f"set to cancel at their renewal on {row['renewal']}," in title
        assert title.endswith(f", ${Decimal(row['mrr']):,} MRR at stake"), title
        assert date.fromisoformat(due_on) == min(AS_OF + timedelta(days=3), row["renewal"])
    renewing = _rows(
        db,
        "SELECT DISTINCT a.external_id FROM task t JOIN account a ON a.id = t.account_id"
        " WHERE t.rule IN ('renewal_due', 'renewal_no_qbr')",
    )
    assert {row[0] for row in renewing} == set(window["Customer ID"])

    # the same file imported again: still set to cancel, no second save call
    _import(db, "accounts", path)
    again = run_ok("rules", "run", "--db", str(db), "--as-of", AS_OF.isoformat())
    assert again.splitlines()[-1].split() == ["Total", "0"], again
    assert len(_rows(db, "SELECT id FROM task WHERE rule = 'set_to_cancel'")) == leaving.height

    # 60 days before cus_040's renewal in June: its save call, due 3 days later
    june = set_to_cancel.row(by_predicate=pl.col("Customer ID") == "cus_040", named=True)
    opens = june["renewal"] - timedelta(days=60)
    run_ok("rules", "run", "--db", str(db), "--as-of", opens.isoformat())
    [(title, due_on)] = _rows(
        db,
        "SELECT t.title, t.due_on FROM task t JOIN account a ON a.id = t.account_id"
        " WHERE t.rule = 'set_to_cancel' AND a.external_id = 'cus_040'",
    )
    assert f"set to cancel at their renewal on {june['renewal']}," in title
    assert date.fromisoformat(due_on) == opens + timedelta(days=3)

    # cxtui rules list says the window
    listed = run_ok("rules", "list", "--db", str(db)).splitlines()
    start = listed.index(
        "on   Customer set to cancel: save call  [rules.set_to_cancel] days = 60, due_in_days = 3"
    )
    assert listed[start + 1].strip() == "renewal within 60 days · due in 3 days"
    # and that the renewal rules leave those set to cancel to it, while it is on
    leaves = "not for customers set to cancel (they get the save call)"
    for rule in ("renewal_due", "renewal_no_qbr"):
        at = next(i for i, line in enumerate(listed) if f"[rules.{rule}]" in line)
        assert listed[at + 1].endswith(f"due in 7 days · {leaves}"), listed[at + 1]
    change_rule("set_to_cancel", {"enabled": False})
    listed = run_ok("rules", "list", "--db", str(db)).splitlines()
    assert not any(leaves in line for line in listed), listed


def test_a_shorter_save_call_window_leaves_the_others_to_the_renewal_rules(
    tmp_path: Path,
) -> None:
    """With the save call's window (11 days) shorter than renewal_due's (60), the
    renewal rules skipped every customer set to cancel: cus_005, renewing in 12 days,
    got no task at all. Now those beyond the call's window get the renewal rules'
    tasks, and ``cxtui rules list`` says which are left out."""
    db, path = tmp_path / "book.db", tmp_path / "subscriptions.csv"
    export = _flagged(FLAGS)
    export.write_csv(path)
    _import(db, "accounts", path)
    change_rule("set_to_cancel", {"days": 11})
    customers = _customers(export)
    renewing = customers.filter(pl.col("renewal").is_between(AS_OF, AS_OF + timedelta(days=60)))
    leaving = renewing.filter("cancels")
    covered = leaving.filter(pl.col("renewal") <= AS_OF + timedelta(days=11))
    assert sorted(leaving["Customer ID"]) == ["cus_005", "cus_037"]
    assert covered["Customer ID"].to_list() == ["cus_037"]

    run_ok("rules", "run", "--db", str(db), "--as-of", AS_OF.isoformat())
    made = _rows(
        db,
        "SELECT a.external_id, t.rule FROM task t JOIN account a ON a.id = t.account_id"
        " WHERE t.rule IN ('renewal_due', 'renewal_no_qbr', 'set_to_cancel')",
    )
    by_rule = {
        rule: {external_id for external_id, made_by in made if made_by == rule}
        for rule in ("renewal_due", "renewal_no_qbr", "set_to_cancel")
    }
    assert by_rule["set_to_cancel"] == set(covered["Customer ID"])
    prepared = set(renewing["Customer ID"]) - set(covered["Customer ID"])
    assert by_rule["renewal_due"] == prepared  # cus_005 among them
    assert by_rule["renewal_no_qbr"] == prepared  # no QBRs here
    # every customer renewing within 60 days has one of the two
    assert by_rule["renewal_due"] | by_rule["set_to_cancel"] == set(renewing["Customer ID"])

    listed = run_ok("rules", "list", "--db", str(db)).splitlines()
    leaves = (
        "not for customers set to cancel whose renewal is within 11 days"
        " (they get the save call; renewing later, this rule's task)"
    )
    for rule in ("renewal_due", "renewal_no_qbr"):
        at = next(i for i, line in enumerate(listed) if f"[rules.{rule}]" in line)
        assert listed[at + 1].endswith(f"due in 7 days · {leaves}"), listed[at + 1]
