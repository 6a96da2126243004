"""A batch's prompts as rows: lines of text, or a CSV with a `prompt` column and any parameter columns.

Rows are numbered as the person sees them: a line's number in the text; in a CSV, the spreadsheet's row (the
header is row 1, so the first prompt is row 2). Whatever makes the whole input unusable (not text, no `prompt`
column, a column that is no parameter of the model, too many jobs) is an InputRefused naming it; what is wrong
with a single row is judged later, row by row (batches.check_rows).
"""

import csv
import io
from dataclasses import dataclass, field

MAX_BATCH_JOBS = 10_000
MAX_BATCH_FILE_BYTES = 10 * 1024 * 1024
MAX_CELL_CHARS = 4000  # the New job form's prompt limit; no parameter value is longer
SEED_COLUMN, PROMPT_COLUMN, IMAGE_COLUMN = "seed", "prompt", "image"


class InputRefused(ValueError):
    """The input as a whole cannot be used; the message says why and how to fix it."""


@dataclass
class RawRow:
    number: int
    prompt: str
    cells: dict[str, str] = field(default_factory=dict)  # column name → the cell's text, empty cells left out


def from_lines(text: str, seeds: int) -> list[RawRow]:
    """One prompt per non-empty line."""
    rows = [RawRow(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    _check_count(len(rows), seeds)
    return rows


def from_list(items: list[tuple[str, dict[str, str]]], seeds: int) -> list[RawRow]:
    """Prompts given one by one, each with its cells (the API's `prompts` or `rows`), numbered from 1 as listed;
    an empty prompt is kept, for the row checks to refuse with its number."""
    rows = [RawRow(number, prompt.strip(), cells) for number, (prompt, cells) in enumerate(items, start=1)]
    _check_count(len(rows), seeds)
    return rows


def from_csv(upload, columns: list[str], seeds: int) -> list[RawRow]:
    """The CSV's rows; `columns` are those the model takes beside `prompt` (parameters, `seed`, `image`)."""
    text = _decoded(upload)
    # Quotes as every spreadsheet writes them ("" inside a quoted cell); only the delimiter varies.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), skipinitialspace=True)
    number = 0  # the last row read whole: a reading error is in the next one
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        _check_header(header, columns)
        rows, number = [], 1
        for number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            rows.append(_row(number, header, record))
            _check_count(len(rows), seeds, partial=True)
    except csv.Error as error:
        raise InputRefused(f"Row {number + 1} is not readable CSV: {error}.") from None
    if not rows:
        raise InputRefused("The file has a header but no prompts.")
    _check_count(len(rows), seeds)
    return rows


def _decoded(upload) -> str:
    if upload.size > MAX_BATCH_FILE_BYTES:
        raise InputRefused(f"The file is larger than {MAX_BATCH_FILE_BYTES // 2**20} MB.")
    upload.seek(0)
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputRefused("The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”.") from None
    if "\x00" in text:
        raise InputRefused("The file is not a CSV: it holds binary data.")
    if not text.strip():
        raise InputRefused("The file is empty.")
    return text


def _delimiter(text: str) -> str:
    """Comma unless the header says otherwise (spreadsheets in many locales save with ; or tabs). Only the
    delimiter is sniffed: from a header without quotes the sniffer would also guess that a doubled quote is no
    escape, and split `"say ""hi"", friend"` in two."""
    first_line = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _check_header(header: list[str], columns: list[str]):
    if PROMPT_COLUMN not in header:
        raise InputRefused("Row 1 must name the columns, one of them “prompt”; "
                           f"found: {', '.join(name[:40] for name in header if name) or 'nothing'}.")
    unknown = [name for name in header if name and name != PROMPT_COLUMN and name not in columns]
    if unknown:
        raise InputRefused(f"Row 1: the column “{unknown[0][:40]}” is not a parameter of this model; "
                           f"its columns: {', '.join([PROMPT_COLUMN, *columns])}.")
    named = [name for name in header if name]
    repeated = next((name for name in named if named.count(name) > 1), None)
    if repeated:
        raise InputRefused(f"Row 1: the column “{repeated[:40]}” appears twice.")


def _row(number: int, header: list[str], record: list[str]) -> RawRow:
    if any(cell.strip() for cell in record[len(header):]):  # empty cells past the last column are harmless
        raise InputRefused(f"Row {number} has {len(record)} cells but row 1 names {len(header)} columns; "
                           "put a cell holding a comma in quotes.")
    cells = {name: cell.strip()[:MAX_CELL_CHARS + 1] for name, cell in zip(header, record) if name and cell.strip()}
    return RawRow(number, cells.pop(PROMPT_COLUMN, ""), cells)


def _check_count(rows: int, seeds: int, partial: bool = False):
    jobs = rows * seeds
    if jobs > MAX_BATCH_JOBS:
        counted = f"more than {rows - 1:,}" if partial else f"{rows:,}"
        seeds_text = f" × {seeds} seeds" if seeds > 1 else ""
        raise InputRefused(f"The input has {counted} prompts{seeds_text}: a batch holds at most "
                           f"{MAX_BATCH_JOBS:,} jobs. Split it into several batches.")
    if not rows and not partial:
        raise InputRefused("Enter at least one prompt.")
