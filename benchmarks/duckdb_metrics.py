"""The DuckDB side of compare.py's ``cxtui metrics --json`` row: DuckDB computes the
month's figures from a cxtui SQLite file, in a process of its own, and prints them as
JSON with the keys (and units: money in dollars, rates in percent) of ``cxtui metrics
--json``, so that compare.py can check them against cxtui's.

    .venv/bin/python benchmarks/duckdb_metrics.py FILE AS_OF extension|arrow EXTENSIONS_DIR

- extension: DuckDB reads the file through its sqlite extension (``ATTACH ... (TYPE
  sqlite)``), loaded from EXTENSIONS_DIR (compare.py installs it there);
- arrow: Python's sqlite3 reads the same rows, handed to DuckDB as Arrow tables.

The month is the one holding AS_OF, seen as of AS_OF. The figures (26 of cxtui's 54):
customers at the start and the end, churned, new, churn and retention rates, MRR and
its movements, GRR, NRR, NPS and its promoters, passives and detractors, CSAT, the
ticket resolution rate, the median first response, tickets open over 48 h, buyers and
the repeat purchase rate, renewals in the next 30 days; defined as in
``core/metrics/__init__.py`` (docs/metrics.md), written again in SQL.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import date, timedelta
from typing import Any

import duckdb

# What is read from the SQLite file: the columns needed and the rows of the month; the
# parameters' names; the columns' DuckDB types.
INPUTS = {
    "acc": (
        "SELECT id AS account_id, start_date, churned_at, churn_recorded_on, mrr_cents,"
        " renewal_date FROM account",
        (),
        "account_id BIGINT, start_date DATE, churned_at DATE, churn_recorded_on DATE,"
        " mrr_cents BIGINT, renewal_date DATE",
    ),
    "recorded": (
        "SELECT account_id, occurred_on, kind, amount_cents FROM mrr_movement"
        " WHERE occurred_on <= ?",
        ("as_of",),
        "account_id BIGINT, occurred_on DATE, kind VARCHAR, amount_cents BIGINT",
    ),
    "survey": (
        "SELECT kind, score FROM survey_response"
        " WHERE deleted_at IS NULL AND answered_at >= ? AND answered_at < ?",
        ("start_at", "end_at"),
        "kind VARCHAR, score BIGINT",
    ),
    "ticket": (
        "SELECT opened_at, first_response_at, resolved_at FROM ticket WHERE opened_at < ?"
        " AND (opened_at >= ? OR resolved_at IS NULL OR resolved_at >= ?)",
        ("end_at", "start_at", "end_at"),
        "opened_at TIMESTAMP, first_response_at TIMESTAMP, resolved_at TIMESTAMP",
    ),
    "purchase": (
        "SELECT account_id, purchased_at FROM purchase"
        " WHERE purchased_at >= ? AND purchased_at < ?",
        ("start_at", "end_at"),
        "account_id BIGINT, purchased_at TIMESTAMP",
    ),
}

# Every MRR movement up to the as-of day; an account without any recorded movement has
# a "new" one of its MRR on its start date and a "churn" one on its churn date.
MOVEMENTS = """
CREATE TEMP TABLE mov AS
WITH implied AS (
    SELECT account_id, coalesce(start_date, DATE '1900-01-01') AS occurred_on,
           'new' AS kind, mrr_cents AS amount_cents
    FROM acc WHERE mrr_cents > 0
    UNION ALL
    SELECT account_id, coalesce(churned_at, churn_recorded_on), 'churn', -mrr_cents
    FROM acc WHERE mrr_cents > 0 AND coalesce(churned_at, churn_recorded_on) IS NOT NULL
), moved AS (
    SELECT * FROM recorded
    UNION ALL
    SELECT * FROM implied
    WHERE account_id NOT IN (SELECT account_id FROM recorded) AND occurred_on <= $as_of
)
SELECT moved.*, coalesce(
    kind = 'churn' AND churned_at IS NULL AND occurred_on = churn_recorded_on, false
) AS undated
FROM moved LEFT JOIN acc USING (account_id)
"""

# When each account became a customer (inflow) or stopped being one.
EVENTS = """
CREATE TEMP TABLE ev AS
SELECT DISTINCT * FROM (
    SELECT account_id, coalesce(start_date, DATE '1900-01-01') AS day, true AS inflow,
           true AS dated FROM acc
    UNION ALL SELECT account_id, churned_at, false, true FROM acc WHERE churned_at IS NOT NULL
    UNION ALL SELECT account_id, churn_recorded_on, false, false FROM acc
        WHERE churned_at IS NULL AND churn_recorded_on IS NOT NULL
    UNION ALL SELECT account_id, occurred_on, kind = 'reactivation', NOT undated FROM mov
        WHERE kind IN ('reactivation', 'churn')
) WHERE day <= $as_of
"""

# A customer at the end of d: its last event by then is an inflow (on one day, joining
# comes before leaving). Its MRR on d: its movements summed, at least 0.
MACROS = (
    """
CREATE MACRO customers_at(d) AS TABLE
    SELECT account_id FROM ev WHERE day <= d GROUP BY account_id
    HAVING arg_max(inflow, date_diff('day', DATE '1900-01-01', day) * 2 + (NOT inflow)::INT)
""",
    """
CREATE MACRO mrr_on(d) AS TABLE
    SELECT account_id, greatest(sum(amount_cents), 0) AS cents FROM mov
    WHERE occurred_on <= d GROUP BY account_id
""",
)

MONTH = """
WITH s AS (FROM customers_at($before)), e AS (FROM customers_at($ref)),
during AS (FROM ev WHERE day BETWEEN $start AND $ref),
lost AS (FROM s WHERE account_id IN (SELECT account_id FROM during WHERE NOT inflow AND dated)),
new AS (SELECT DISTINCT account_id FROM during WHERE inflow AND account_id NOT IN (FROM s)),
left_undated AS (
    FROM s WHERE account_id IN (SELECT account_id FROM ev WHERE NOT inflow AND NOT dated)
    AND account_id NOT IN (FROM e) AND account_id NOT IN (FROM lost)
),
moved AS (FROM mov WHERE occurred_on BETWEEN $start AND $ref AND NOT undated),
kept AS (FROM moved WHERE account_id IN (FROM s)),
opened AS (FROM ticket WHERE opened_at >= $start_at AND opened_at < $end_at),
buyers AS (
    SELECT account_id, count(DISTINCT purchased_at::DATE) AS days FROM purchase
    GROUP BY account_id
)
SELECT
    (SELECT count(*) FROM s) AS customers_at_start,
    (SELECT count(*) FROM e) AS active_accounts,
    (SELECT count(*) FROM lost) AS churned_accounts,
    (SELECT count(*) FROM left_undated) AS churned_undated,
    (SELECT count(*) FROM new) AS new_accounts,
    (SELECT coalesce(sum(cents), 0) FROM mrr_on($ref) WHERE account_id IN (FROM e)) AS mrr,
    (SELECT coalesce(sum(cents), 0) FROM mrr_on($before) WHERE account_id IN (FROM s))
        AS mrr_at_start,
    (SELECT coalesce(sum(amount_cents), 0) FROM mov
        WHERE occurred_on BETWEEN $start AND $ref AND undated AND account_id IN (FROM s))
        AS kept_undated,
    (SELECT coalesce(sum(amount_cents) FILTER (kind = 'new'), 0) FROM moved) AS mrr_new,
    (SELECT coalesce(sum(amount_cents) FILTER (kind = 'expansion'), 0) FROM moved)
        AS mrr_expansion,
    (SELECT coalesce(sum(amount_cents) FILTER (kind = 'contraction'), 0) FROM moved)
        AS mrr_contraction,
    (SELECT coalesce(sum(amount_cents) FILTER (kind = 'churn'), 0) FROM moved) AS mrr_churned,
    (SELECT coalesce(sum(amount_cents) FILTER (kind = 'reactivation'), 0) FROM moved)
        AS mrr_reactivation,
    (SELECT coalesce(sum(amount_cents) FILTER (kind = 'expansion'), 0) FROM kept)
        AS kept_expansion,
    (SELECT coalesce(sum(amount_cents) FILTER (kind IN ('contraction', 'churn')), 0) FROM kept)
        AS kept_loss,
    (SELECT count(*) FILTER (kind = 'nps' AND score >= 9) FROM survey) AS nps_promoters,
    (SELECT count(*) FILTER (kind = 'nps' AND score BETWEEN 7 AND 8) FROM survey)
        AS nps_passives,
    (SELECT count(*) FILTER (kind = 'nps' AND score <= 6) FROM survey) AS nps_detractors,
    (SELECT count(*) FILTER (kind = 'csat') FROM survey) AS csat_answers,
    (SELECT count(*) FILTER (kind = 'csat' AND score >= 4) FROM survey) AS csat_satisfied,
    (SELECT count(*) FROM opened) AS tickets_opened,
    (SELECT count(*) FILTER (resolved_at < $end_at) FROM opened) AS tickets_resolved,
    (SELECT median(epoch_us(first_response_at - opened_at) / 3.6e9) FROM opened
        WHERE first_response_at < $end_at) AS first_response_hours_median,
    (SELECT count(*) FROM ticket WHERE opened_at < $end_at::TIMESTAMP - INTERVAL 48 HOUR
        AND (resolved_at IS NULL OR resolved_at >= $end_at)) AS tickets_open_over_48h,
    (SELECT count(*) FROM buyers) AS customers_with_purchases,
    (SELECT count(*) FILTER (days > 1) FROM buyers) AS repeat_buyers,
    (SELECT count(*) FROM acc WHERE account_id IN (FROM customers_at($as_of))
        AND renewal_date BETWEEN $as_of AND $as_of + 30) AS renewals_30d_count
"""

COUNTS = (
    "active_accounts",
    "customers_at_start",
    "churned_accounts",
    "new_accounts",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "tickets_open_over_48h",
    "customers_with_purchases",
    "renewals_30d_count",
    "first_response_hours_median",
)
MONEY = (
    "mrr",
    "mrr_at_start",
    "mrr_new",
    "mrr_expansion",
    "mrr_contraction",
    "mrr_churned",
    "mrr_reactivation",
)


def typed(columns: str) -> str:
    """A select list casting each "name TYPE" of ``columns``."""
    pairs = [column.split() for column in columns.split(", ")]
    return ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in pairs)


def read_with_extension(
    con: duckdb.DuckDBPyConnection, db: str, at: dict[str, str], extensions: str
) -> None:
    con.execute(f"SET extension_directory = '{extensions}'")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("LOAD sqlite_scanner")
    con.execute("ATTACH '{}' AS book (TYPE sqlite, READ_ONLY)".format(db.replace("'", "''")))
    con.execute("USE book")
    for name, (sql, names, columns) in INPUTS.items():
        con.execute(
            f"CREATE TEMP TABLE {name} AS SELECT {typed(columns)} FROM ({sql})",
            [at[n] for n in names],
        )
    con.execute("USE memory")


def read_with_sqlite3(con: duckdb.DuckDBPyConnection, db: str, at: dict[str, str]) -> None:
    import pyarrow

    source = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for name, (sql, names, columns) in INPUTS.items():
        cursor = source.execute(sql, [at[n] for n in names])
        rows = cursor.fetchall()
        heads = [head[0] for head in cursor.description]
        raw = pyarrow.table({head: [row[i] for row in rows] for i, head in enumerate(heads)})
        con.register("raw", raw)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT {typed(columns)} FROM raw")
        con.unregister("raw")
    source.close()


def pct(part: float, whole: float) -> float | None:
    return part / whole * 100 if whole else None


def month_figures(db: str, as_of: date, way: str, extensions: str) -> dict[str, Any]:
    start = as_of.replace(day=1)
    ref = min((start + timedelta(days=32)).replace(day=1) - timedelta(days=1), as_of)
    end_at = f"{ref + timedelta(days=1)} 00:00"
    at = {"as_of": as_of.isoformat(), "start_at": f"{start} 00:00", "end_at": end_at}
    con = duckdb.connect()
    if way == "extension":
        read_with_extension(con, db, at, extensions)
    else:
        read_with_sqlite3(con, db, at)
    con.execute(MOVEMENTS, {"as_of": as_of})
    con.execute(EVENTS, {"as_of": as_of})
    for macro in MACROS:
        con.execute(macro)
    values = {"before": start - timedelta(days=1), "start": start, "ref": ref, "as_of": as_of}
    row = con.execute(MONTH, {**values, "start_at": at["start_at"], "end_at": end_at}).fetchone()
    assert row is not None
    r = dict(zip([column[0] for column in con.description], row, strict=True))
    base = r["customers_at_start"] - r["churned_undated"]
    start_mrr = r["mrr_at_start"] + r["kept_undated"]
    answers = r["nps_promoters"] + r["nps_passives"] + r["nps_detractors"]
    return {
        **{key: r[key] for key in COUNTS},
        **{key: r[key] / 100 for key in MONEY},
        "churn_rate_pct": pct(r["churned_accounts"], base),
        "retention_rate_pct": pct(r["active_accounts"] - r["new_accounts"], base),
        "grr_pct": pct(start_mrr + r["kept_loss"], start_mrr),
        "nrr_pct": pct(start_mrr + r["kept_expansion"] + r["kept_loss"], start_mrr),
        "nps": pct(r["nps_promoters"] - r["nps_detractors"], answers),
        "csat_pct": pct(r["csat_satisfied"], r["csat_answers"]),
        "ticket_resolution_rate_pct": pct(r["tickets_resolved"], r["tickets_opened"]),
        "repeat_purchase_rate_pct": pct(r["repeat_buyers"], r["customers_with_purchases"]),
    }


if __name__ == "__main__":
    db, as_of, way, extensions = sys.argv[1:5]
    print(json.dumps(month_figures(db, date.fromisoformat(as_of), way, extensions)))
