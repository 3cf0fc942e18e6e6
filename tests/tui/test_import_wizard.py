"""Pilot tests of the import wizard on a real database: real files written in
tmp_path, imported end to end through core.importing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, ProgressBar, Select, Static

from core.config.settings import Settings
from core.importing import USAGE_DAY, USAGE_USERS
from core.models import Interaction
from tests.rows import count
from tests.tui.conftest import press, settle, started, text_of
from tui.app import CxtuiApp
from tui.screens.confirm import ConfirmScreen
from tui.screens.import_wizard import (
    ColumnPicker,
    ImportWizardScreen,
    complete_path,
    guess_kind,
)

PRESETS = Path(__file__).parents[1] / "fixtures" / "import" / "presets"
HEADER = "Customer\tType\tDate\tTopic\tMood\n"
ROWS = [
    "EXT-1005\tcall\t2026-06-14 10:00\tFirst call in months\tpositive\n",
    "EXT-1000\tmeeting\t2026-06-13 15:30\tRoadmap review\tneutral\n",
    "EXT-1009\temail\t2026-06-12\tSent the renewal quote\tnegative\n",
]


CALLS_HEADER = "account,kind,occurred_at,summary,sentiment\n"
CALLS = CALLS_HEADER + "EXT-1000,call,2026-06-10,Fine,positive\n"
"""A calls file (interactions) whose first row is good."""


def written(folder: Path, name: str, text: str) -> Path:
    """A file ``name`` in ``folder`` holding ``text`` (UTF-8), to import."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def calls_file(folder: Path, *rows: str) -> Path:
    """A calls file in ``folder``: ``CALLS``'s good row, then ``rows``."""
    return written(folder, "calls.csv", CALLS + "".join(f"{row}\n" for row in rows))


@asynccontextmanager
async def wizard(
    db_url: str, tmp_path: Path, path: Path
) -> AsyncIterator[tuple[CxtuiApp, Pilot, ImportWizardScreen]]:
    async with started(db_url, Settings(path=tmp_path / "config.toml")) as (app, pilot):
        await pilot.press("ctrl+p")
        await pilot.press(*"Import a file")
        await press(app, pilot, "enter")
        screen = app.screen
        assert isinstance(screen, ImportWizardScreen)
        screen.query_one("#path", Input).value = str(path)
        await press(app, pilot, "enter")
        yield app, pilot, screen


def mapping(screen: ImportWizardScreen) -> dict[str, str]:
    table = screen.query_one("#mapping", DataTable)
    rows = [table.get_row_at(row) for row in range(table.row_count)]
    return {str(field).removesuffix(" *"): str(column) for field, column, _first in rows}


def status(screen: ImportWizardScreen) -> str:
    return str(screen.query_one("#status").render())


async def test_import_a_file_end_to_end_after_mapping_a_field_by_keys(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    path = written(tmp_path, "interactions-export.tsv", HEADER + "".join(ROWS))
    before = count(engine, Interaction)
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        assert screen.query_one("#kind", Select).value == "interactions"  # from the name
        preview = screen.query_one("#preview", DataTable)
        assert preview.row_count == 3
        assert str(preview.get_row_at(0)[3]) == "First call in months"
        shown = mapping(screen)
        assert shown["account"] == "Customer"
        assert shown["sentiment"] == "Mood"
        assert shown["summary"] == "— not mapped —"
        # summary is required and unmapped: the import is refused in words
        await press(app, pilot, "ctrl+s")
        assert "summary" in status(screen)
        assert count(engine, Interaction) == before
        # choose its column with the keyboard: the cursor is on summary, enter, pick Topic
        await press(app, pilot, "enter")
        picker = app.screen
        assert isinstance(picker, ColumnPicker)
        await press(app, pilot, "home", *["down"] * 3, "enter")  # Customer, Type, Date, Topic
        assert app.screen is screen
        assert mapping(screen)["summary"] == "Topic"
        await press(app, pilot, "ctrl+s")
        assert count(engine, Interaction) == before + len(ROWS)
        assert "3 were inserted" in status(screen)
        bar = screen.query_one("#progress", ProgressBar)
        assert (bar.total, bar.progress) == (len(ROWS), len(ROWS))
        stage = str(screen.query_one("#stage", Static).render())
        assert stage == f"written {len(ROWS)} of {len(ROWS)} rows"  # no "saving…" left
        assert any("inserted" in str(n.message) for n in app._notifications)
        # the book was read again: Vandelay (never contacted) now has a last interaction
        assert app.book is not None
        vandelay = app.book.filter(app.book["name"] == "Vandelay Industries")
        assert vandelay["last_interaction_at"].item() is not None
        await press(app, pilot, "escape")
        assert not isinstance(app.screen, ImportWizardScreen)


@pytest.mark.parametrize("suffix", [".tsv", ".parquet"])
async def test_the_file_note_names_a_text_files_encoding_only(
    db_url: str, book, tmp_path: Path, suffix: str
) -> None:
    """A Parquet file was described as "PARQUET, utf-8": an encoding means nothing
    for a file whose cells carry their own text."""
    import polars as pl

    path = written(tmp_path, "calls.tsv", HEADER + "".join(ROWS))
    if suffix == ".parquet":
        path = tmp_path / "calls.parquet"
        pl.read_csv(tmp_path / "calls.tsv", separator="\t").write_parquet(path)
    async with wizard(db_url, tmp_path, path) as (_app, _pilot, screen):
        note = str(screen.query_one("#file-note").render())
        if suffix == ".parquet":
            assert note.startswith("calls.parquet: PARQUET, ") and "utf" not in note, note
        else:
            assert note.startswith("calls.tsv: TSV, utf-8, separated by"), note


async def check_as(app: CxtuiApp, pilot: Pilot, screen: ImportWizardScreen, kind: str) -> None:
    """The file read as ``kind``, then checked (ctrl+r: a dry run)."""
    screen.query_one("#kind", Select).value = kind
    await settle(app, pilot)
    await press(app, pilot, "ctrl+r")


async def test_dry_run_lists_errors_and_writes_nothing(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    path = calls_file(
        tmp_path,
        "NOPE-1,call,2026-06-10,Who is this,neutral",
        "EXT-1001,call,not a date,Bad date,neutral",
    )
    before = count(engine, Interaction)
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await check_as(app, pilot, screen, "interactions")
        errors = screen.query_one("#errors", DataTable)
        rows = [[str(cell) for cell in errors.get_row_at(row)] for row in range(errors.row_count)]
        assert [row[:3] for row in rows] == [
            ["3", "account", "NOPE-1"],
            ["4", "occurred_at", "not a date"],
        ]
        # The fix is said in the screen's words, not the command line's options.
        assert (
            'no account has this external id or name; import the accounts first or tick "Create'
            in (rows[0][3])
        )
        assert "--" not in rows[0][3]
        assert "is not a date" in rows[1][3]
        assert "2 errors. Nothing was written." in status(screen)
        assert count(engine, Interaction) == before


async def test_more_errors_than_listed_are_counted_by_problem(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    rows = [f"NOPE-{i},call,2026-06-10,Who,neutral" for i in range(25)]
    rows += [f"EXT-1001,call,June {i},Bad date,neutral" for i in range(3)]
    text = CALLS_HEADER + "\n".join(rows) + "\n"
    path = written(tmp_path, "calls.csv", text)
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await check_as(app, pilot, screen, "interactions")
        said = " ".join(status(screen).split())
        assert "28 errors; the first 20 are listed. Nothing was written." in said
        assert '25 rows, column "account": no account has this external id or name' in said
        assert '3 rows, column "occurred_at":' in said
        assert said.index("25 rows") < said.index("3 rows")
        assert screen.query_one("#errors", DataTable).row_count == 20


async def test_rows_without_an_account_are_left_out_when_ticked(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    path = calls_file(tmp_path, ",call,2026-06-11,Someone with no company,neutral")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await check_as(app, pilot, screen, "interactions")
        errors = screen.query_one("#errors", DataTable)
        assert 'tick "Skip rows without account"' in str(errors.get_row_at(0)[3])
        screen.query_one("#skip-without-account", Checkbox).value = True
        await press(app, pilot, "ctrl+r")
        said = " ".join(status(screen).split())
        assert "1 would be inserted" in said
        assert "1 row without an account (column account empty) left out, as asked" in said


async def test_a_good_dry_run_says_what_would_happen(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    path = written(tmp_path, "interactions.tsv", HEADER.replace("Topic", "Subject") + "".join(ROWS))
    before = count(engine, Interaction)
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await press(app, pilot, "ctrl+r")
        assert "3 would be inserted" in status(screen)
        assert "nothing was written" in status(screen)
        assert "dates from " in status(screen)  # the reconciliation, before any write
        assert count(engine, Interaction) == before


async def test_unreadable_file_is_reported_in_words(db_url: str, book, tmp_path: Path) -> None:
    path = written(tmp_path, "empty.csv", "")
    async with wizard(db_url, tmp_path, path) as (_app, _pilot, screen):
        assert "empty.csv is empty" in status(screen)
        assert screen.query_one("#status").has_class("-error")


def test_path_completion_offers_folders_and_importable_files(tmp_path: Path) -> None:
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "accounts.xlsx").write_bytes(b"")
    (tmp_path / "exports" / "notes.docx").write_bytes(b"")
    assert complete_path(f"{tmp_path}/exp") == f"{tmp_path}/exports/"
    assert complete_path(f"{tmp_path}/exports/a") == f"{tmp_path}/exports/accounts.xlsx"
    assert complete_path(f"{tmp_path}/exports/n") is None
    assert complete_path(f"{tmp_path}/nothing/") is None


def test_kind_from_the_file_name() -> None:
    assert guess_kind(Path("interactions-2024.tsv"), ["a"]) == "interactions"
    assert guess_kind(Path("mrr.csv"), ["a"]) == "mrr"
    assert guess_kind(Path("Accounts.xlsx"), ["a"]) == "accounts"
    assert guess_kind(Path("export.csv"), ["a"]) is None


async def test_a_vendor_export_opens_on_the_kind_it_imports(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A Stripe invoices export, named as Stripe names it, opens as purchases with the
    preset's mapping: not as accounts (the list's first kind), which would read its
    customers' ids as accounts and "paid" as a status."""
    path = tmp_path / "invoices_2024-07-31.csv"
    path.write_bytes((PRESETS / "stripe_invoices.csv").read_bytes())
    async with wizard(db_url, tmp_path, path) as (_app, _pilot, screen):
        assert screen.query_one("#kind", Select).value == "purchases"
        title = str(screen.query_one("#mapping-box .box-title").render())
        assert "Stripe invoices export, recognised" in title
        assert mapping(screen)["amount"] == "Amount Paid"


async def test_values_mapped_by_keys_let_a_crm_export_in(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A churn column of Yes/No is not a status: v maps each value, then it imports."""
    from sqlmodel import col

    from core.models import Account
    from tui.screens.import_wizard import ValueMapScreen

    source = Path(__file__).parents[1] / "fixtures" / "import" / "accounts.csv"
    path = tmp_path / "accounts.csv"
    path.write_bytes(source.read_bytes())
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        assert mapping(screen)["status"] == "Churn"
        await press(app, pilot, "ctrl+r")
        assert "Nothing was written" in status(screen)
        table = screen.query_one("#mapping", DataTable)
        table.focus()
        await press(app, pilot, *["down"] * list(mapping(screen)).index("status"), "v")
        values = app.screen
        assert isinstance(values, ValueMapScreen)
        assert values.unknown == ["No", "Yes"]
        values.query_one("#value-0", Select).value = "active"
        values.query_one("#value-1", Select).value = "churned"
        await press(app, pilot, "ctrl+s")
        assert mapping(screen)["status"] == "Churn (2 values mapped)"
        await press(app, pilot, "ctrl+s")
        assert "3 were inserted" in status(screen)
    with Session(engine) as session:
        churned = session.exec(select(Account.name).where(col(Account.status) == "churned")).all()
    assert churned == ["Initech"]


async def test_one_column_chosen_for_two_fields_feeds_both(
    db_url: str, engine: Engine, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """IBM's telco sample has one id column and no name: customerID chosen for name,
    then for external_id, feeds both, as --map does on the command line and as the
    check's words say ('a column can feed both'). Before, the second choice took it
    from the first, and the file could not be imported from the app."""
    from core.models import Account
    from tests.conftest import public_file
    from tui.screens.import_wizard import ValueMapScreen

    path = public_file(pytestconfig, "telco_churn")
    raw = pl.read_csv(path, infer_schema=False)
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        assert list(mapping(screen))[:2] == ["external_id", "name"]
        assert mapping(screen)["external_id"] == "customerID"  # proposed from its name
        screen.query_one("#mapping", DataTable).focus()
        down_to = ["down"] * raw.columns.index("customerID")
        await press(app, pilot, "down", "enter", "home", *down_to, "enter")  # name
        await press(app, pilot, "up", "enter", "home", *down_to, "enter")  # external_id
        assert (mapping(screen)["name"], mapping(screen)["external_id"]) == ("customerID",) * 2
        await press(app, pilot, *["down"] * list(mapping(screen)).index("status"), "v")
        values = app.screen
        assert isinstance(values, ValueMapScreen) and values.unknown == ["No", "Yes"]
        values.query_one("#value-0", Select).value = "active"
        values.query_one("#value-1", Select).value = "churned"
        await press(app, pilot, "ctrl+s", "ctrl+s")
        assert f"{raw.height:,} were inserted" in status(screen)
        # its starts count back from today, said in the app's words (no --as-of here)
        assert (
            f"start dates from column tenure: months before {date.today()} (the export's day;"
            " the command line's cxtui import --as-of gives another)"
        ) in " ".join(status(screen).split())
    with Session(engine) as session:
        stored = session.exec(select(Account.external_id, Account.name, Account.status)).all()
    churned = {(i, i) for i in raw.filter(pl.col("Churn") == "Yes")["customerID"]}
    assert {(i, n) for i, n, s in stored if s == "churned"} == churned
    assert {(i, n) for i, n, _s in stored} == {(i, i) for i in raw["customerID"]}


async def test_the_welcome_screen_offers_the_import(db_url: str, engine: Engine, tmp_path) -> None:
    from tui.screens.welcome import WelcomeScreen

    async with started(db_url, Settings(path=tmp_path / "c.toml")) as (app, pilot):
        assert isinstance(app.screen, WelcomeScreen)
        await press(app, pilot, "i")
        assert isinstance(app.screen, ImportWizardScreen)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("/home/me/data/crm.csv", "/home/me/data/crm.csv"),
        ("/home/me/data//tmp/crm.csv", "/tmp/crm.csv"),
        ("/home/me/data/~/crm.csv", "~/crm.csv"),
        ("  exports/crm.csv ", "exports/crm.csv"),
    ],
)
def test_a_path_typed_over_the_prefilled_folder_starts_over(typed: str, meant: str) -> None:
    from tui.screens.import_wizard import typed_path

    assert typed_path(typed) == meant


def test_completion_after_a_restart_looks_in_the_new_folder(tmp_path: Path) -> None:
    from tui.screens.import_wizard import complete_path

    (tmp_path / "crm_export.csv").write_text("a\n1\n")
    typed = f"/somewhere/else/{tmp_path}/crm_"
    assert complete_path(typed) == typed + "export.csv"


async def test_a_vendor_export_is_recognised_and_reconciled_before_writing(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "accounts-stripe.csv"
    path.write_bytes((PRESETS / "stripe_subscriptions.csv").read_bytes())
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        title = str(screen.query_one("#mapping-box .box-title").render())
        assert "Stripe subscriptions export, recognised" in title
        mapping = screen.query_one("#mapping", DataTable)
        assert str(mapping.get_row("mrr")[1]) == "MRR (from amount, quantity and interval)"
        await press(app, pilot, "ctrl+r")
        shown = status(screen)
        assert "4 would be inserted" in shown and "preset: Stripe subscriptions" in shown
        assert "1 row left out: 1 customer none of whose subscriptions has paid yet" in shown
        assert "churned: 1 account, MRR lost $19.00" in shown
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM account")).scalar_one() == 0


async def test_the_summary_lists_the_columns_kept_as_custom_fields(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    path = written(
        tmp_path,
        "accounts.csv",
        "external_id,name,PaymentMethod,tenure,Partner\n"
        "F-1,Fieldco,Mailed check,12,Yes\nF-2,Formco,Mailed check,3,No\n"
        "F-3,Fernco,Credit card,40,No\nF-4,Fabco,Credit card,1,Yes\n",
    )
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        assert "Kept as custom fields" in status(screen) and "PaymentMethod" in status(screen)
        await press(app, pilot, "ctrl+s")
        shown = status(screen)
        assert '3 columns were kept as new custom fields ("Drop other columns" leaves them' in (
            " ".join(shown.split())
        )
        assert "--drop-extra" not in shown
        assert "PaymentMethod: choice (Credit card, Mailed check)" in shown
        assert "tenure: number" in shown and "Partner: yes/no" in shown
        screen.query_one("#drop-extra", Checkbox).value = True
        await settle(app, pilot)
        assert "Columns not imported: PaymentMethod, tenure, Partner" in status(screen)
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT name, type FROM custom_field ORDER BY id")).all()
    assert [tuple(row) for row in kept] == [
        ("PaymentMethod", "choice"),
        ("tenure", "number"),
        ("Partner", "yes_no"),
    ]


async def test_a_long_summary_scrolls_by_keys_on_a_small_terminal(
    db_url: str, tmp_path: Path
) -> None:
    """At 80x24 the summary of a CRM export runs past the screen: shift+tab from the
    path reaches it, and end shows its last line."""
    companies = (PRESETS / "hubspot_companies.csv").read_text().splitlines()
    leads = [line.replace(",customer,", ",lead,") for line in companies[1:]]
    path = written(tmp_path, "hubspot.csv", "\n".join([*companies, *leads]) + "\n")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await pilot.resize_terminal(80, 24)
        await press(app, pilot, "ctrl+r")
        assert "rows left out: companies that are not customers" in status(screen)
        box = screen.query_one("#status-box")
        assert box.max_scroll_y > 0  # more than the screen shows
        screen.query_one("#path", Input).focus()
        await press(app, pilot, "shift+tab", "end")
        assert app.focused is box
        assert box.scroll_y == box.max_scroll_y


async def test_text_from_the_file_shows_as_typed(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    """The preview, the mapping's first values and the errors show the file's text
    literally: a DataTable reads a string as markup, and a cell '[/] ...' closed the app."""
    path = calls_file(tmp_path, "[/]NOPE,call,2026-06-10,[b]Bold[/b],neutral")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        preview = screen.query_one("#preview", DataTable)
        cells = [str(cell) for row in range(preview.row_count) for cell in preview.get_row_at(row)]
        assert {"[/]NOPE", "[b]Bold[/b]"} <= set(cells)
        await check_as(app, pilot, screen, "interactions")
        errors = screen.query_one("#errors", DataTable)
        assert [str(cell) for cell in errors.get_row_at(0)][:3] == ["3", "account", "[/]NOPE"]


async def test_the_mapping_shows_each_fields_column_at_80_columns(
    db_url: str, tmp_path: Path
) -> None:
    """The mapping took two fifths of 80 columns, the field names 25 of them: the
    column feeding each field read 'exte', 'segm', 'owne', '— no' (found in tmux at
    80x24 with an accounts CSV). The mapping is at least 58 columns wide."""
    header = "external_id,name,mrr,status,owner,segment,onboarding_completed_at"
    path = written(tmp_path, "accounts.csv", f"{header}\nX1,Alpha Co,100,active,Ana,SMB,\n")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        shown = text_of(screen.query_one("#mapping", DataTable))
        lines = [" ".join(line.split()) for line in shown.splitlines()]
        rows = {line.split()[0]: line for line in lines[1:] if line}  # the rows on screen
        seen = {field: column for field, column in mapping(screen).items() if field in rows}
        assert len(seen) >= 5, shown
        for field, column in seen.items():
            assert column in rows[field], (field, column, shown)


async def test_the_mapping_shows_each_first_value_whole_at_80_columns(
    db_url: str, tmp_path: Path
) -> None:
    """At 80x24 the mapping's first values were cut to 6 characters: IBM's telco
    file read '7590-V' for customerID and 'Month-' for Contract (found in tmux). Each
    first value in sight now shows whole."""
    telco = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
    async with wizard(db_url, tmp_path, telco) as (app, pilot, screen):
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        table = screen.query_one("#mapping", DataTable)
        shown = text_of(table)
        firsts = [str(table.get_row_at(row)[2]) for row in range(table.row_count)]
        in_sight = {line.split()[0] for line in shown.splitlines()[1:] if line.strip()}
        checked = [
            first
            for field, first in zip(mapping(screen), firsts, strict=True)
            if first and field in in_sight
        ]
        assert {"7590-VHVEG", "Month-to-month"} <= set(checked), shown
        for first in checked:
            assert first in shown, (first, shown)


async def test_the_column_picker_shows_the_column_chosen_at_80x24(
    db_url: str, tmp_path: Path
) -> None:
    """The picker's list was as tall as its 21 columns allow (20 rows) inside a box of
    80 % of the screen: at 80x24 it was cut after 'Contract', and end chose
    'TotalCharges' out of sight (found in tmux with IBM's Telco sample)."""
    from textual.widgets import OptionList

    telco = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
    async with wizard(db_url, tmp_path, telco) as (app, pilot, screen):
        await pilot.resize_terminal(80, 24)
        screen.query_one("#mapping", DataTable).focus()
        await press(app, pilot, "home", "enter")
        picker = app.screen
        assert isinstance(picker, ColumnPicker)
        await press(app, pilot, "end")
        options = picker.query_one(OptionList)
        last = options.get_option_at_index(options.option_count - 1).prompt
        assert options.highlighted == options.option_count - 1
        box = picker.find_widget(options)
        assert box.clip.contains_region(box.region), (box.region, box.clip)
        assert str(last) in text_of(options)


async def test_closing_asks_before_losing_the_choices_made(
    db_url: str, book, tmp_path: Path
) -> None:
    """A column chosen or a box ticked and not imported: escape asks, as the other
    forms do ('n' keeps them), and so does q (the app's quit); a file read and
    nothing changed (its kind guessed from its name) closes at once."""
    path = written(tmp_path, "interactions-export.tsv", HEADER + "".join(ROWS))
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        screen.query_one("#mapping", DataTable).focus()
        await press(app, pilot, *["down"] * list(mapping(screen)).index("summary"), "enter")
        await press(app, pilot, "home", *["down"] * 3, "enter")  # Topic
        assert mapping(screen)["summary"] == "Topic"
        await press(app, pilot, "escape")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == "Discard the choices made for this import?"
        await press(app, pilot, "n")
        assert app.screen is screen
        assert mapping(screen)["summary"] == "Topic"
        await press(app, pilot, "q")
        assert isinstance(app.screen, ConfirmScreen)  # "Quit anyway?"
        await press(app, pilot, "n", "escape", "y")
        assert not isinstance(app.screen, ImportWizardScreen | ConfirmScreen)
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        screen.query_one("#skip-without-account", Checkbox).value = True
        await press(app, pilot, "escape")
        assert isinstance(app.screen, ConfirmScreen)
        await press(app, pilot, "n")
        screen.query_one("#skip-without-account", Checkbox).value = False  # as it was
        await press(app, pilot, "escape")
        assert not isinstance(app.screen, ImportWizardScreen | ConfirmScreen)


async def test_amounts_in_cents_are_said_and_read_so_by_a_key(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    """A plain amount column of whole numbers (1999, as an API writes cents): the check
    says it is read as units and how to say it is cents here; c on the amount reads
    it as cents, and the mapping shows it."""
    path = written(
        tmp_path,
        "purchases.csv",
        "customer,date,amount\nEXT-1000,2026-06-01,1999\nEXT-1005,2026-06-02,4900\n",
    )
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await press(app, pilot, "ctrl+r")
        assert "(1999 is $1,999.00, not $19.99)" in status(screen)
        assert "if they are cents, press c on amount in the mapping" in status(screen)
        screen.query_one("#mapping", DataTable).focus()
        await press(app, pilot, "home", *["down"] * list(mapping(screen)).index("amount"), "c")
        assert mapping(screen)["amount"] == "amount (in cents)"
        await press(app, pilot, "ctrl+s")
        assert "column amount read as cents: total $68.99" in status(screen)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT amount_cents FROM purchase ORDER BY 1"))
        assert [cents for (cents,) in stored] == [1999, 4900]


async def test_a_usage_chart_with_its_dates_across_shows_its_day_as_read(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    """An analytics chart with one column per day imports (its day from the column
    names), but the mapping showed day and active_users '— not mapped —' in red, as
    if the import could not go on."""
    path = written(
        tmp_path,
        "usage.csv",
        "Account,2026-06-01,2026-06-02,2026-06-03\nEXT-1000,4,5,\nEXT-1005,2,,3\n",
    )
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        screen.query_one("#kind", Select).value = "usage"
        await pilot.pause()
        shown = mapping(screen)
        assert (shown["day"], shown["active_users"]) == (USAGE_DAY, USAGE_USERS)
        await press(app, pilot, "ctrl+r")
        assert "4 would be inserted" in status(screen)


async def test_a_missing_column_puts_the_cursor_on_its_field(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A check refused for a required field without a column says "choose its column in
    the mapping (enter on name)": the cursor is on that field's row, so enter asks for
    its column at once. It was left on the first row (enter asked for external_id)."""
    from core.models import Account
    from tui.screens.import_wizard import ColumnPicker

    path = written(tmp_path, "accounts.csv", "customerID,MonthlyCharges\nC-1,29.85\nC-2,56.95\n")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        assert mapping(screen)["name"] == "— not mapped —"
        await press(app, pilot, "ctrl+r")
        assert "missing required column for name" in status(screen)
        await press(app, pilot, "enter")
        picker = app.screen
        assert isinstance(picker, ColumnPicker), picker
        assert "Which column holds name?" in text_of(picker)
        await press(app, pilot, "escape")
    assert count(engine, Account) == 0  # a check writes nothing


async def test_v_on_a_refused_row_maps_the_values_of_its_field(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A refused row says "not a known status; press v on status in the mapping": v
    pressed in the list of refused rows maps the values of the field that the row's
    column feeds. It mapped the field under the mapping's cursor instead (external_id:
    "takes any value")."""
    from core.models import Account
    from tui.screens.import_wizard import ValueMapScreen

    path = written(
        tmp_path, "accounts.csv", "customer_id,name,status\nC-1,Aster,Yes\nC-2,Birch,No\n"
    )
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        assert mapping(screen)["status"] == "status"
        await press(app, pilot, "ctrl+r")
        errors = screen.query_one("#errors", DataTable)
        assert errors.has_focus and errors.row_count == 2
        await press(app, pilot, "v")
        values = app.screen
        assert isinstance(values, ValueMapScreen), values
        assert values.unknown == ["Yes", "No"]
        await press(app, pilot, "escape")
    assert count(engine, Account) == 0


async def test_values_are_mapped_by_keys_as_soon_as_their_dialog_opens(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """v opens the values to map, each beside its list of stored values: the first
    list has the keys, so enter opens it at once. The focus was on the dialog's
    scrolling box: enter did nothing, and only tab reached the first list (found in
    tmux with IBM's telco sample, its Churn column of Yes and No)."""
    from core.models import Account
    from tui.screens.import_wizard import ValueMapScreen

    path = written(
        tmp_path, "accounts.csv", "customer_id,name,status\nC-1,Aster,Yes\nC-2,Birch,No\n"
    )
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await press(app, pilot, "ctrl+r")  # refused: the cursor in the refused rows
        await press(app, pilot, "v")
        values = app.screen
        assert isinstance(values, ValueMapScreen), values
        assert values.unknown == ["Yes", "No"]
        # leave as an error, active, onboarding, churned: Yes is churned, No active
        await press(app, pilot, "enter", "down", "down", "down", "enter")
        await press(app, pilot, "tab", "enter", "down", "enter")
        await press(app, pilot, "ctrl+s")
        assert app.screen is screen
        assert mapping(screen)["status"] == "status (2 values mapped)"
        await press(app, pilot, "ctrl+s")
        assert "2 were inserted" in status(screen)
    raw = pl.read_csv(path)
    meant = {"Yes": "churned", "No": "active"}
    expected = {(row["customer_id"], meant[row["status"]]) for row in raw.iter_rows(named=True)}
    with Session(engine) as session:
        stored = set(session.exec(select(Account.external_id, Account.status)).all())
    assert stored == expected


async def test_a_column_chosen_for_a_field_still_feeds_the_field_it_was_shown_feeding(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A file with an id column and no name (IBM's telco sample): the mapping shows
    customerID feeding external_id; the check asks for name's column, and customerID
    chosen for it feeds both. It was taken from external_id ('— not mapped —'), and the
    next check refused 'missing required column for external_id'."""
    from core.models import Account

    path = written(tmp_path, "accounts.csv", "customerID,MonthlyCharges\nC-1,29.85\nC-2,56.95\n")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        assert mapping(screen)["external_id"] == "customerID"
        await press(app, pilot, "ctrl+r")
        assert "missing required column for name" in status(screen)
        await press(app, pilot, "enter", "home", "enter")  # name: customerID, the first
        assert app.screen is screen
        assert mapping(screen)["name"] == "customerID"
        assert mapping(screen)["external_id"] == "customerID"
        await press(app, pilot, "ctrl+r")
        assert "2 would be inserted" in status(screen)
        await press(app, pilot, "ctrl+s")
        assert "2 were inserted" in status(screen)
    raw = pl.read_csv(path)
    with Session(engine) as session:
        stored = set(session.exec(select(Account.external_id, Account.name)).all())
    assert stored == {(customer, customer) for customer in raw["customerID"]}


async def test_the_refused_rows_are_in_sight_at_80x24(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """At 80x24 a check that refuses rows lists them under the status: the list was 12
    lines tall below the preview and mapping (8 at least), and only its header was on
    screen, the rows it had the keys of below it (found in tmux with IBM's telco
    sample, 'Checked: 7,043 errors'). It now shares the height left, the first rows
    in sight."""
    from core.models import Account

    telco = Path(__file__).parents[1] / "fixtures" / "import" / "telco_churn.csv"
    raw = pl.read_csv(telco, infer_schema=False)
    async with wizard(db_url, tmp_path, telco) as (app, pilot, screen):
        await pilot.resize_terminal(80, 24)
        await press(app, pilot, "ctrl+r", "enter", "home", "enter")  # name: customerID
        await press(app, pilot, "ctrl+r")
        errors = screen.query_one("#errors", DataTable)
        assert errors.has_focus and errors.row_count == 20
        assert f"Checked: {raw.height} errors" in status(screen)
        footer_top = screen.size.height - 1
        assert errors.region.y + 4 <= footer_top, errors.region  # header and 3 rows
        shown = [" ".join(line.split()) for line in text_of(screen).splitlines()]
        for line, churn in enumerate(raw["Churn"][:3], start=2):  # the file's lines
            assert any(row.startswith(f"{line} Churn {churn} not a known") for row in shown), (
                line,
                shown,
            )
    assert count(engine, Account) == 0


async def test_a_refused_rows_reason_is_said_whole_above_the_list(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """Zendesk's tickets checked before their accounts were imported: the list's
    Reason column ran off the screen ('... import the accounts first or tick "Create
    mis' at 120 columns, '... import the acc' at 80), and the status read 'Checked: 4
    errors. Nothing was written.' alone: the fix it names was never read whole. Each
    problem is now said whole above the list, with its rows, however few."""
    from core.models import Ticket

    path = Path(__file__).parents[1] / "fixtures" / "import" / "vendors"
    path = path / "zendesk_tickets_offsets.csv"
    raw = pl.read_csv(path, infer_schema=False)
    unknown = raw.filter(pl.col("Organization").is_not_null()).height
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await pilot.resize_terminal(80, 24)
        assert screen.query_one("#kind", Select).value == "tickets"
        await press(app, pilot, "ctrl+r")
        said = " ".join(status(screen).split())
        assert f"Checked: {raw.height} errors. Nothing was written." in said
        assert (
            f'{unknown} rows, column "Organization": no account has this external id or name;'
            ' import the accounts first or tick "Create missing accounts"'
        ) in said, said
        shown = " ".join(text_of(screen).split())
        assert 'tick "Create missing accounts"' in shown, shown
    assert count(engine, Ticket) == 0


async def test_one_refused_row_is_said_in_the_singular(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    """One unknown account: 'Checked: 1 error' and '1 row, column "account": ...' (the
    words read '1 errors' and, said whole now, '1 rows')."""
    path = calls_file(tmp_path, "NOPE-1,call,2026-06-10,Who is this,neutral")
    raw = pl.read_csv(path)
    known = pl.read_database("select external_id from account", engine.connect())
    unknown = raw.filter(~pl.col("account").is_in(known["external_id"].implode())).height
    assert unknown == 1
    before = count(engine, Interaction)
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await check_as(app, pilot, screen, "interactions")
        said = " ".join(status(screen).split())
        assert "Checked: 1 error. Nothing was written." in said, said
        assert '1 row, column "account": no account has this external id or name' in said
    assert count(engine, Interaction) == before


async def test_brackets_in_a_files_columns_read_as_typed_in_the_status(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """The status shows its text as it is (no markup): a column "Stage [crm]" read
    'Stage \\[crm]' in the summary's custom fields and in a refused row's problem, a
    markup escape shown as typed."""
    path = written(tmp_path, "accounts.csv", "external_id,name,Stage [crm]\nA-1,Aster,Yes\n")
    columns = pl.read_csv(path).columns
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await press(app, pilot, "ctrl+r")
        said = status(screen)
        assert "\\" not in said, said
        assert "  Stage [crm]: " in said, said
        fields = list(mapping(screen))
        table = screen.query_one("#mapping", DataTable)
        table.focus()
        down = ["down"] * fields.index("status")
        await press(app, pilot, "home", *down, "enter")  # the column of status
        await press(app, pilot, "home", *["down"] * columns.index("Stage [crm]"), "enter")
        assert mapping(screen)["status"] == "Stage [crm]"
        await press(app, pilot, "ctrl+r")
        said = " ".join(status(screen).split())
        assert '1 row, column "Stage [crm]": not a known status' in said, said
        assert "\\" not in said


async def test_one_row_and_one_value_are_said_in_the_singular(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A file of one account whose status reads 'Yes': its one value mapped read 'status
    (1 values mapped)', and the summary '1 rows of accounts checked' (the CLI's words
    too)."""
    from tui.screens.import_wizard import ValueMapScreen

    path = written(tmp_path, "accounts.csv", "external_id,name,status\nA-1,Aster,Yes\n")
    assert pl.read_csv(path).height == 1
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await press(app, pilot, "ctrl+r", "v")
        values = app.screen
        assert isinstance(values, ValueMapScreen) and values.unknown == ["Yes"]
        values.query_one("#value-0", Select).value = "active"
        await press(app, pilot, "ctrl+s")
        assert mapping(screen)["status"] == "status (1 value mapped)"
        await press(app, pilot, "ctrl+r")
        assert status(screen).startswith("1 row of accounts checked: 1 would be inserted")


async def test_a_zendesk_export_says_it_also_imports_its_ratings_as_surveys(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """A Zendesk tickets export holds each ticket's satisfaction rating: it opens as
    tickets, and nothing said that as surveys it brings the CSAT (found in tmux with
    its vendor export). The status under the mapping says so; the kind list beside the
    path, reached by tab, imports the ratings."""
    from core.importing import ImportOptions, import_file
    from core.models import SurveyResponse

    accounts = written(
        tmp_path,
        "accounts.csv",
        "external_id,name\nA1,Acme Rockets\nB1,Beta Labs\nC1,Cobalt Health\n",
    )
    import_file(engine, "accounts", accounts, ImportOptions(as_of=date(2024, 10, 1)))
    path = (
        Path(__file__).parents[1] / "fixtures" / "import" / "vendors" / "zendesk_satisfaction.csv"
    )
    raw = pl.read_csv(path, infer_schema=False)
    rated = raw.filter(pl.col("Satisfaction Score").is_in(["Good", "Bad"])).height
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        kind = screen.query_one("#kind", Select)
        assert kind.value == "tickets"
        note = " ".join(status(screen).split())
        assert (
            "Also a Zendesk satisfaction ratings export: choose surveys in the list beside the"
            " path to import it as surveys." in note
        ), note
        for _ in range(3):
            await press(app, pilot, "tab")
            if kind.has_focus:
                break
        assert kind.has_focus, app.focused
        await press(app, pilot, "enter", "up", "enter")  # tickets, then surveys above it
        assert kind.value == "surveys"
        note = " ".join(status(screen).split())
        assert "Also a Zendesk tickets export: choose tickets" in note, note
        await press(app, pilot, "ctrl+s")
        said = " ".join(status(screen).split())
        assert "preset: Zendesk satisfaction ratings" in said, said
        assert f"{rated} were inserted" in said, said
    assert count(engine, SurveyResponse) == rated


async def test_a_file_whose_kind_nothing_tells_says_it_is_read_as_the_kind_shown(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    """Intercom's conversations from its API (JSON lines) opened right after a Stripe
    invoices export were read as purchases, the kind list keeping the last file's,
    and nothing said so. The status under the mapping says first that neither its name nor its
    header tells what it holds, and what it is read as."""
    invoices = tmp_path / "invoices.csv"
    invoices.write_bytes((PRESETS / "stripe_invoices.csv").read_bytes())
    vendors = Path(__file__).parents[1] / "fixtures" / "import" / "vendors"
    async with wizard(db_url, tmp_path, invoices) as (app, pilot, screen):
        assert screen.query_one("#kind", Select).value == "purchases"
        assert "Neither" not in status(screen)
        path = screen.query_one("#path", Input)
        path.value = str(vendors / "intercom_conversations_api.jsonl")
        path.focus()
        await press(app, pilot, "enter")
        assert screen.query_one("#kind", Select).value == "purchases"
        note = " ".join(status(screen).split())
        assert (
            "Neither its name nor its header says what it holds: read as purchases; the list"
            " beside the path chooses another." in note
        ), note


async def test_a_kind_chosen_puts_the_keys_in_its_mapping(
    db_url: str, engine: Engine, book, tmp_path: Path
) -> None:
    """A till log whose name and header tell no kind opens as accounts: the kind
    chosen in the list beside the path (tab, enter, the kind, enter), the keys are in
    the new mapping, so enter chooses the first field's column. They stayed on the
    list: enter opened it again (found in tmux with a grocer's parquet till log)."""
    from core.importing import KINDS

    path = written(tmp_path, "export.csv", "shopper,bought,paid\nEXT-1000,2026-06-01,12.50\n")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        kind = screen.query_one("#kind", Select)
        assert kind.value == "accounts"
        for _ in range(3):
            await press(app, pilot, "tab")
            if kind.has_focus:
                break
        assert kind.has_focus, app.focused
        downs = ["down"] * list(KINDS).index("purchases")
        await press(app, pilot, "enter", *downs, "enter")
        assert kind.value == "purchases"
        assert next(iter(mapping(screen))) == "account"
        assert screen.query_one("#mapping", DataTable).has_focus, app.focused
        await press(app, pilot, "enter")
        picker = app.screen
        assert isinstance(picker, ColumnPicker), picker
        assert "Which column holds account?" in text_of(picker)
        await press(app, pilot, "home", "enter")  # shopper
        assert mapping(screen)["account"] == "shopper"


async def test_after_an_import_the_next_files_path_is_typed_at_once(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    """Accounts imported, nothing said what next: the keys stayed in the mapping and
    the path field kept the file's path, so the next file (their interactions) took
    two tabs and clearing the field. Now the note under the options says 'Imported.
    The next file's path typed replaces this one; esc shows the book.' on one line at
    80 columns, and what is typed replaces the path."""
    from core.models import Account
    from tests.tui.conftest import type_text

    accounts = written(tmp_path, "accounts.csv", "external_id,name\nA-1,Aster\nB-2,Birch\n")
    calls = written(
        tmp_path,
        "interactions.csv",
        CALLS_HEADER + "A-1,call,2026-06-10,Fine,positive\n"
        "B-2,email,2026-06-11,Quote sent,neutral\n",
    )
    async with wizard(db_url, tmp_path, accounts) as (app, pilot, screen):
        await press(app, pilot, "ctrl+s")
        assert "2 were inserted" in status(screen)
        await pilot.resize_terminal(80, 24)
        await settle(app, pilot)
        note = text_of(screen.query_one("#file-note")).strip()
        assert note == (
            "Imported. The next file's path typed replaces this one; esc shows the book."
        ), note
        assert screen.query_one("#path", Input).has_focus, app.focused
        await type_text(pilot, str(calls))
        await press(app, pilot, "enter")
        assert screen.query_one("#path", Input).value == str(calls)
        assert screen.query_one("#kind", Select).value == "interactions"
        await press(app, pilot, "ctrl+s")
        assert "2 were inserted" in status(screen)
    raw = pl.read_csv(calls)
    assert count(engine, Account) == 2
    assert count(engine, Interaction) == raw.height


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_mappings_title_takes_one_line(
    db_url: str, tmp_path: Path, size: tuple[int, int]
) -> None:
    """The mapping's title read 'Mapping (enter: choose a field's column · v: map its
    values)' on two lines at 80 and 120 columns (found in tmux with IBM's telco
    sample), one field's row fewer on a small screen. It says the same keys on one
    line."""
    header = "external_id,name,mrr,status"
    path = written(tmp_path, "accounts.csv", f"{header}\nX1,Alpha Co,100,active\n")
    async with wizard(db_url, tmp_path, path) as (app, pilot, screen):
        await pilot.resize_terminal(*size)
        await settle(app, pilot)
        title = screen.query_one("#mapping-box .box-title")
        assert text_of(title).strip() == "Mapping (enter: its column · v: its values)"
        assert title.region.height == 1, title.region
        assert screen.query_one("#mapping").region.y == title.region.y + 1
