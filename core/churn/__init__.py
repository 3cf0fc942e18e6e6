"""The churn model: features of a cut-off (``features``), the fit (``fit``), each
account's risk from the model in force (``risk``), health weights fitted from it
(``weights``) and the renewal forecast (``forecast``)."""

RISK = "churn_risk_90d"
"""The name of an account's churn risk, in frames, ``--json`` and the accounts list
(a light module: the list names it without importing the model's code)."""
