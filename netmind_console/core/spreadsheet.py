"""CSV files people open in a spreadsheet (the audit export, a batch's manifest)."""

# A spreadsheet runs a cell starting with one of these as a formula; prompts, labels and names are typed by people.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """The text as a spreadsheet shows it, never runs it: a leading quote marks a would-be formula as text."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
