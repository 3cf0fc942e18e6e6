"""benchmarks/compare.py's table: ratios, goals met or not, skipped sides, the check of
DuckDB's figures against cxtui's JSON, and the issue's order of the rows. Pure
functions only: nothing here is timed."""

from __future__ import annotations

from benchmarks.compare import (
    Goal,
    Row,
    differing,
    format_table,
    goal_met,
    in_issue_order,
    ratio,
)


def test_ratio_is_ours_over_theirs_and_none_without_both() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None
    assert ratio(3.0, None) is None
    assert ratio(3.0, 0.0) is None


def test_a_goal_judges_the_ratio_or_cxtuis_own_figure() -> None:
    of_ratio = Goal(1.2, of_ratio=True)
    assert goal_met(Row("first frame", 1.2, theirs=1.0, goal=of_ratio)) is True
    assert goal_met(Row("first frame", 1.3, theirs=1.0, goal=of_ratio)) is False
    # judged as shown: 1.204x is "1.20x", 1.206x is "1.21x"
    assert goal_met(Row("exit", 1.204, theirs=1.0, goal=of_ratio)) is True
    assert goal_met(Row("exit", 1.206, theirs=1.0, goal=of_ratio)) is False
    assert goal_met(Row("memory", 250.4, unit="MB", goal=Goal(250.0))) is True
    assert goal_met(Row("engine", 1.4, goal=Goal(1.5))) is True
    assert goal_met(Row("memory", 260.0, unit="MB", goal=Goal(250.0))) is False
    # no goal, or nothing to judge: no verdict
    assert goal_met(Row("engine", 1.4)) is None
    assert goal_met(Row("ready", 2.0, goal=of_ratio)) is None
    assert goal_met(Row("ready", None, theirs=1.0, goal=of_ratio)) is None


def test_the_table_has_the_issues_columns_and_one_line_a_row() -> None:
    rows = [
        Row(
            "first frame, demo book",
            1.26,
            theirs=0.42,
            beside="bare Textual app",
            goal=Goal(1.2, of_ratio=True),
        ),
        Row("peak memory, M", 212.4, unit="MB", theirs=133.6, beside="harlequin", goal=Goal(250)),
        Row("metrics engine, L", 1.234, goal=Goal(1.5), extra="12 us/account"),
        Row("ready, M", 3.5, beside="harlequin", note="harlequin: skipped", goal=Goal(1.0, True)),
    ]
    header, rule, *lines = format_table(rows).splitlines()
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        "measure",
        "cxtui",
        "side by side",
        "ratio",
        "goal",
        "met?",
    ]
    assert set(rule) == {"|", "-"}
    assert len({len(line) for line in [header, rule, *lines]}) == 1  # aligned
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    assert cells[0] == [
        "first frame, demo book",
        "1.26 s",
        "bare Textual app 0.42 s",
        "3.00x",
        "<= 1.2x",
        "NO",
    ]
    assert cells[1] == ["peak memory, M", "212 MB", "harlequin 134 MB", "1.59x", "<= 250 MB", "yes"]
    assert cells[2] == ["metrics engine, L", "1.23 s (12 us/account)", "", "", "<= 1.5 s", "yes"]
    assert cells[3] == ["ready, M", "3.50 s", "harlequin: skipped", "", "<= 1.0x", "?"]


def test_a_figure_that_differs_is_said_with_both_values() -> None:
    ours = {"mrr": 1234.56, "nps": None, "churn_rate_pct": 1 / 3 * 100, "active_accounts": 10}
    same = {"mrr": 1234.56, "nps": None, "churn_rate_pct": 100 / 3, "active_accounts": 10}
    assert differing(ours, same) == []
    assert differing(ours, {"mrr": 1234.57, "nps": 12.5, "missing": 1}) == [
        "mrr: cxtui 1234.56, DuckDB 1234.57",
        "nps: cxtui None, DuckDB 12.5",
        "missing: cxtui None, DuckDB 1",
    ]


def test_rows_come_in_the_issues_order_each_measures_books_together() -> None:
    measured = [
        Row("ready (all numbers shown), demo book", 1.0),
        Row("peak memory, first start (health recompute), demo book", 1.0),
        Row("first frame, demo book", 1.0),
        Row("exit after q, demo book", 1.0),
        Row("cxtui metrics --json (whole process), demo book", 1.0),
        Row("metrics engine, month + 12-month series, demo book", 1.0),
        Row("cxtui health --recompute (whole process), demo book", 1.0),
        Row("ready (all numbers shown), M", 1.0),
        Row("peak memory, first start (health recompute), M", 1.0),
        Row("cxtui metrics --json (whole process), M", 1.0),
    ]
    assert [row.measure for row in in_issue_order(measured)] == [
        "first frame, demo book",
        "ready (all numbers shown), demo book",
        "ready (all numbers shown), M",
        "exit after q, demo book",
        "cxtui metrics --json (whole process), demo book",
        "cxtui metrics --json (whole process), M",
        "metrics engine, month + 12-month series, demo book",
        "cxtui health --recompute (whole process), demo book",
        "peak memory, first start (health recompute), demo book",
        "peak memory, first start (health recompute), M",
    ]
