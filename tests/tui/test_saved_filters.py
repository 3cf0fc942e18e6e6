"""The filter form's saved filters: "Save as…" writes the form's filters to the config
file (validated inline, replacing only after a yes), the list applies one, and the
palette offers "Apply saved filter: NAME"."""

from __future__ import annotations

from textual.widgets import Input, OptionList, SelectionList, Static

from core.config.saved_filters import SavedFilter, load_saved_filters, save_filter
from core.config.settings import config_path
from tests.tui.book import ROWS
from tests.tui.conftest import SMALL, bar, names, press, running, settle, text_of, type_text
from tui.screens.confirm import ConfirmScreen
from tui.screens.filters import FiltersScreen

RED_ENTERPRISE = SavedFilter(
    name="red enterprise", segments=frozenset({"Enterprise"}), bands=frozenset({"red"})
)


async def open_form(app, pilot) -> FiltersScreen:
    await press(app, pilot, "f")
    assert isinstance(app.screen, FiltersScreen)
    return app.screen


async def test_save_as_writes_the_form_and_validates_the_name(db_url: str, book) -> None:
    async with running(db_url) as (app, pilot):
        form = await open_form(app, pilot)
        assert "No saved filters yet" in str(
            form.query_one("#saved", OptionList).get_option_at_index(0).prompt
        )
        await pilot.press("ctrl+n")
        assert text_of(form.query_one("#save-error", Static)).strip() == "a name is required"
        form.query_one("#save-name", Input).value = "quiet SMB"
        await pilot.press("ctrl+n")
        assert (
            "choose at least one filter above first"
            in text_of(form.query_one("#save-error", Static)).strip()
        )
        assert load_saved_filters().filters == {}  # an invalid form wrote nothing
        form.query_one("#segments", SelectionList).select("SMB")
        form.query_one("#quiet", Input).value = "30"
        await press(app, pilot, "ctrl+n")
        saved = SavedFilter(name="quiet SMB", segments=frozenset({"SMB"}), no_interaction_days=30)
        assert load_saved_filters().filters == {"quiet SMB": saved}
        assert text_of(form.query_one("#save-error", Static)).strip() == ""
        assert form.query_one("#save-name", Input).value == ""
        listed = form.query_one("#saved", OptionList)
        assert listed.option_count == 1
        assert "segment: SMB; no interaction for 30 d" in str(listed.get_option_at_index(0).prompt)
        # the same name again: asks first; "no" keeps the saved one
        form.query_one("#segments", SelectionList).select("Enterprise")
        form.query_one("#save-name", Input).value = "quiet SMB"
        await press(app, pilot, "ctrl+n")
        assert isinstance(app.screen, ConfirmScreen)
        await press(app, pilot, "n")
        assert load_saved_filters().filters == {"quiet SMB": saved}
        await press(app, pilot, "ctrl+n")
        await press(app, pilot, "y")
        replaced = load_saved_filters().filters["quiet SMB"]
        assert replaced.segments == {"SMB", "Enterprise"}
        # the form still applies what it shows
        await press(app, pilot, "ctrl+s")
        assert "no interaction for 30 d" in bar(app)


async def test_choosing_a_saved_filter_applies_it_keeping_my_book(db_url: str, book) -> None:
    save_filter(SavedFilter(name="enterprise", segments=frozenset({"Enterprise"})))
    save_filter(SavedFilter(name="by plan", plans=frozenset({"Starter"}), bands=frozenset({"red"})))
    async with running(db_url) as (app, pilot):
        await press(app, pilot, "m")
        form = await open_form(app, pilot)
        listed = form.query_one("#saved", OptionList)
        ids = [listed.get_option_at_index(index).id for index in range(listed.option_count)]
        assert ids == ["by plan", "enterprise"]
        listed.focus()
        listed.highlighted = 1
        await press(app, pilot, "enter")
        mine = [row[0] for row in ROWS if row[1] == "Enterprise" and row[2] == "Test User"]
        assert sorted(names(app)) == sorted(mine) and len(mine) == 2
        assert "my book (Test User)" in bar(app) and "segment: Enterprise" in bar(app)
        # a saved filter with a plan narrows the list by it too
        form = await open_form(app, pilot)
        form.query_one("#saved", OptionList).focus()  # the first one is highlighted
        await press(app, pilot, "enter")
        red = [row[0] for row in ROWS if row[2] == "Test User" and row[4] < 40 and row[3] <= 1_000]
        assert sorted(names(app)) == sorted(red) and red
        assert "plan: Starter" in bar(app) and "health: red" in bar(app)
        assert "segment" not in bar(app)


async def test_a_broken_saved_filter_is_shown_in_words(db_url: str, book) -> None:
    save_filter(RED_ENTERPRISE)
    with config_path().open("a") as file:
        file.write('\n[filters.typo]\nbands = ["crimson"]\n')
    async with running(db_url) as (app, pilot):
        form = await open_form(app, pilot)
        assert form.query_one("#saved", OptionList).option_count == 1
        problem = text_of(form.query_one("#saved-problems", Static))
        assert "line 6: filters.typo.bands has 'crimson'" in problem


async def test_palette_applies_a_saved_filter(db_url: str, book) -> None:
    save_filter(RED_ENTERPRISE)
    async with running(db_url) as (app, pilot):
        await pilot.press("ctrl+p")
        await type_text(pilot, "Apply saved filter: red")
        await settle(app, pilot)
        await press(app, pilot, "enter")
        # Enterprise and red: Globex (35) and Hooli (64, overridden to 30)
        assert sorted(names(app)) == ["Globex", "Hooli"]
        assert "segment: Enterprise" in bar(app) and "health: red" in bar(app)


async def test_the_form_fits_a_small_terminal(db_url: str, book) -> None:
    """130 columns wide where there is room; on 80 columns its lists share them."""
    async with running(db_url) as (app, pilot):
        form = await open_form(app, pilot)
        assert form.query_one("#filters").outer_size.width == 130
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        box = form.query_one("#filters").region
        assert box.x >= 0 and box.right <= SMALL[0]
        status = form.query_one("#statuses", SelectionList).region
        assert status.right <= box.right  # the last list is on the screen


async def test_the_form_filters_by_plan(db_url: str, book) -> None:
    """An accounts export's plan (the Telco sample's Contract) could be filtered on only
    by a saved filter written by hand: the form listed segment, owner, health and
    status, and a saved filter's plan was not shown in it. Now the form lists the
    book's plans, and the one in force is ticked."""
    async with running(db_url) as (app, pilot):
        form = await open_form(app, pilot)
        plans = form.query_one("#plans", SelectionList)
        assert [plans.get_option_at_index(i).value for i in range(plans.option_count)] == [
            "Pro",
            "Starter",
        ]
        await press(app, pilot, "tab", "tab")  # segments, owners, then plans
        assert app.focused is plans
        await press(app, pilot, "down", "space", "ctrl+s")  # Starter
        starter = [row[0] for row in ROWS if row[3] <= 1_000]
        assert sorted(names(app)) == sorted(starter) and starter
        assert "plan: Starter" in bar(app)
        form = await open_form(app, pilot)
        assert form.query_one("#plans", SelectionList).selected == ["Starter"]


async def test_a_list_the_book_has_no_value_for_says_so(db_url: str, telco) -> None:
    """IBM's telco sample has no segment and no owner: the form showed two empty boxes
    under 'Segment' and 'Owner', the first one in focus, as if still loading."""
    import polars as pl

    from tests.tui.conftest import TELCO

    columns = pl.read_csv(TELCO, n_rows=1).columns
    assert not {"segment", "owner"} & {column.lower() for column in columns}
    async with running(db_url) as (app, pilot):
        form = await open_form(app, pilot)
        labels = [str(label.render()) for label in form.query("#filter-lists Label")]
        assert labels[:3] == ["Segment: none in this book", "Owner: none in this book", "Plan"]
        # each wraps within its list's column: at 160x50 "Segment: none in this book"
        # ran under the owner's label, "Segment: none Owner: none in this book"
        for label in form.query("#filter-lists Label"):
            column = label.parent.region  # type: ignore[union-attr]
            assert label.region.right <= column.right, (label.region, column)
        assert form.query_one("#segments", SelectionList).disabled
        assert app.focused is form.query_one("#plans", SelectionList)


async def test_a_list_the_book_has_no_value_for_draws_no_empty_box(db_url: str, telco) -> None:
    """On IBM's telco sample the form said 'Segment: none in this book' and 'Owner: none
    in this book' above two large empty boxes (eight blank lines in a frame). Under
    those words the lists' columns are blank; Plan's box lists the book's contracts."""
    async with running(db_url) as (app, pilot):
        form = await open_form(app, pilot)
        lines = text_of(form).splitlines()
        columns = [column.region for column in form.query("#filter-lists .filter-list")]
        for column, label in zip(columns, ("Segment", "Owner", "Plan"), strict=False):
            drawn = [line[column.x : column.right] for line in lines[column.y : column.bottom]]
            assert drawn[0].startswith(label), drawn
            under = "".join(drawn[1:]) if label == "Plan" else "".join(drawn[2:])
            if label == "Plan":
                assert "Month-to-month" in under and "▔" in under, drawn
            else:
                assert not under.strip(), drawn
