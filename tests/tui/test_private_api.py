"""The private names of Textual and textual-fastdatatable that ``tui.private_api``
relies on still exist in the installed versions: an upgrade that removes one fails
here, by name, rather than somewhere in the app."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widget import Widget
from textual_fastdatatable import DataTable

from tui import private_api
from tui.app import CxtuiApp
from tui.widgets.accounts_table import AccountsTable

CLASS_NAMES: list[tuple[type, str]] = [
    (App, "_check_bindings"),
    (Widget, "_check_refresh"),
    (Widget, "_scroll_update"),
    (DataTable, "_get_row_style"),
    (DataTable, "_get_styles_to_render_cell"),
    (DataTable, "_row_label_column_width"),
    (DataTable, "_clear_caches"),
    *((DataTable, hook) for hook in private_api.TABLE_HOOKS),
    *((App, hook) for hook in private_api.APP_HOOKS),
]
"""Methods and properties, looked up on the class."""

INSTANCE_NAMES: list[tuple[type, str]] = [
    (App, "_css_update_count"),
    (Screen, "_css_update_count"),
    (DataTable, "_row_render_cache"),
    (DataTable, "_show_hover_cursor"),
    (DataTable, "_update_count"),
    (DataTable, "_pseudo_class_state"),
    (DataTable, "_column_labels"),
    (DataTable, "_column_widths"),
    (DataTable, "_ordered_columns"),
]
"""Attributes set in ``__init__``, looked up on a new instance."""


def _id(pair: tuple[type, str]) -> str:
    return f"{pair[0].__module__}.{pair[0].__qualname__}.{pair[1]}"


@pytest.mark.parametrize("owner, name", CLASS_NAMES, ids=[_id(p) for p in CLASS_NAMES])
def test_class_name_exists(owner: type, name: str) -> None:
    assert hasattr(owner, name), f"{_id((owner, name))} is gone: see tui/private_api.py"


@pytest.mark.parametrize("owner, name", INSTANCE_NAMES, ids=[_id(p) for p in INSTANCE_NAMES])
def test_instance_name_exists(owner: type, name: str) -> None:
    assert hasattr(owner(), name), f"{_id((owner, name))} is gone: see tui/private_api.py"


HOOKS: list[tuple[type, type, str]] = [
    *((DataTable, AccountsTable, hook) for hook in private_api.TABLE_HOOKS),
    *((App, CxtuiApp, hook) for hook in private_api.APP_HOOKS),
]
"""Private methods a class of ours overrides: the library's class, ours, the name."""


@pytest.mark.parametrize(
    "theirs_class, ours_class, hook", HOOKS, ids=[_id((t, h)) for t, _o, h in HOOKS]
)
def test_overrides_keep_their_parameters(theirs_class: type, ours_class: type, hook: str) -> None:
    """An override is only called if the library still calls it the same way."""
    ours = inspect.signature(getattr(ours_class, hook)).parameters
    theirs = inspect.signature(getattr(theirs_class, hook)).parameters
    changed = f"{theirs_class.__name__}.{hook} changed: see tui/private_api.py"
    assert list(ours) == list(theirs), changed
    assert hook in vars(ours_class)


def test_every_private_name_is_checked() -> None:
    """Each private name used in tui/private_api.py is in one of the lists above."""
    source = Path(private_api.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r"\.(_[a-z]\w*)", source)) | set(re.findall(r'"(_[a-z]\w*)"', source))
    checked = {name for _owner, name in CLASS_NAMES + INSTANCE_NAMES}
    assert used - checked == set()
