"""``python -m bench list`` and ``python -m bench run <name> [options]``: see bench/__init__.py."""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ganrepro.reporting.records import RECORDS, provenance, write_record

from . import load, names, record_name

WIDTH = 120  # a table wider than this is printed one column per row


def cell(value: Any) -> str:
    """A value as a person reads it: floats to 4 significant digits, big ones with commas."""
    if value is None:
        return ""
    if isinstance(value, float) and not isinstance(value, bool):
        if math.isnan(value):
            return "nan"
        return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 1e4 else str(value)
    return str(value)


def aligned(lines: list[list[str]], right: list[bool]) -> str:
    """Columns padded to their widest cell; a column of numbers right-aligned."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]

    def joined(line: list[str]) -> str:
        cells = zip(line, widths, right, strict=True)
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in cells).rstrip()

    return "\n".join(joined(line) for line in lines)


def is_number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as aligned text; transposed (a line per column) when too wide for a screen."""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    body = [[cell(row.get(c)) for c in columns] for row in rows]
    numeric = [all(is_number(row.get(c)) for row in rows) for c in columns]
    text = aligned([columns, *body], numeric)
    if max(len(line) for line in text.splitlines()) <= WIDTH:
        return text
    transposed = [[c, *(line[i] for line in body)] for i, c in enumerate(columns)]
    return aligned(transposed, [False] + [True] * len(rows))


def list_benchmarks() -> None:
    width = max(len(n) for n in names())
    for name in names():
        print(f"{name:<{width}}  {load(name).DESCRIPTION}")


def run_benchmark(name: str, argv: list[str], command: str) -> int:
    module = load(name)
    parser = argparse.ArgumentParser(
        prog=f"python -m bench run {name}", description=module.DESCRIPTION
    )
    parser.add_argument(
        "--records-dir",
        type=Path,
        default=RECORDS,
        help="where the record is written (default: bench/records)",
    )
    module.add_arguments(parser)
    args = parser.parse_args(argv)
    threads = getattr(args, "threads", None)
    # the code that runs, as it is now: its files may be edited before a long benchmark ends
    started = provenance(record_name(module), threads, command, date.today().isoformat())
    rows = module.run(args)
    path = write_record(
        record_name(module),
        rows,
        threads=threads,
        command=command,
        directory=args.records_dir,
        started=started,
    )
    print(f"record: {path}\n")
    print(table(rows))
    check = getattr(module, "check", None)
    failure = check(rows) if check else None
    if failure:
        print(f"\n{failure}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Run a benchmark and write its record under bench/records.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="every benchmark's name and what it measures")
    run = sub.add_parser(
        "run",
        help="run a benchmark, write its record, print its rows",
        usage="python -m bench run NAME [--records-dir DIR] [options of NAME; NAME --help]",
    )
    run.add_argument("name", choices=names(), metavar="NAME", help=", ".join(names()))
    run.add_argument("options", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.action == "list":
        list_benchmarks()
        return 0
    return run_benchmark(args.name, args.options, shlex.join(["python", "-m", "bench", *argv]))


if __name__ == "__main__":
    sys.exit(main())
