"""Opening a file as it comes: CSV (separator sniffed, whitespace-separated too; UTF-8
with or without BOM, else Latin-1), TSV, XLSX, Parquet and JSON lines.

Every format becomes the same thing, a ``Source``: a lazy polars frame whose columns
are all text, in file order. Typing and checking happen later, in one place.

Row numbers are the ones a person sees: in a CSV, TSV or XLSX file the header is row
1 and the first record row 2; in JSON lines and Parquet, the first record is row 1.
"""

from __future__ import annotations

import codecs
import csv
import html
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from core.importing.parse import CURRENCY_MARK
from core.store.scratch import scratch_folder

EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_SEPARATORS = (",", ";", "\t", "|")
_SNIFF_LINES = 50
_CHUNK = 1 << 22
_FIELD_LIMIT = 1 << 30


class FileError(ValueError):
    """A file that cannot be read as records, in words."""


@dataclass
class Source:
    path: Path
    format: str
    frame: pl.LazyFrame  # every column text, in file order
    columns: list[str]
    first_row: int  # the row number of the first record
    encoding: str = "utf-8"
    separator: str | None = None
    temporary: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what reading it assumed, in words
    apart: list[tuple[int, str]] = field(default_factory=list)
    """The file's rows not checked as rows of their own, one entry per reason: how
    many, and in words, their count first: left out before the check (a report's
    footer, a preset's rule) or combined into another row (a customer's
    subscriptions into one account)."""
    row_column: str | None = None
    """A column of ``frame`` with each row's number in the file, when rows were
    combined (``core.importing.presets``); None: the rows follow from ``first_row``."""
    file_columns: list[str] = field(default_factory=list)
    """The file's own columns (``columns`` less those derived from them)."""
    mrr_history: pl.LazyFrame | None = None
    """The MRR movements the rows tell, per external id, read before they were
    combined (``Preset.history``); None: the file tells only today's MRR."""

    def preview(self, rows: int = 20) -> pl.DataFrame:
        """The first rows as text, for a screen to show before mapping."""
        return collect(self.frame.head(rows), self.path)

    def close(self) -> None:
        for path in self.temporary:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        self.temporary.clear()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def collect(frame: pl.LazyFrame, path: Path) -> pl.DataFrame:
    """Collect, turning polars' reading errors into a FileError naming the file."""
    try:
        return frame.collect()
    except pl.exceptions.PolarsError as error:
        raise read_error(path, error) from None


def read_error(path: Path, error: BaseException) -> FileError:
    """polars' error reading ``path`` in words: in a CSV or TSV file, the first row
    with more fields than the header names, or whose quote is never closed, by its
    row number (``_misshapen_row``); else the error's first line."""
    text = _misshapen_row(path) if EXTENSIONS.get(path.suffix.lower()) in ("csv", "tsv") else None
    return FileError(f"{path.name}: {text or _first_line(error)}")


def _misshapen_row(path: Path) -> str | None:
    """The first record of a text file that the reader cannot take, in words: one
    with more fields than the header line ("$1,200.00" unquoted in a CSV), or a quote
    opened and never closed. Rows are counted as ``_open_text`` counts them (the
    header is row 1 below any title rows; a quoted line break stays in its row).
    None when every record fits."""
    encoding = detect_encoding(path)
    head = _head_lines(path, encoding)
    above = _title_lines(head)
    separator = (
        "\t" if EXTENSIONS.get(path.suffix.lower()) == "tsv" else sniff_separator(head[above:])
    )
    if separator == " ":
        return None
    csv.field_size_limit(_FIELD_LIMIT)
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for _ in range(above):
            handle.readline()
        records = csv.reader(handle, delimiter=separator, strict=True)
        row = above  # the last row read whole
        try:
            width = len(next(records, []))
            row = above + 1
            for row, cells in enumerate(records, start=above + 2):
                if len(cells) > width:
                    shown = separator.join(cells)
                    return (
                        f"row {row:,} has {len(cells)} fields where the header names"
                        f" {width}: a value holding the separator ({_separator_words(separator)})"
                        f" must be in double quotes ({_clipped(shown)})"
                    )
        except csv.Error:
            return (
                f"row {row + 1:,} opens a double quote that is not closed where its value"
                " ends: the rest of the file would be read into that value"
            )
    return None


def _separator_words(separator: str) -> str:
    return {"\t": "a tab", ",": "a comma", ";": "a semicolon", "|": "a bar"}[separator]


def open_source(
    path: Path | str, format: str | None = None, header: list[str] | None = None
) -> Source:
    """The file as a Source; ``format`` (csv, tsv, xlsx, parquet, jsonl) overrides the
    extension. ``header``: the file has no header line and these are its columns
    (an empty list: named column_1, column_2...). Raises FileError for a missing,
    empty or unreadable file, and for a first line that looks like data when no
    ``header`` is given (no row is ever lost to a header it was not)."""
    path = Path(path)
    if not path.is_file():
        raise FileError(f"{path}: no such file")
    kind = format or EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(set(EXTENSIONS)))
        raise FileError(f"{path.name}: unknown file type {path.suffix!r}; use one of {known}")
    if path.stat().st_size == 0:
        raise FileError(f"{path.name} is empty")
    if header is not None and kind not in ("csv", "tsv", "xlsx"):
        raise FileError(f"{path.name}: a {kind} file names its columns itself; drop --no-header")
    if kind in ("csv", "tsv"):
        source = _open_text(path, kind, header)
    elif kind == "xlsx":
        source = _open_excel(path, header)
    elif kind == "parquet":
        source = _typed_source(path, kind, pl.scan_parquet, "a Parquet file")
    elif kind == "jsonl":
        source = _typed_source(path, kind, _scan_ndjson, "JSON lines")
    else:
        raise FileError(f"unknown format {kind!r}")
    if not source.columns:
        source.close()
        raise FileError(f"{path.name} has no columns")
    if header is None and kind in ("csv", "tsv", "xlsx") and _looks_like_data(source.columns):
        source.close()
        shown = ", ".join(source.columns[:4])
        raise FileError(
            f"{path.name}: the first line ({shown}) looks like data, not column names: if the"
            " file has no header line, say so (No header line in the app; --no-header, and"
            " --columns to name them, on the command line)"
        )
    if kind == "xlsx" or (kind in ("csv", "tsv") and _ends_in_one_cell(source)):
        _leave_out_footer(source)
    source.file_columns = list(source.columns)
    return source


_FOOTER_ROWS = 40


def _ends_in_one_cell(source: Source) -> bool:
    """Whether the text file's last line holds one cell, as a report's footer does, or
    is a report's totals row (a cheap look at its last bytes; ``_leave_out_footer``
    decides on the parsed rows). The line is parsed: a footer's one quoted cell may
    hold the separator ("Copyright (c) 2000-2024 salesforce.com, inc.")."""
    if source.separator in (None, " ") or len(source.columns) < 2:
        return False
    with source.path.open("rb") as handle:
        handle.seek(max(0, source.path.stat().st_size - 4096))
        tail = handle.read().decode(source.encoding, errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return False
    cells = next(csv.reader([lines[-1]], delimiter=source.separator), [])
    filled = [cell for cell in cells if cell.strip()]
    return len(filled) <= 1 or _totals_row(cells)


_TOTALS = re.compile(r"(grand\s+)?totals?(\s*\(\s*[\d,.\s]+records?\s*\))?", re.IGNORECASE)
_SUM = re.compile(r"[+-]?\(?[\d.,]+\)?%?")


def _totals_row(cells: list[str | None]) -> bool:
    """Whether a row is a report's totals: its first cell says so ("Grand Totals (3
    records)", as a Salesforce report adds under its records, "Grand Total",
    "Total") and its other cells hold sums, numbers or nothing. A record whose first
    cell is a name such as "Total" has other words (its id, its date) and is kept."""
    first, *others = [(cell or "").strip() for cell in cells] or [""]
    return _TOTALS.fullmatch(first) is not None and all(
        _SUM.fullmatch(re.sub(rf"\s|{CURRENCY_MARK}", "", cell) or "0") for cell in others
    )


def _leave_out_footer(source: Source) -> None:
    """A report's footer under the records left out, and said: the rows after the
    last record, when a blank row or a totals row comes first and each other holds one
    cell at most. Salesforce's report exports end so: their totals ("Grand Totals (3
    records)", with the sums of the amounts), blank lines, then "Salesforce.com", the
    copyright, "Confidential Information - Do Not Distribute", who ran it and when."""
    if len(source.columns) < 2:
        return
    filled = pl.sum_horizontal(
        (pl.col(c).str.strip_chars().fill_null("") != "").cast(pl.Int32) for c in source.columns
    )
    tail = collect(
        source.frame.tail(_FOOTER_ROWS).with_columns(filled.alias("_filled")), source.path
    )
    counts = tail["_filled"].to_list()
    rows = tail.select(source.columns).rows()
    run = next((i for i, count in enumerate(reversed(counts)) if count > 1), len(counts))
    start = len(counts) - run  # the first row of one cell at most after the records
    if start > 0 and _totals_row(list(rows[start - 1])):
        start -= 1  # the report's totals row, with its sums, then its footer (or nothing)
    elif not (
        run and (_totals_row(list(rows[start])) or counts[start] == 0) and max(counts[start:])
    ):
        return
    if start == 0:
        return
    run = len(counts) - start
    total = collect(source.frame.select(pl.len()), source.path).item()
    source.frame = source.frame.slice(0, total - run)
    first = source.first_row + total - run
    cells = [cell.strip() for cell in tail[source.columns[0]][-run:].drop_nulls() if cell.strip()]

    where = f"row {first:,}" if run == 1 else f"rows {first:,} to {first + run - 1:,}"
    source.apart.append(
        (
            run,
            f"{run:,} row{'' if run == 1 else 's'} left out at the end ({where}): a report's"
            f" footer, not records ({_quoted(cells)})",
        )
    )


def _looks_like_data(columns: list[str]) -> bool:
    """A header whose every name is a number or a date is a row of data."""
    return all(re.fullmatch(r"[+-]?[\d.,:/\- ]+", name.strip() or "x") for name in columns)


def _named(header: list[str], count: int, path: Path) -> list[str]:
    """The column names of a file without a header: ``header``, or column_1..n."""
    if not header:
        return [f"column_{n}" for n in range(1, count + 1)]
    if len(header) != count:
        raise FileError(
            f"{path.name} has {count} columns but {len(header)} names were given"
            f" ({', '.join(header)})"
        )
    return header


# -- text files ------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """utf-8 when the whole file decodes as UTF-8 (a BOM is allowed); else cp1252
    (Windows' Western encoding, where 0x80 is €) when it decodes as that; else
    latin-1, which reads any byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                # Plain ASCII is UTF-8 (checked far faster than decoded), unless the
                # decoder holds the first bytes of a character cut by the last chunk.
                if not (chunk.isascii() and not decoder.getstate()[0]):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252" if _decodes(path, "cp1252") else "latin-1"
    return "utf-8"


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
    return True


def sniff_separator(lines: list[str]) -> str:
    """The separator of a text file from its first lines: the one of , ; tab | that
    splits every line into the same number (> 1) of fields, the most fields winning;
    else " " (runs of whitespace) when that splits them alike; else ","."""
    lines = [line for line in lines if line.strip()]
    if not lines:
        return ","
    csv.field_size_limit(_FIELD_LIMIT)  # a long cell is data, not a reason to fail
    best, best_count = ",", 1
    for separator in _SEPARATORS:
        counts = {len(row) for row in csv.reader(lines, delimiter=separator)}
        if len(counts) == 1 and (count := counts.pop()) > best_count:
            best, best_count = separator, count
    if best_count > 1:
        return best
    # No separator splits every line alike (a row with a field too many): the one
    # that splits the header into the most fields, as most lines are, so that the
    # reading names the row that differs instead of finding one column.
    for separator in _SEPARATORS:
        widths = [len(row) for row in csv.reader(lines, delimiter=separator)]
        alike = sum(width == widths[0] for width in widths)
        if widths[0] > best_count and alike * 2 > len(widths):
            best, best_count = separator, widths[0]
    if best_count > 1:
        return best
    counts = {len(_split_whitespace(line)) for line in lines}
    if len(counts) == 1 and counts.pop() > 1:
        return " "
    return ","


def _split_whitespace(line: str) -> list[str]:
    return next(csv.reader([line.strip().replace("\t", " ")], delimiter=" ", skipinitialspace=True))


def _head_lines(path: Path, encoding: str) -> list[str]:
    lines = []
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for line in handle:
            lines.append(line.lstrip("\ufeff").rstrip("\r\n"))
            if len(lines) >= _SNIFF_LINES:
                break
    # A last line cut by the sniffing window could have another field count.
    return lines[:-1] if len(lines) >= _SNIFF_LINES else lines


def _open_text(path: Path, kind: str, header: list[str] | None = None) -> Source:
    encoding = detect_encoding(path)
    head = _head_lines(path, encoding)
    if not any(line.strip() for line in head):
        raise FileError(f"{path.name} is empty")
    above = 0 if header is not None else _title_lines(head)
    lines = head[above:]
    separator = "\t" if kind == "tsv" else sniff_separator(lines)
    temporary: list[Path] = []
    readable = path
    if encoding != "utf-8" or separator == " ":
        readable = _rewrite_utf8(path, encoding, separator == " ")
        temporary.append(readable.parent)
    frame = pl.scan_csv(
        readable,
        separator="\t" if separator == " " else separator,
        has_header=header is None,
        infer_schema=False,
        encoding="utf8",
        quote_char='"',
        skip_rows=above,
    )
    if header is not None:
        try:
            count = len(frame.collect_schema())
        except pl.exceptions.PolarsError as error:
            raise read_error(path, error) from None
        names = _named(header, count, path)
        frame = frame.rename(dict(zip(frame.collect_schema().names(), names, strict=True)))
    source = Source(
        path, kind, frame, [], above + (2 if header is None else 1), encoding, separator
    )
    source.temporary = temporary
    if above:
        source.notes.append(_title_note(above, [next(csv.reader([line])) for line in head[:above]]))
    try:
        source.columns = list(frame.collect_schema().names())
    except pl.exceptions.PolarsError as error:
        source.close()
        raise read_error(path, error) from None
    if header is None and separator != " " and above < len(head):
        _own_names(source, next(csv.reader([head[above]], delimiter=separator), []))
    return source


def _own_names(source: Source, names: list[str]) -> None:
    """The columns named as the file's header line names them (``names``), where the
    reader made names up: a column without a name and without a value (a
    spreadsheet's trailing separators) is left out; one without a name that has
    values is "column 7" (its place); a name that an earlier column has is "Email
    (2)". Each is said. Nothing is done when ``names`` does not match the columns
    read (a header whose quoted name runs over lines)."""
    own = len(set(names)) == len(names) and all(name.strip() for name in names)
    if own or len(names) != len(source.columns):
        return
    nameless = [read for read, own in zip(source.columns, names, strict=True) if not own.strip()]
    filled = (
        collect(
            source.frame.select(
                (pl.col(c).str.strip_chars().fill_null("") != "").any().alias(c) for c in nameless
            ),
            source.path,
        ).row(0, named=True)
        if nameless
        else {}
    )
    taken = {name for name in names if name.strip()}
    renamed: dict[str, str] = {}
    dropped: list[int] = []
    seen: dict[str, int] = {}
    said = []
    for place, (read, own) in enumerate(zip(source.columns, names, strict=True), start=1):
        if not own.strip():
            if not filled[read]:
                dropped.append(place)
                continue
            name = _free(f"column {place}", taken)
            said.append(f"column {place} has no name but values: read as {name!r}")
        elif own in seen:
            seen[own] += 1
            name = _free(f"{own} ({seen[own]})", taken)
            said.append(f"column {place} is named {own!r} as an earlier one: read as {name!r}")
        else:
            seen[own] = 1
            name = own
        renamed[read] = name
    source.frame = source.frame.select(pl.col(read).alias(name) for read, name in renamed.items())
    source.columns = list(renamed.values())
    if dropped:
        places = ", ".join(str(place) for place in dropped)
        columns = "column" if len(dropped) == 1 else "columns"
        said.insert(0, f"{columns} {places} without a name or any value left out")
    source.notes += said


def _free(name: str, taken: set[str]) -> str:
    """``name``, or with a number after it when a column has it already."""
    free, number = name, 1
    while free in taken:
        number += 1
        free = f"{name} {number}"
    taken.add(free)
    return free


def _rewrite_utf8(path: Path, encoding: str, whitespace: bool) -> Path:
    """A temporary UTF-8 copy of the file (tab-separated when it was separated by runs
    of whitespace), for a reader that only takes UTF-8 and single-byte separators."""
    # In a scratch folder named after this process: removed with the source, or by
    # the next import when this process is killed before (core.store.scratch).
    target = scratch_folder("rewrite") / f"{path.stem}.csv"
    with (
        path.open(encoding=encoding, newline="") as source,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        if not whitespace:
            while chunk := source.read(_CHUNK):
                out.write(chunk)
        else:
            writer = csv.writer(out, delimiter="\t", lineterminator="\n")
            for line in source:
                if line.strip():
                    writer.writerow(_split_whitespace(line.lstrip("\ufeff")))
    return target


# -- typed files ------------------------------------------------------------------------------


def _scan_ndjson(path: Path) -> pl.LazyFrame:
    return pl.scan_ndjson(path, infer_schema_length=None)


def _typed_source(path: Path, kind: str, scan: object, what: str) -> Source:
    try:
        frame = scan(path)  # type: ignore[operator]
        schema = frame.collect_schema()
    except (pl.exceptions.PolarsError, OSError) as error:
        raise FileError(f"{path.name} cannot be read as {what}: {_first_line(error)}") from None
    nested = [name for name, dtype in schema.items() if dtype.is_nested()]
    if nested:
        raise FileError(
            f"{path.name}: column {nested[0]!r} holds lists or objects; only plain values import"
        )
    return Source(path, kind, frame.select(pl.all().cast(pl.String)), list(schema.names()), 1)


_CELL = r'<c r="([A-Z]+)(\d+)"[^>]*?'


def _first_sheet(book: zipfile.ZipFile) -> tuple[str, str, int]:
    """The first sheet's name, its XML and how many sheets the workbook has."""
    workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
    sheets = re.findall(r'<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"', workbook)
    rels = book.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    name, rel = sheets[0]
    target = re.search(rf'<Relationship [^>]*Id="{rel}"[^>]*Target="([^"]*)"', rels)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]*)"[^>]*Id="{rel}"', rels)
    inner = target.group(1).lstrip("/") if target else "worksheets/sheet1.xml"
    inner = inner if inner.startswith("xl/") else f"xl/{inner}"
    return html.unescape(name), book.read(inner).decode("utf-8", "replace"), len(sheets)


def _unsafe_cells(path: Path, columns: list[str]) -> tuple[list[str], str | None]:
    """Cells of the first sheet whose value would import wrong (a formula: its last
    computed value, often 0; an error such as #DIV/0!; merged cells: only the first
    holds the value), in words; and a note when other sheets were not read."""
    try:
        with zipfile.ZipFile(path) as book:
            name, sheet, count = _first_sheet(book)
    except (KeyError, IndexError, zipfile.BadZipFile, OSError):
        return [], None

    def where(letters: str, row: str) -> str:
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter) - 64
        column = columns[index - 1] if 0 < index <= len(columns) else letters
        return f'cell {letters}{row} (row {row}, column "{column}")'

    found = []
    if "<f" in sheet:
        for letters, row in re.findall(_CELL + r"><f", sheet)[:5]:
            found.append(f"{where(letters, row)} holds a formula: save the sheet as values")
    if 't="e"' in sheet:
        for letters, row, error in re.findall(_CELL + r't="e"[^>]*>.*?<v>([^<]*)</v>', sheet)[:5]:
            found.append(f"{where(letters, row)} holds the error {error}")
    for first, last in re.findall(r'<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"', sheet)[:5]:
        found.append(f"cells {first}:{last} are merged: unmerge them and fill each cell")
    note = None
    if count > 1:
        note = f"only the first sheet ({name}) was read; {count - 1} other sheet(s) were not"
    return found, note


def _read_excel(path: Path, header: bool, options: dict[str, int]) -> pl.DataFrame:
    try:
        return pl.read_excel(
            path,
            engine="calamine",
            infer_schema_length=0,
            has_header=header,
            drop_empty_rows=False,  # each row keeps the number the workbook shows
            read_options=options,
        ).select(pl.all().cast(pl.String))
    except Exception as error:  # fastexcel raises its own exception types
        raise FileError(
            f"{path.name} cannot be read as an Excel workbook (.xlsx): {_first_line(error)}"
        ) from None


def _open_excel(path: Path, header: list[str] | None = None) -> Source:
    above, titles, cells = 0, [], []
    if header is None:
        first = _read_excel(path, False, {"n_rows": _SNIFF_LINES})
        cells = [[cell or "" for cell in row] for row in first.rows()]
        above = _title_rows([[cell for cell in row if cell.strip()] for row in cells])
        titles = cells[:above]
    frame = _read_excel(path, header is None, {"header_row": above} if above else {})
    if header is not None:
        frame.columns = _named(header, frame.width, path)
    unsafe, note = _unsafe_cells(path, frame.columns)
    if unsafe:
        raise FileError(f"{path.name}: " + "; ".join(unsafe) + ". Nothing was imported.")
    source = Source(path, "xlsx", frame.lazy(), frame.columns, above + (2 if header is None else 1))
    source.notes = [note] if note else []
    if above:
        source.notes.append(_title_note(above, titles))
    if header is None and len(cells) > above and len(cells[above]) >= frame.width:
        _own_names(source, cells[above][: frame.width])
    return source


def _title_rows(filled: list[list[str]]) -> int:
    """How many rows come before the one that names the columns: none, unless the
    first rows hold one cell each at most (a report's title and filters, as in a
    Salesforce report) and a later one holds more; ``filled``: each row's cells
    that are not empty."""
    above = next((i for i, cells in enumerate(filled) if len(cells) > 1), 0)
    return above


def _title_lines(lines: list[str]) -> int:
    """``_title_rows`` of a text file's first lines, whatever their separator."""
    filled = []
    for line in lines:
        widest: list[str] = []
        for separator in _SEPARATORS:
            cells = [c for c in next(csv.reader([line], delimiter=separator), []) if c.strip()]
            widest = max(widest, cells, key=len)
        filled.append(widest)
    return _title_rows(filled)


def _title_note(above: int, rows: list[list[str]]) -> str:
    """What the rows above the header were, in words."""
    cells = [cell.strip() for row in rows for cell in row if cell and cell.strip()]
    if above == 1 and re.fullmatch(r"sep=.", "".join(cells)):
        return f"row 1 is Excel's separator line ({cells[0]}), not a record: left out"
    said = f" ({_quoted(cells)})" if cells else ""
    if above == 1:
        return f"row 1 above the column names is a report's title, not a record{said}: left out"
    return (
        f"rows 1 to {above} above the column names are a report's title, not records{said}:"
        " left out"
    )


def _quoted(cells: list[str]) -> str:
    """The first two cells, quoted and clipped: '"Salesforce.com", "Copyright…", ...'."""
    more = ", ..." if len(cells) > 2 else ""
    return ", ".join(f'"{_clipped(cell)}"' for cell in cells[:2]) + more


def _clipped(cell: str) -> str:
    return cell if len(cell) <= 40 else cell[:39].rstrip() + "…"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return re.sub(r"\s+", " ", text.splitlines()[0]) if text else type(error).__name__
