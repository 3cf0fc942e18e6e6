"""No internal words where a person reads: no Python ``None``, no snake_case name, no
class name, in what the commands print and the screens show, on a book whose optional
fields are empty. Names a person types are allowed where they are told to type them:
the import's field names, the config file's keys and the metric keys of --metric."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.internal_words import internal_words

runner = CliRunner()


@pytest.fixture(scope="module")
def sparse_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Accounts with a name and nothing else, a call, an NPS answer: the optional
    fields are empty everywhere."""
    folder = tmp_path_factory.mktemp("sparse")
    db = folder / "book.db"
    files = {
        "accounts": "external_id,name\nA-1,Acme\nA-2,Beta\n",
        "interactions": "account,kind,occurred_at,summary\nA-1,call,2026-11-20,Kick-off\n",
        "surveys": "account,kind,score,answered_at\nA-1,nps,4,2026-11-21\n",
    }
    for kind, text in files.items():
        path = folder / f"{kind}.csv"
        path.write_text(text)
        result = runner.invoke(app, ["import", kind, str(path), "--db", str(db)])
        assert result.exit_code == 0, result.output
    return db


AS_OF = ["--as-of", "2026-12-01"]
COMMANDS = [
    ["metrics", *AS_OF],
    ["metrics", "--by", "segment", *AS_OF],
    ["metrics", "--by", "owner", *AS_OF],
    ["health", "--recompute", *AS_OF],
    ["health", "--account", "A-1", *AS_OF],
    ["goals"],
    ["rules", "run", "--dry-run", *AS_OF],
    ["rules", "run", *AS_OF],
    ["tasks", *AS_OF],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_commands_print_no_internal_words(sparse_book: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--db", str(sparse_book)])
    assert result.exit_code == 0, result.output
    assert internal_words(result.output) == [], result.output


def test_the_pattern_finds_what_it_looks_for() -> None:
    assert internal_words("owner None · days_since_last_interaction 3 · AccountScreen") == [
        "None",
        "AccountScreen",
        "days_since_last_interaction",
    ]
    assert internal_words("map start_date; set [metrics] lifespan_years") == []
