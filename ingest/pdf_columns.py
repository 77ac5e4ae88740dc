"""Reading order on a page: text columns (one, two, three or more) found from where lines stand.

A gutter is an x where (almost) no line crosses while text stands on both sides; columns are
accepted only when they look like running text (lines filling their width), so a table of short
labels beside their values stays one column. Lines crossing a gutter (a title, a pull quote set
across the page) divide the page into bands, read top to bottom; inside a band each column is
read completely, left to right.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from ingest.pdf_layout import MARGIN_SHARE, TextLine, rows

ACROSS = -1  # the column of a line crossing a gutter
_MAX_GUTTERS = 7


def column_splits(lines: list[TextLine], body: float) -> list[float]:
    """The x of each gutter between text columns on a page, left to right; [] for one column."""
    if len(lines) < 6:
        return []
    starts = sorted(line.x0 for line in lines)
    ends = sorted(line.x1 for line in lines)
    left, right = starts[0], ends[-1]
    samples: list[tuple[float, int]] = []
    x = left + 0.15 * (right - left)
    while x <= left + 0.85 * (right - left):
        # Lines crossing x: started before it, minus those that ended before it.
        samples.append((x, bisect_left(starts, x - 1) - bisect_right(ends, x + 1)))
        x += 3
    if not samples:
        return []
    # A gutter is a valley: far fewer lines cross it than cross the columns beside it. Short
    # titles crossing only the first gutter make valleys differ in depth, so each is taken alone.
    counts = sorted(count for _, count in samples)
    threshold = max(counts[0] + max(1, len(lines) // 60), 0.3 * counts[len(counts) // 2])
    candidates: list[tuple[float, int]] = []  # (x, lines crossing it)
    run: list[tuple[float, int]] = []
    for x, count in [*samples, (right, len(lines) + 1)]:
        if count <= threshold:
            run.append((x, count))
        elif run:
            deepest = min(count for _, count in run)
            bottom = [x for x, count in run if count == deepest]
            candidates.append(((bottom[0] + bottom[-1]) / 2, deepest))
            run = []
    # More than eight columns is no brochure; the deepest valleys are the likeliest gutters.
    deepest_first = sorted(candidates, key=lambda candidate: candidate[1])[:_MAX_GUTTERS]
    return _accepted(sorted(x for x, _ in deepest_first), lines, body)


def _accepted(candidates: list[float], lines: list[TextLine], body: float) -> list[float]:
    """The candidate gutters whose neighbouring columns both hold running text."""
    splits = list(candidates)
    changed = True
    while changed and splits:
        changed = False
        bounds = [float("-inf"), *splits, float("inf")]
        for index, split in enumerate(splits):
            low, high = bounds[index], bounds[index + 2]
            left_lines = [line for line in lines if line.x0 >= low - 1 and line.x1 <= split + 1]
            right_lines = [line for line in lines if line.x0 >= split - 1 and line.x1 <= high + 1]
            if (
                len(left_lines) < 3
                or len(right_lines) < 3
                or not _look_like_columns(left_lines, right_lines, body)
            ):
                splits.pop(index)
                changed = True
                break
    return splits


def _look_like_columns(left: list[TextLine], right: list[TextLine], body: float) -> bool:
    """Columns of running text, not a table of short labels beside their values.

    Body text in a column fills most of its width: half its lines reach at least 55 % of it, even
    set ragged in a narrow column without hyphenation. A label column does not, and is far
    narrower than its value column.
    """
    left_start, left_end = min(line.x0 for line in left), max(line.x1 for line in left)
    right_start, right_end = min(line.x0 for line in right), max(line.x1 for line in right)
    left_width, right_width = left_end - left_start, right_end - right_start
    if min(left_width, right_width) < 0.3 * max(left_width, right_width):
        return False
    ends = sorted(line.x1 for line in left if not line.bold and abs(line.size - body) < 0.6)
    if len(ends) < 3:  # a column of smaller type (an info box) beside body text
        ends = sorted(line.x1 for line in left if not line.bold)
    return len(ends) >= 3 and ends[len(ends) // 2] >= left_start + 0.55 * left_width


def reading_order(lines: list[TextLine], height: float, body: float) -> list[TextLine]:
    """Lines of one page in reading order: full-width parts top to bottom, columns left to right.

    Small print along the top and bottom edge (a header the page does not share with others)
    is read first and last.
    """
    page_rows = rows(lines)
    top = 0
    while top < len(page_rows) and _is_edge_row(page_rows[top], height, body, top_edge=True):
        top += 1
    bottom = len(page_rows)
    while bottom > top and _is_edge_row(page_rows[bottom - 1], height, body, top_edge=False):
        bottom -= 1
    middle = [line for row in page_rows[top:bottom] for line in row]
    head = [line for row in page_rows[:top] for line in sorted(row, key=lambda item: item.x0)]
    tail = [line for row in page_rows[bottom:] for line in sorted(row, key=lambda item: item.x0)]
    return head + _columns_in_order(middle, body) + tail


def _is_edge_row(row: list[TextLine], height: float, body: float, top_edge: bool) -> bool:
    inside = (
        all(line.y1 <= height * MARGIN_SHARE for line in row)
        if top_edge
        else all(line.y0 >= height * (1 - MARGIN_SHARE) for line in row)
    )
    return inside and all(line.size < 0.95 * body for line in row)


def _columns_in_order(lines: list[TextLine], body: float) -> list[TextLine]:
    by_position = sorted(lines, key=lambda line: (round(line.baseline, 0), line.x0))
    splits = column_splits(lines, body)
    if not splits:
        return rows_in_order(by_position)
    ordered: list[TextLine] = []
    band: list[list[TextLine]] = [[] for _ in range(len(splits) + 1)]
    bottom = float("-inf")  # the lowest line of the band so far
    across: TextLine | None = None  # the last line crossing a gutter
    baselines = [line.baseline for line in by_position]
    for line in by_position:
        crossing = any(line.x0 < split - 1 and line.x1 > split + 1 for split in splits)
        # Text running over the gutter into the next column's text (a long address overflowing
        # its box) is not set across the columns: it stays in the column it starts in.
        crossing = crossing and not _collides(line, by_position, baselines, splits)
        # The short last line of a title or pull quote set across the columns belongs to it.
        crossing = crossing or (across is not None and _continues(across, line, body))
        # A wide stretch of white below every column also ends a band: the next project begins.
        if crossing or line.y0 - bottom > 2.2 * body:
            ordered += [item for column in band if column for item in rows_in_order(column)]
            band = [[] for _ in range(len(splits) + 1)]
        if crossing:
            line.column = ACROSS
            ordered.append(line)
            bottom, across = float("-inf"), line
            continue
        across = None
        line.column = bisect_left(splits, line.x0 + 1)
        band[line.column].append(line)
        bottom = max(bottom, line.y1)
    return ordered + [item for column in band if column for item in rows_in_order(column)]


def _collides(
    line: TextLine, by_position: list[TextLine], baselines: list[float], splits: list[float]
) -> bool:
    """Whether the box of a line inside one column overlaps this one's (text printed over text)."""
    low = bisect_left(baselines, line.baseline - 2 * line.size)
    high = bisect_left(baselines, line.baseline + 2 * line.size)
    return any(
        other is not line
        and other.x0 < line.x1 - 1
        and other.x1 > line.x0 + 1
        and other.y0 < line.y1 - 1
        and other.y1 > line.y0 + 1
        and not any(other.x0 < split - 1 and other.x1 > split + 1 for split in splits)
        for other in by_position[max(0, low - 2) : high + 2]
    )


def _continues(above: TextLine, line: TextLine, body: float) -> bool:
    return (
        line.size >= 1.15 * body
        and abs(line.size - above.size) < 0.6
        and 0 < line.baseline - above.baseline <= 1.6 * line.size
    )


def rows_in_order(lines: list[TextLine]) -> list[TextLine]:
    return [line for row in rows(lines) for line in sorted(row, key=lambda item: item.x0)]
