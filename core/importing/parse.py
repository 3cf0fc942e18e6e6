"""Text cells to typed values, as polars expressions over whole columns.

Each parser returns the typed value, null where the text does not parse; the caller
tells an empty cell from a bad one. Money becomes integer cents by string
arithmetic (never through a float); dates follow a *date order* chosen per column.

Date orders: ``iso`` (2024-03-05, 2024/03/05, with or without a time, ``T`` or
space, seconds, fractions, ``Z``, ``UTC``, ``GMT`` or an offset), ``dmy``
(05/03/2024, 05.03.2024, 05-03-2024) and ``mdy`` (03/05/2024), each with an optional
time (``14:30``, ``14:30:15``, ``2:30 PM``, after a space or a comma). Or any
strftime pattern. Orders found from the data alone: ``COMPACT`` (20240305),
``EXCEL`` (a spreadsheet's day number) and ``UNIX`` (seconds since 1970, as an API
writes them: 1709296496; or milliseconds). A moment with an offset is converted to
UTC; a moment without one is taken as UTC.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

DATE_ORDERS = ("iso", "dmy", "mdy")
COMPACT = "%Y%m%d"  # 19970101: an order of its own, found from the data
EXCEL = "excel"  # spreadsheet serial days (45291 = 2023-12-31), found from the data
_EXCEL_EPOCH = pl.datetime(1899, 12, 30)
UNIX = "unix"  # seconds since 1970-01-01 UTC (1709296496), found from the data
UNIX_MS = "unix_ms"  # milliseconds since then (1709296496000), found from the data
_UNIX_SECONDS = (946_684_800, 4_102_444_800)  # 2000-01-01 to 2100-01-01
_UTC = r"\s*([zZ]|UTC|GMT)$"  # a moment in UTC, said with a letter or a name
# How each date order reads, in a reason or an assumption.
ORDER_WORDS = {
    COMPACT: "year, month and day as 8 digits, like 20240305",
    EXCEL: "a spreadsheet's day number, like 45356",
    UNIX: "seconds since 1970 (Unix time), like 1709296496",
    UNIX_MS: "milliseconds since 1970 (Unix time), like 1709296496000",
    "iso": "year-month-day, like 2024-03-05 or 2024-03-05 14:30",
    "dmy": "day/month/year, like 05/03/2024",
    "mdy": "month/day/year, like 03/05/2024",
}
_TIMES = (
    " %H:%M:%S%.f%z",
    " %H:%M:%S%.f",
    " %H:%M%z",
    " %H:%M",
    " %I:%M:%S %p",
    " %I:%M %p",
    "",
)
_DATE_PART = {"iso": "%Y-%m-%d", "dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y"}
_MONEY = r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d*)?$"


def cleaned(column: str) -> pl.Expr:
    """The cell's text, trimmed; empty cells are null."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


_NEUTRALISED = r"^'[=+\-@\t\r]"


def unneutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without the ``'`` that an export (``core.exporting.neutralised``) or a
    spreadsheet puts before a cell starting with =, +, -, @, a tab or a carriage
    return, so a spreadsheet does not run it: '-X1 reads as -X1, and an export imported
    back is the text it was. Only the text columns that have a cell starting with '
    (a quick scan) are rewritten."""
    quoted = [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String and frame[name].str.starts_with("'").any()
    ]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_NEUTRALISED))
        .then(pl.col(name).str.slice(1))
        .otherwise(pl.col(name))
        .alias(name)
        for name in quoted
    )


def with_fallback(
    text: pl.Series, fast: Callable[[pl.Expr], pl.Expr], full: Callable[[pl.Expr], pl.Expr]
) -> pl.Series:
    """``fast`` over the whole column, then ``full`` (slower, more forgiving) over
    only the cells that ``fast`` could not read. Clean files never pay for ``full``."""
    frame = text.to_frame("t")
    value = frame.select(fast(pl.col("t"))).to_series()
    missing = (value.is_null() & text.is_not_null()).arg_true()
    if missing.len():
        retried = frame[missing].select(full(pl.col("t"))).to_series()
        value = value.scatter(missing, retried)
    return value.alias(text.name)


# -- dates -------------------------------------------------------------------------------------


def _normalised(text: pl.Expr, order: str) -> pl.Expr:
    # "3/1/2024, 2:30 PM" (a US locale's date and time, as JavaScript writes them)
    text = text.str.replace(r"^(\d+[/.\-]\d+[/.\-]\d+),\s", "$1 ")
    text = text.str.replace(r"^(\d+)[/.\-](\d+)[/.\-](\d+)", "$1/$2/$3")
    if order == "iso":
        text = text.str.replace(r"^(\d{4})/(\d{1,2})/(\d{1,2})", "$1-$2-$3")
    text = text.str.replace(r"^(\S+)T(\d)", "$1 $2").str.replace(_UTC, "+00:00")
    return text.str.replace_all(r"\s+", " ")


def _parse(text: pl.Expr, pattern: str) -> pl.Expr:
    if "%z" in pattern:
        aware = text.str.to_datetime(pattern, strict=False, time_unit="us", time_zone="UTC")
        return aware.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    return text.str.to_datetime(pattern, strict=False, time_unit="us")


def _patterns(order: str) -> list[str]:
    return [_DATE_PART[order] + suffix for suffix in _TIMES]


def _excel_days(text: pl.Expr) -> pl.Expr:
    days = text.cast(pl.Float64, strict=False)
    plausible = days.is_between(1, 2_958_465)  # up to 9999-12-31
    micros = (days * 86_400_000_000).round().cast(pl.Int64)
    return pl.when(plausible).then(_EXCEL_EPOCH + pl.duration(microseconds=micros))


def _unix(unit: str) -> Callable[[pl.Expr], pl.Expr]:
    scale = 1 if unit == "s" else 1000
    low, high = _UNIX_SECONDS

    def moments(text: pl.Expr) -> pl.Expr:
        # In the range the column was recognised by, as a spreadsheet's day numbers
        # are: a 0 an API writes for "never", or a number of another unit further
        # down the file, is no moment of 1970 but a cell the check names.
        number = text.str.strip_chars().cast(pl.Int64, strict=False)
        moment = pl.from_epoch(number, time_unit=unit).dt.cast_time_unit("us")  # type: ignore[arg-type]
        return pl.when(number.is_between(low * scale, high * scale)).then(moment)

    return moments


def _full_moment(order: str) -> Callable[[pl.Expr], pl.Expr]:
    if order == EXCEL:
        return _excel_days
    if order in (UNIX, UNIX_MS):
        return _unix("s" if order == UNIX else "ms")

    def full(text: pl.Expr) -> pl.Expr:
        if order not in DATE_ORDERS:
            return _parse(text.str.replace(_UTC, "+00:00"), order)
        normal = _normalised(text, order)
        return pl.coalesce([_parse(normal, pattern) for pattern in _patterns(order)])

    return full


def iso_moments(text: pl.Expr) -> pl.Expr:
    """Naive UTC datetimes from text written year-month-day (any of the ``iso``
    order's shapes, a zone or an offset included); null where it is not."""
    return order_moments(text, "iso")


def order_moments(text: pl.Expr, order: str) -> pl.Expr:
    """Naive UTC datetimes from text in a date order (or strftime pattern); null
    where it does not read so."""
    return _full_moment(order)(text.str.strip_chars())


def fast_pattern(sample: pl.Series, order: str) -> str | None:
    """One strftime pattern that reads every text of ``sample`` as it is, if any
    (the column's usual shape, read at full speed)."""
    if order in (EXCEL, UNIX, UNIX_MS):
        return None
    if order not in DATE_ORDERS:
        return order
    texts = sample.drop_nulls().to_frame("t")
    if texts.height == 0:
        return None
    with_t = [p.replace(" %H", "T%H") for p in _patterns(order) if " %H" in p]
    candidates = (
        _patterns(order) + with_t + [p.replace("%z", "Z") for p in with_t if p.endswith("%z")]
    )
    # Whole seconds are read 3.5x faster by a pattern without fractions ("%.f").
    candidates = [p.replace("%.f", "") for p in candidates if "%.f" in p] + candidates
    # Stripe's and Intercom's exports name the zone: "2024-03-01 12:34:56 UTC".
    candidates += [p + " UTC" for p in candidates if "%H" in p and "%z" not in p]
    for pattern in candidates:
        if not texts.select(_parse(pl.col("t"), pattern).is_null().any()).item():
            return pattern
    return None


_TIME_OF_DAY = r"\d:\d\d"
_ZONE = r"(?i)([+-]\d\d:?\d\d|z|utc|gmt)$"


def naive_time(texts: pl.Series) -> str | None:
    """The first of ``texts`` (cleaned cells) that gives a time of day and no time
    zone ("2017-01-01 11:53:26", not "...Z", "... UTC" or "...+01:00"), if any:
    such a moment is read as UTC, which the import says."""
    given = texts.drop_nulls()
    naive = given.filter(given.str.contains(_TIME_OF_DAY) & ~given.str.contains(_ZONE))
    return naive[0] if naive.len() else None


def moments(text: pl.Series, order: str, pattern: str | None) -> pl.Series:
    """Naive UTC datetimes from text in a date order (or strftime pattern)."""
    full = _full_moment(order)
    if pattern is None:
        return text.to_frame("t").select(full(pl.col("t"))).to_series().alias(text.name)
    return with_fallback(text, lambda t: _parse(t, pattern), full)


# -- numbers and choices -------------------------------------------------------------------------


def _integer_full(text: pl.Expr) -> pl.Expr:
    digits = text.str.replace_all(",", "", literal=True).str.replace(r"\.0*$", "")
    whole = digits.str.contains(r"^[+-]?\d{1,18}$")
    return pl.when(whole).then(digits.cast(pl.Int64, strict=False))


def integers(text: pl.Series) -> pl.Series:
    """Whole numbers; "1,200" and "3.0" (a spreadsheet's float) are accepted."""
    return with_fallback(text, lambda t: t.cast(pl.Int64, strict=False), _integer_full)


def _cents_fast(text: pl.Expr) -> pl.Expr:
    simple = text.str.contains(r"^-?\d{1,15}(\.\d{1,2})?$")
    return pl.when(simple).then((text.cast(pl.Decimal(20, 2), strict=False) * 100).cast(pl.Int64))


def _cents_full(text: pl.Expr) -> pl.Expr:
    bare = bare_number(text)
    ok = bare.str.contains(_MONEY)
    negative = bare.str.starts_with("-")
    unsigned = bare.str.replace(r"^[+-]", "").str.replace_all(",", "", literal=True)
    whole = unsigned.str.extract(r"^(\d+)", 1)
    fraction = unsigned.str.extract(r"\.(\d*)$", 1).fill_null("").str.pad_end(2, "0")
    exact = fraction.str.slice(2).str.contains(r"^0*$")
    value = whole.cast(pl.Int64, strict=False) * 100 + fraction.str.slice(0, 2).cast(pl.Int64)
    fits = whole.str.len_chars() <= 15
    return pl.when(ok & exact & fits).then(pl.when(negative).then(-value).otherwise(value))


COMMA_NUMBER = r"^[+-]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$"
"""A number as written with a decimal comma: "12", "2.000", "89,9", "1.234,56"."""
COMMA_DECIMAL = r"^[+-]?(\d{1,3}(\.\d{3})+,\d+|\d+,(\d{1,2}|\d{4,}))$"
"""A number only a decimal comma can write: "89,90", "1.234,56". Not "1,200": three
digits after a comma are a group of thousands as well."""
POINT_DECIMAL = r"^[+-]?(\d*\.(\d{1,2}|\d{4,})|\d{1,3}(,\d{3})+\.\d+)$"
"""A number only a decimal point can write: "89.9", "0.12345", "1,234.5"."""


AMBIGUOUS_AMOUNT = r"^[+-]?[1-9]\d{0,2}\.\d\d0$"
"""An amount typed alone with one dot before three digits, the last a zero: "1.000",
"$12.500". A decimal comma writes a thousand that way (1000), a decimal point an
amount with a needless third decimal (1.00): a column decides by its other values
(``decimal_comma``), a value typed alone cannot (``ambiguous_amount``). Three decimals
not ending in zero are fractions of a cent, refused as such."""


CURRENCY_CODES = (
    *("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "CNY", "INR"),
    *("BRL", "MXN", "SEK", "NOK", "DKK", "PLN", "CZK", "SGD", "HKD", "ZAR"),
)
CURRENCY_MARK = rf"(US|CA|C|AU|A|NZ|R|HK|S)?\$|[€£¥₹]|{'|'.join(CURRENCY_CODES)}"
"""A currency's sign or code written beside an amount: "$", "US$", "€", "EUR"."""


def bare_number(text: pl.Expr) -> pl.Expr:
    """A number's text without spaces or currency signs and codes ("USD 1,234.50",
    "1.234,50 €", "R$ 1.234,50")."""
    return text.str.replace_all(rf"\s|{CURRENCY_MARK}", "")


def ambiguous_amount(text: str) -> str | None:
    """Why an amount typed alone (a form's, not a column's) is not read, when it is
    ``AMBIGUOUS_AMOUNT``: "1.000 is ambiguous: write 1000 or 1.00"; else None."""
    import re

    bare = re.sub(rf"\s|{CURRENCY_MARK}", "", text)
    if not re.fullmatch(AMBIGUOUS_AMOUNT, bare):
        return None
    whole, decimals = bare.split(".")
    return f"{bare} is ambiguous: write {whole}{decimals} or {whole}.{decimals[:2]}"


def comma_decimals(only_comma: int, only_point: int) -> bool:
    """The rule of a decimal comma, as a spreadsheet in a German, French or Italian
    locale writes numbers: some value can only be read with one ("89,90",
    "1.234,56": ``only_comma`` of them), and none only with a decimal point
    (``only_point``). Then "1.200" is 1200."""
    return only_comma > 0 and only_point == 0


def _decimal_counts(bare: pl.Series) -> tuple[int, int]:
    """How many of these bare numbers only a decimal comma, or only a point, writes."""
    return int(bare.str.contains(COMMA_DECIMAL).sum()), int(bare.str.contains(POINT_DECIMAL).sum())


def decimal_comma(sample: pl.Series) -> bool:
    """Whether a column writes its numbers with a decimal comma (``comma_decimals``)."""
    bare = sample.drop_nulls().to_frame("t").select(bare_number(pl.col("t")))[:, 0]
    return comma_decimals(*_decimal_counts(bare))


def comma_file(sample: pl.DataFrame) -> bool:
    """Whether a file's numbers use a decimal comma (``comma_decimals`` over all its
    columns): then "1.200" is 1200 in any column written that way."""
    comma = point = 0
    for column, dtype in sample.schema.items():
        if dtype != pl.String:  # a combined file's row numbers
            continue
        only_comma, only_point = _decimal_counts(
            sample.select(bare_number(cleaned(column)))[:, 0].drop_nulls()
        )
        comma, point = comma + only_comma, point + only_point
    return comma_decimals(comma, point)


def comma_shaped(sample: pl.Series) -> bool:
    """Whether every value of a column reads as a number written with a decimal
    comma (whole numbers and "1.200" too)."""
    bare = sample.drop_nulls().to_frame("t").select(bare_number(pl.col("t")))[:, 0]
    return bool(bare.str.contains(COMMA_NUMBER).all())


def pointed(text: pl.Expr) -> pl.Expr:
    """Numbers written with a decimal comma, as with a decimal point ("1.234,56" ->
    "1234.56"; currency signs dropped); a cell of another shape is null."""
    bare = bare_number(text)
    shaped = bare.str.contains(COMMA_NUMBER)
    swapped = bare.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return pl.when(shaped).then(swapped)


def comma_cents(text: pl.Series) -> pl.Series:
    """``cents`` of amounts written with a decimal comma and dots between thousands:
    "1.234,56" is 123456."""
    return cents(pl.select(pointed(pl.lit(text))).to_series().alias(text.name))


def bare_integers(sample: pl.Series) -> bool:
    """Whether every amount of ``sample`` is a whole number written bare, with no
    decimals, sign of a currency nor separator of thousands (1999, as an API writes
    cents), and there is one."""
    values = sample.drop_nulls()
    return values.len() > 0 and bool(values.str.contains(r"^[+-]?\d+$").all())


_FLOAT_NOISE = 1e-6
"""How far from a whole cent a float's rounding leaves an amount, at most, in cents."""


def _cents_of_float(text: pl.Expr) -> pl.Expr:
    """Cents from an amount a program wrote as the float it computed: 0.1 + 0.2 as
    "0.30000000000000004", 1.10 - 1.00 - 0.10 as "2.220446e-16" (a Parquet file's
    float column, pandas' CSV), within a millionth of a cent of a whole cent; null
    for anything else (3.495 is a fraction of a cent, not a float's rounding)."""
    number = bare_number(text).cast(pl.Float64, strict=False)
    scaled = number * 100
    whole = scaled.round(0)
    near = (scaled - whole).abs() < _FLOAT_NOISE
    return pl.when(near & (number.abs() < 1e13)).then(whole.cast(pl.Int64))


def cents(text: pl.Series) -> pl.Series:
    """Integer cents from currency units: "1,234.50", "1234.5", "$12", "-3.10", and
    the float a program computed ("0.30000000000000004" is 30). More than two
    decimals that are not zeros nor a float's rounding do not parse (no silent
    rounding)."""
    return with_fallback(
        text, _cents_fast, lambda t: pl.coalesce(_cents_full(t), _cents_of_float(t))
    )


def choices(text: pl.Series, values: dict[str, object], dtype: pl.DataType) -> pl.Series:
    """The stored value of each enum cell, matched case-insensitively; null when unknown."""
    keys = list(values)
    return text.str.to_lowercase().replace_strict(
        keys, [values[k] for k in keys], default=None, return_dtype=dtype
    )


def orders_that_parse(sample: pl.Series, datetime: bool = True) -> list[str]:
    """The date orders under which every non-empty text of ``sample`` parses."""
    frame = pl.DataFrame({"text": sample}).select(cleaned("text").alias("text")).drop_nulls()
    if frame.height == 0:
        return list(DATE_ORDERS)
    fits = []
    for order in DATE_ORDERS:
        parsed = frame.select(_full_moment(order)(pl.col("text")).is_null().sum()).item()
        if parsed == 0:
            fits.append(order)
    return fits


def data_order(sample: pl.Series) -> str | None:
    """A date order the column's shape gives away: ``COMPACT`` when every text is
    8 digits that read as year-month-day, ``EXCEL`` when every text is a number of
    days in the range spreadsheets use for 1954-2119 (10,000-80,000), ``UNIX`` when
    every text is a whole number of seconds since 1970 that falls in 2000-2099
    (``UNIX_MS``: of milliseconds); else None."""
    texts = pl.DataFrame({"text": sample}).select(cleaned("text").alias("text")).drop_nulls()
    if texts.height == 0:
        return None
    column = pl.col("text")
    eight_digits = column.str.contains(r"^\d{8}$").fill_null(False).all()
    compact = eight_digits & _parse(column, COMPACT).is_not_null().all()
    if texts.select(compact).item():
        return COMPACT
    numbers = column.cast(pl.Float64, strict=False)
    if texts.select(numbers.is_between(10_000, 80_000).fill_null(False).all()).item():
        return EXCEL
    whole = column.str.contains(r"^\d{9,13}$").fill_null(False).all()
    seconds = column.cast(pl.Int64, strict=False)
    low, high = _UNIX_SECONDS
    for order, scale in ((UNIX, 1), (UNIX_MS, 1000)):
        if texts.select(whole & seconds.is_between(low * scale, high * scale).all()).item():
            return order
    return None


def differ(sample: pl.Series, orders: list[str]) -> bool:
    """Whether the orders read the same texts as different moments (ambiguous)."""
    frame = pl.DataFrame({"text": sample}).select(cleaned("text").alias("text")).drop_nulls()
    readings = frame.select([_full_moment(order)(pl.col("text")).alias(order) for order in orders])
    return any(not readings[orders[0]].equals(readings[order]) for order in orders[1:])
