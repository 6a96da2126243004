"""Server-drawn bar charts: the geometry is computed here and the template writes it as SVG.

The CSP forbids inline scripts and style attributes, so bars are plain SVG shapes whose colours
come from classes in endpoints.css. Every chart has a table beside it with the same numbers.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

PLOT_HEIGHT = 120
LABEL_HEIGHT = 18
BAR_PITCH = 20
BAR_WIDTH = 14
LABEL_EVERY_DAYS = 7
PALETTE_SIZE = 6  # .series-0 … .series-5 in endpoints.css; further series reuse the colours


@dataclass(frozen=True)
class Segment:
    colour: int
    x: float
    y: float
    height: float
    value: Decimal


@dataclass(frozen=True)
class Column:
    day: date
    total: Decimal
    segments: list[Segment]
    label_x: float
    labelled: bool


@dataclass(frozen=True)
class Chart:
    width: int
    plot_height: int
    height: int
    bar_width: int
    peak: Decimal
    columns: list[Column]


def series_colour(index: int) -> int:
    return index % PALETTE_SIZE


def stacked_bars(days: list[date], series: list[list[Decimal]]) -> Chart:
    """One column per day, the series stacked bottom-up in order; the tallest column fills the plot."""
    totals = [sum((values[index] for values in series), Decimal(0)) for index in range(len(days))]
    peak = max(totals, default=Decimal(0))
    columns = [_column(index, day, totals[index], series, peak, len(days)) for index, day in enumerate(days)]
    return Chart(width=len(days) * BAR_PITCH, plot_height=PLOT_HEIGHT, height=PLOT_HEIGHT + LABEL_HEIGHT,
                 bar_width=BAR_WIDTH, peak=peak, columns=columns)


def _column(index, day, total, series, peak, day_count) -> Column:
    x = index * BAR_PITCH + (BAR_PITCH - BAR_WIDTH) / 2
    top = float(PLOT_HEIGHT)
    segments = []
    for number, values in enumerate(series):
        height = float(values[index] / peak) * PLOT_HEIGHT if peak else 0.0
        if height > 0:
            top -= height
            segments.append(Segment(series_colour(number), round(x, 2), round(top, 2), round(height, 2), values[index]))
    # Label the newest day and every week before it, so the last label is always today.
    labelled = (day_count - 1 - index) % LABEL_EVERY_DAYS == 0
    return Column(day, total, segments, label_x=round(x + BAR_WIDTH / 2, 2), labelled=labelled)
