"""No text widget of cxtui reads its words as markup: they quote names, titles, files
and what was typed, and a '[/]' in any of them closed the app (MarkupError) or a
'[b]' lost its brackets. A Static or Label says so with ``markup=False``; styled
words are built as Rich Text. This test reads the source, so a new widget cannot
forget it."""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).parents[2] / "tui"
TEXT_WIDGETS = {"Static", "Label"}


def markup_widgets(source: str) -> list[int]:
    """The lines of the Static and Label calls in ``source`` without ``markup=False``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in TEXT_WIDGETS:
            continue
        markup = next((k.value for k in node.keywords if k.arg == "markup"), None)
        if not (isinstance(markup, ast.Constant) and markup.value is False):
            lines.append(node.lineno)
    return lines


def test_every_text_widget_shows_its_words_as_written() -> None:
    found = {
        f"{path.relative_to(TUI.parent)}:{line}"
        for path in sorted(TUI.rglob("*.py"))
        for line in markup_widgets(path.read_text(encoding="utf-8"))
    }
    assert not found, f"Static or Label without markup=False: {sorted(found)}"


def test_the_check_finds_a_widget_that_reads_markup() -> None:
    source = 'yield Static(name)\nyield Label("x", markup=False)\nyield Label(text, markup=True)\n'
    assert markup_widgets(source) == [1, 3]
