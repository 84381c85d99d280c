"""HTML pages of tables that a person reads inside the report (a CSV's eye icon in Snakemake's
report downloads the file; a page shows it)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import pandas as pd

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
table {{ border-collapse: collapse; font-size: 13px; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
td:nth-child(n) {{ max-width: 28em; }}
p.note {{ color: #444; max-width: 60em; }}
</style></head><body>
<h2>{title}</h2>
<p>{description}</p>
{sections}
<p class="note">{note}</p>
</body></html>
"""


def table_page(
    title: str,
    sections: Sequence[tuple[str, pd.DataFrame]],
    *,
    description: str = "",
    note: str = "",
    float_format: str | None = None,
) -> str:
    """A page of one or more tables, each under its heading ("" for none)."""
    parts = []
    for heading, table in sections:
        if heading:
            parts.append(f"<h3>{escape(heading)}</h3>")
        parts.append(
            table.to_html(
                index=False,
                escape=True,
                na_rep="",
                border=0,
                float_format=(lambda x: format(x, float_format)) if float_format else None,
            )
        )
    return _PAGE.format(
        title=escape(title),
        description=escape(description),
        sections="\n".join(parts),
        note=escape(note),
    )
