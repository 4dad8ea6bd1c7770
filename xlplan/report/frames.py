"""DataFrames for analysts (notebooks, Power BI): pandas is imported here, and only when a
`to_frame()` is called, so no command pays for its import."""

from __future__ import annotations

from ..errors import XlplanError


def frame(records: list[dict], *, columns: tuple[str, ...] | None = None, dates: tuple[str, ...] = ()):
    """A DataFrame of `records` (with `columns` in that order even when there are none), ISO
    dates in `dates` turned into datetime64."""
    try:
        import pandas as pd
    except ImportError:
        raise XlplanError("DataFrames need pandas: pip install pandas") from None
    table = pd.DataFrame.from_records(records, columns=list(columns) if columns else None)
    for name in dates:
        if name in table:
            table[name] = pd.to_datetime(table[name])
    return table
