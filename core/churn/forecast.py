"""The renewal forecast: for the renewals of the next 30, 60 and 90 days, the MRR up
for renewal and the MRR expected to stay, from each account's churn risk.

An account renews in a window when it is a customer today and its renewal date falls
in [today, today + N days] (the metrics' definition). Its chance of not renewing is
its ``churn_risk_90d`` from the churn model in force (``core.churn.risk``): an
assumption the forecast states, as the model's horizon is 90 days whatever the
window. Expected MRR retained is the sum of MRR x (1 - risk); its interval is the
normal approximation of a sum of independent renew-or-not outcomes (1.96 standard
deviations, at most the MRR up and at least 0). The accounts that move the forecast
most are those with the largest expected loss (MRR x risk).

An account set to cancel at its renewal (``Account.cancels_at_renewal``: the customer
asked to cancel) is expected to leave whatever its churn risk: its chance of staying
is 0, its expected loss its whole MRR, and it adds nothing to the interval. Each
window says how many renewals are set to cancel and their MRR; the drill lists them
first.

The dashboard's tile takes the renewals of its list (its scope) instead of the whole
book: ``retained_of`` gives their figures, ``forecast_drill`` what is behind them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Engine, select, true

from core.accounts.customers import is_customer_on
from core.churn.features import NotEnoughData
from core.churn.risk import RISK, ModelInForce, churn_risk, model_in_force
from core.health.config import HealthModelConfig
from core.models import Account
from core.store.frames import read_frame

if TYPE_CHECKING:
    from core.metrics.drill import Drill

WINDOWS = (30, 60, 90)
MOVERS = 5
Z_95 = 1.96
NO_MODEL = "no churn model has been fitted yet: run `cxtui model fit` first"


SET_TO_CANCEL = "set_to_cancel"
"""The renewals' column: the account is set to cancel at its renewal."""


@dataclass(frozen=True)
class Mover:
    external_id: str
    name: str
    renewal_date: str
    mrr: float
    churn_risk_90d: float
    expected_loss: float  # its whole MRR when it is set to cancel
    set_to_cancel: bool


@dataclass(frozen=True)
class RenewalWindow:
    days: int
    renewals: int
    mrr_up: float
    expected_retained: float
    retained_low: float
    retained_high: float
    movers: list[Mover]
    without_risk: int  # renewals the model gave no risk: counted as staying
    set_to_cancel: int  # renewals set to cancel: expected to leave
    mrr_set_to_cancel: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def renewals_with_risk(engine: Engine, as_of: date, model: HealthModelConfig) -> pl.DataFrame:
    """The customers at ``as_of`` renewing within the longest window, with their MRR
    (currency units) and churn risk; NotEnoughData without a churn model."""
    in_force = model_in_force(engine)
    if in_force is None:
        raise NotEnoughData(NO_MODEL)
    accounts = read_frame(
        engine,
        select(
            Account.id.label("account_id"),
            Account.external_id,
            Account.name,
            Account.mrr_cents,
            Account.renewal_date,
            Account.start_date,
            Account.status,
            Account.churned_at,
            Account.churn_recorded_on,
            Account.cancels_at_renewal.label(SET_TO_CANCEL),  # type: ignore[attr-defined]
        ),
    ).filter(
        is_customer_on(as_of)
        & pl.col("renewal_date").is_between(as_of, as_of + timedelta(days=max(WINDOWS)))
    )
    ids = accounts["account_id"].to_list()
    risk = churn_risk(engine, as_of, model, ids, in_force) if ids else None
    frame = accounts.select(
        "account_id",
        "external_id",
        "name",
        "renewal_date",
        (pl.col("mrr_cents") / 100).alias("mrr"),
        pl.col(SET_TO_CANCEL).cast(pl.Boolean),
    )
    if risk is None:
        return frame.with_columns(pl.lit(None, pl.Float64).alias(RISK))
    return frame.join(risk, on="account_id", how="left")


def retained_of(
    engine: Engine, as_of: date, renewals: pl.DataFrame, model: HealthModelConfig | None = None
) -> RenewalWindow | None:
    """For ``renewals`` (``id``, ``mrr_cents``: a list the app shows, renewing within
    the longest window), their figures as one window of that length: the MRR up, the
    MRR expected to stay and its 95 % interval, in currency units (all 0 without
    renewals); None without a churn model."""
    in_force = model_in_force(engine)
    if in_force is None:
        return None
    return _window(max(WINDOWS), _with_risk(engine, as_of, renewals, model, in_force))


def forecast_drill(
    engine: Engine, as_of: date, renewals: pl.DataFrame, model: HealthModelConfig | None = None
) -> Drill:
    """What is behind the dashboard's forecast tile: one row per renewal of
    ``renewals`` (``id``, ``name``, ``owner``, ``renewal_date``, ``mrr_cents``: the
    dashboard's list in its scope) with its expected loss (MRR x risk, in cents; its
    whole MRR when it is set to cancel), churn risk (%) and whether it is set to
    cancel: those set to cancel first, then the largest expected loss, as those move
    the forecast most; the formula with the figures of each window. NotEnoughData
    without a churn model."""
    from core.metrics.drill import Drill

    in_force = model_in_force(engine)
    if in_force is None:
        raise NotEnoughData(NO_MODEL)
    due = _with_risk(engine, as_of, renewals, model, in_force)
    windows = [
        _window(days, due.filter(pl.col("renewal_date") <= as_of + timedelta(days=days)))
        for days in WINDOWS
    ]
    # the sort key and its risk first after the name: an 80-column terminal shows them
    rows = due.select(
        "account_id",
        "name",
        (pl.col("mrr_cents") * _leaving()).round().cast(pl.Int64).alias("expected_loss_cents"),
        (pl.col(RISK) * 100).round(1).alias("churn_risk_pct"),
        SET_TO_CANCEL,
        "mrr_cents",
        "renewal_date",
        "owner",
    ).sort(
        [SET_TO_CANCEL, "expected_loss_cents", "renewal_date", "name"],
        descending=[True, True, False, False],
        nulls_last=True,
    )
    whole = windows[-1]
    lines = [
        f"Expected MRR kept = the sum of MRR x (1 - churn risk) over "
        f"{_count(whole.renewals)} in the next {whole.days} days = "
        f"{_dollars(whole.expected_retained)} of {_dollars(whole.mrr_up)} up for renewal; "
        f"95 % interval {_dollars(whole.retained_low)} to {_dollars(whole.retained_high)}.",
        *([f"{cancelling_words(whole)}, expected to leave."] if whole.set_to_cancel else []),
        " · ".join(
            f"within {window.days} days: {_count(window.renewals)}, "
            f"{_dollars(window.expected_retained)} kept of {_dollars(window.mrr_up)}"
            for window in windows[:-1]
        )
        + ".",
        f"Assumption: every window uses the same churn risk, {in_force.risk_basis}; the "
        "interval treats the renewals as independent."
        + (
            f" {_count(whole.without_risk)} without a risk counted as staying."
            if whole.without_risk
            else ""
        ),
    ]
    terms = {"without_risk": whole.without_risk}
    for window in windows:
        suffix = "" if window is whole else f"_{window.days}"
        terms |= {
            f"renewals{suffix}": window.renewals,
            f"mrr_up{suffix}": round(window.mrr_up * 100),
            f"kept{suffix}": round(window.expected_retained * 100),
            f"set_to_cancel{suffix}": window.set_to_cancel,
            f"mrr_set_to_cancel{suffix}": round(window.mrr_set_to_cancel * 100),
        }
    terms |= {
        "kept_low": round(whole.retained_low * 100),
        "kept_high": round(whole.retained_high * 100),
    }
    return Drill(
        f"Renewals in the next {whole.days} days: the MRR expected to stay, those set to "
        "cancel first, then the largest expected losses",
        "\n".join(lines),
        rows,
        terms,
    )


def _with_risk(
    engine: Engine,
    as_of: date,
    renewals: pl.DataFrame,
    model: HealthModelConfig | None,
    in_force: ModelInForce,
) -> pl.DataFrame:
    """``renewals`` with ``id`` as ``account_id``, ``mrr`` in currency units, whether
    each is set to cancel and the churn risk (null for an account the model gives
    none)."""
    due = renewals.rename({"id": "account_id"}).with_columns(
        (pl.col("mrr_cents") / 100).alias("mrr"),
        pl.col("account_id").is_in(_cancelling_ids(engine).implode()).alias(SET_TO_CANCEL),
    )
    if due.is_empty():
        return due.with_columns(pl.lit(None, pl.Float64).alias(RISK))
    if model is None:
        from core.health.config import load_model

        model = load_model()[0]
    risk = churn_risk(engine, as_of, model, due["account_id"].to_list(), in_force)
    return due.join(risk, on="account_id", how="left", maintain_order="left")


def _cancelling_ids(engine: Engine) -> pl.Series:
    """The ids of the accounts set to cancel at their renewal (few: read them all)."""
    query = select(Account.id).where(Account.cancels_at_renewal == true())
    return read_frame(engine, query)["id"]


def set_to_cancel_of(engine: Engine, renewals: pl.DataFrame) -> tuple[int, float]:
    """Of ``renewals`` (``id``, ``mrr_cents``), those set to cancel: how many, and
    their MRR in currency units. Known without a churn model (the dashboard's tile
    says them when there is none)."""
    leaving = renewals.filter(pl.col("id").is_in(_cancelling_ids(engine).implode()))
    return leaving.height, float(leaving["mrr_cents"].sum()) / 100


def _count(renewals: int) -> str:
    return f"{renewals:,} renewal{'' if renewals == 1 else 's'}"


def cancelling_words(window: RenewalWindow) -> str:
    """ "2 set to cancel: $1,200.00 MRR" (of the window's renewals)."""
    return f"{window.set_to_cancel:,} set to cancel: {_dollars(window.mrr_set_to_cancel)} MRR"


def _leaving() -> pl.Expr:
    """Each renewal's chance of leaving: 1 when it is set to cancel, else its churn
    risk (0 when the model gave none)."""
    return pl.when(pl.col(SET_TO_CANCEL)).then(1.0).otherwise(pl.col(RISK).fill_null(0.0))


def _dollars(amount: float) -> str:
    return f"${amount:,.2f}"


def renewal_forecast(engine: Engine, as_of: date, model: HealthModelConfig) -> list[RenewalWindow]:
    due = renewals_with_risk(engine, as_of, model)
    windows = []
    for days in WINDOWS:
        inside = due.filter(pl.col("renewal_date") <= as_of + timedelta(days=days))
        windows.append(_window(days, inside))
    return windows


def _window(days: int, inside: pl.DataFrame) -> RenewalWindow:
    """The figures of the renewals ``inside`` (mrr, set to cancel and the risk; movers
    need external_id, name, renewal_date too). A renewal set to cancel leaves; one
    the model gave no risk is counted as staying, and counted in ``without_risk``."""
    inside = inside.with_columns(
        _leaving().alias("p"), (pl.col("mrr") * _leaving()).alias("expected_loss")
    )
    totals = inside.select(
        pl.len().alias("n"),
        pl.col("mrr").sum().alias("up"),
        (pl.col("mrr") * (1 - pl.col("p"))).sum().alias("kept"),
        (pl.col("mrr") ** 2 * pl.col("p") * (1 - pl.col("p"))).sum().sqrt().alias("sd"),
        pl.col(SET_TO_CANCEL).sum().alias("cancelling"),
        pl.col("mrr").filter(pl.col(SET_TO_CANCEL)).sum().alias("mrr_cancelling"),
        (pl.col(RISK).is_null() & ~pl.col(SET_TO_CANCEL)).sum().alias("without"),
    ).row(0, named=True)
    up, kept, spread = totals["up"] or 0.0, totals["kept"] or 0.0, Z_95 * (totals["sd"] or 0)
    movers = [
        Mover(
            row["external_id"],
            row["name"],
            row["renewal_date"].isoformat(),
            round(row["mrr"], 2),
            round(row[RISK] or 0.0, 4),
            round(row["expected_loss"], 2),
            row[SET_TO_CANCEL],
        )
        for row in inside.sort("expected_loss", descending=True).head(MOVERS).to_dicts()
        if "external_id" in row
    ]
    return RenewalWindow(
        days=days,
        renewals=int(totals["n"]),
        mrr_up=round(up, 2),
        expected_retained=round(kept, 2),
        retained_low=round(max(0.0, kept - spread), 2),
        retained_high=round(min(up, kept + spread), 2),
        movers=movers,
        without_risk=int(totals["without"]),
        set_to_cancel=int(totals["cancelling"]),
        mrr_set_to_cancel=round(totals["mrr_cancelling"] or 0.0, 2),
    )
