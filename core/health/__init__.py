"""The customer health score: one number 0-100 per account, explained.

The model (``config``): five components, usage, engagement, sentiment, support and
commercial, each scored 0-100 from signals of the account's own data; each signal's
raw value maps to 0-100 linearly or by thresholds; component weights are
normalised to percentages over the components with data (the others are "left
out"). Bands: green >= 70, yellow >= 40, red below. All of it comes from
``defaults.toml`` (shipped) under the user's ``health.toml``
(``config_path()``); ``load_model()`` returns the model and warnings for the user.

Stored shape, read by the TUI straight from the tables:

``health_snapshot`` (one row per account per day; a same-day recompute replaces
that day's row):

- ``score``: the computed score, the sum of the contributions (2 decimals);
- ``band``: "green" | "yellow" | "red" from the score;
- ``components``: JSON, exactly the CLI's ``components`` object, only the
  components with data::

      {"usage": {"raw": {"active_user_ratio": 0.42, "trend_pct": -18.0},
                 "score": 47.3, "weight_pct": 30.0, "contribution": 14.19},
       "engagement": {"raw": {"days_since_last_interaction": 12.0,
                              "meetings_90d": 1.0}, ...},
       "sentiment": {"raw": {"latest_nps": 9.0, "latest_csat": 4.0,
                             "interaction_sentiment": 0.5}, ...},
       "support": {"raw": {"open_tickets": 1.0, "tickets_over_48h": 0.0,
                           "slow_first_response_pct": 25.0}, ...},
       "commercial": {"raw": {"contraction_pct": 0.0,
                              "renewal_unattended": 0.0}, ...}}

  ``raw`` holds the signals (null when that signal has no data); ``score`` is the
  component's 0-100; ``weight_pct`` its share of the score in %; ``contribution``
  = score x weight_pct / 100, and the contributions add up to the snapshot score;
- ``left_out``: JSON list of the components without data, e.g. ``["support"]``;
- ``model_id``: the ``health_model`` row the score was computed with (a new id
  marks a model change on a trend line; see ``history``).

``health_override``: active on day D when ``starts_on <= D < expires_on`` and
``ended_at`` is null (on ``expires_on`` itself the computed value is back). It
holds a score and/or a band; with a score only, the band follows from the score.
Overrides are never deleted: a new one ends the active one (``ended_at``).

Public API: ``load_model``, ``compute_scores``, ``recompute_all``,
``recompute_account`` (call it right after an account's data changed: a logged
interaction, a survey answer, a closed ticket), ``recompute_in_background``,
``current_health``, ``history``, ``model_changes``, ``set_override``,
``end_override``, ``backtest``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.health.backtest import BacktestResult, BandOutcome, backtest
    from core.health.config import (
        BANDS,
        COMPONENTS,
        SIGNALS,
        HealthConfigError,
        HealthModelConfig,
        config_path,
        default_model,
        load_model,
        parse_model,
    )
    from core.health.overrides import HealthOverrideError, end_override, set_override
    from core.health.scoring import compute_scores, explanation_json
    from core.health.store import (
        active_overrides,
        current_health,
        has_snapshots,
        health_object,
        history,
        model_changes,
        recompute_account,
        recompute_all,
        recompute_in_background,
    )

__all__ = [
    "BANDS",
    "COMPONENTS",
    "SIGNALS",
    "BacktestResult",
    "BandOutcome",
    "HealthConfigError",
    "HealthModelConfig",
    "HealthOverrideError",
    "active_overrides",
    "backtest",
    "compute_scores",
    "config_path",
    "current_health",
    "default_model",
    "end_override",
    "explanation_json",
    "has_snapshots",
    "health_object",
    "history",
    "load_model",
    "model_changes",
    "parse_model",
    "recompute_account",
    "recompute_all",
    "recompute_in_background",
    "set_override",
]

# Submodules are imported when one of their names is first used, lightest first:
# ``from core.health import load_model`` (or ``core.health.trend``) must not import
# SQLAlchemy and the models, which the accounts list is drawn without. A name found
# is kept here. One name is also a submodule's: if ``core.health.backtest`` is
# imported before the function is asked for, ``core.health.backtest`` is the
# submodule, so callers import the function from it.
_SUBMODULES = ("config", "scoring", "store", "overrides", "backtest")


def __getattr__(name: str) -> Any:
    if name in __all__:
        for submodule in _SUBMODULES:
            module = importlib.import_module(f"core.health.{submodule}")
            if hasattr(module, name):
                value = getattr(module, name)
                globals()[name] = value
                return value
    raise AttributeError(f"module 'core.health' has no attribute {name!r}")
