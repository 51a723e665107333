"""Text-mode screens: a terminal's grid of character cells, its frames and its controls.

A full-screen text program (ncurses, S-Lang) draws its dialogs with characters: frames of line
characters, check boxes "[x]"/"[ ]", radio buttons "(*)"/"( )", fields of coloured cells, buttons
"[< OK >]". Tesseract reads such a screen poorly as it stands: the frames come back as "г", "|" and
"———_{", coloured rows and the cursor hide whole labels, and the boxes' states are lost. But every
glyph stands in one cell of a fixed grid, so the screen can be read the way it was drawn:

1. `cell_grid`: the cell size and origin, from the OCR words' monospaced widths and the colour edges
   (backgrounds change at cell borders only);
2. `screen_cells`: each cell's own background and ink, frames (line characters reaching the cell's
   edges) told apart from glyphs, and a clean page of dark glyphs on white with no frames;
3. `read_screen`: that page OCRed once more, its words snapped to cells, split into the runs a row
   holds between frames and wide gaps (`Run`);
4. `screen_controls`: the controls the runs spell: "[x] Label" and "(*) Label" with their state and
   the title of the frame they stand in, "Label: value" and a label ending in ":" over its value,
   a pull-down menu's items in order.

The controls are `Control` records like those `indexer.controls` finds in a GUI's pixels, so they are
indexed and answered the same way.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from statistics import median

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.controls import MENU_HEADINGS, MENU_SECTION_BREAK
from indexer.language import detect_language
from indexer.ocr import OcrSettings, latin_twin, read_uniform, settle_scripts
from indexer.records import BBox, Control, ControlKind, TextLine, Word, union_bbox

log = logging.getLogger(__name__)

MIN_MONOSPACED_WORDS = 6
MONOSPACE_SPREAD = 0.12
"""How far a word's width per letter may stray from the page's typical one in a monospaced font."""
MONOSPACED_SHARE = 0.75
ON_GRID_SHARE = 0.9
"""Share of the words that must stand at one place in their cells (a terminal's: 0.96-1.0; GUIs: 0.3-0.85)."""
GRID_CONCENTRATION = 2.5
"""How many times more long colour edges fall on the grid's cell borders than an even spread puts there."""
EDGE_STEP = 60
"""Colour difference (summed over R, G, B) between neighbouring pixels that is an edge."""
INK_STEP = 120
"""Colour difference between a pixel and its cell's background that makes it ink."""
MIN_FRAME_CELLS = 12
"""A screen with fewer line-character cells draws no dialog: a shell's plain text needs no rereading."""
WIDE_GAP = 2
"""Blank cells that part two runs of one row (words of one label are one blank apart)."""

_INDICATOR = re.compile(r"^([\[(])\s?([^\s\[\]()]?)\s?([\])])\s+(.+)$")
_ON_MARKS = frozenset("xXхХ*•+✓√vV#")
_LABEL_VALUE = re.compile(r"^(?P<label>[^\W\d_][^:\[\]@/#]+?):\s+(?P<value>\S.*)$")
_BUTTON = re.compile(r"^[\[<]\s*[<\[]?\s*[^\[\]<>]+?\s*[>\]]?\s*[\]>]$")


@dataclass(frozen=True)
class CellGrid:
    """Where the terminal's cells lie in the screenshot: cell size and the first cell's corner, in pixels."""

    width: int
    height: int
    left: int
    top: int
    columns: int
    rows: int

    def column(self, x: float) -> int:
        return round((x - self.left) / self.width)

    def row(self, y: float) -> int:
        return int((y - self.top) // self.height)

    def box(self, row: int, first: int, last: int) -> BBox:
        """The pixels of cells first..last (inclusive) of `row`."""
        top = self.top + row * self.height
        return (
            float(self.left + first * self.width),
            float(top),
            float(self.left + (last + 1) * self.width),
            float(top + self.height),
        )


@dataclass(frozen=True)
class Run:
    """Text of one row between frames and wide gaps: a label, an option, a value, a menu item."""

    row: int
    first: int
    last: int
    text: str
    bbox: BBox
    words: tuple[Word, ...] = ()


def letter_width(words: list[Word]) -> float | None:
    """The width per letter the OCR words share when the font is monospaced; None when it is not."""
    widths = [
        (w.bbox[2] - w.bbox[0]) / len(w.text)
        for w in words
        if len(w.text) >= 3 and w.confidence >= 60 and any(ch.isalpha() for ch in w.text)
    ]
    if len(widths) < MIN_MONOSPACED_WORDS:
        return None
    typical = median(widths)
    alike = sum(abs(width - typical) <= MONOSPACE_SPREAD * typical for width in widths)
    return typical if alike >= MONOSPACED_SHARE * len(widths) else None


def _phase(profile: np.ndarray, period: int) -> tuple[float, int]:
    """How concentrated `profile` is on one phase of `period` (1: evenly spread), and that phase."""
    total = float(profile.sum())
    if total <= 0:
        return 0.0, 0
    sums = [float(profile[offset::period].sum()) for offset in range(period)]
    best = int(np.argmax(sums))
    return sums[best] * period / total, best


def _borders(pixels: np.ndarray) -> np.ndarray:
    """Where the colour changes between pixels i and i+1 of each row and stays changed a few pixels
    on: a background's border, not the thin stroke of a line character or a letter."""
    step = np.abs(pixels[:, 1:] - pixels[:, :-1]).sum(axis=2) > EDGE_STEP
    lasting = np.zeros_like(step)
    lasting[:, 2:-2] = np.abs(pixels[:, 5:] - pixels[:, :-5]).sum(axis=2) > EDGE_STEP
    return step & lasting


def _period(profile: np.ndarray, periods: range) -> tuple[float, int, int]:
    """The shortest period among `periods` whose phase holds the profile (near) as well as the best
    one's: a multiple of the cell size is as concentrated as the size itself."""
    found = [(*_phase(profile, period), period) for period in periods]
    best = max(concentration for concentration, _, _ in found)
    return next(item for item in found if item[0] >= 0.85 * best)


def cell_grid(image: Image.Image, words: list[Word]) -> CellGrid | None:
    """The terminal grid of a screenshot, or None when its text is not set in cells.

    Monospaced OCR words give the cell width roughly; the borders where a background colour
    changes (a highlighted row, a dialog, a field, its shadow) over a whole cell's height or width
    give the exact period and the origin. A GUI's proportional text or unaligned edges fail either test.
    """
    estimate = letter_width(words)
    if estimate is None:
        return None
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words if w.text.isalpha())
    if not heights:
        return None
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    across, down = _borders(pixels), _borders(pixels.transpose(1, 0, 2)).T
    letter_height = heights[len(heights) // 2]
    # Edge i lies between pixels i and i+1: the border starts the cell at i+1. A border runs on
    # over more than a letter's stroke: along a whole cell's width, or a whole cell's height.
    lying = ndi.binary_opening(down, structure=np.ones((1, round(estimate * 1.3) + 1)))
    level = lying.sum(axis=1)
    height_found = _period(
        np.concatenate([[0], level]), range(max(6, round(letter_height)), round(letter_height * 2.2) + 1)
    )
    upright = ndi.binary_opening(across, structure=np.ones((height_found[2] - 1, 1))).sum(axis=0)
    width_found = _period(
        np.concatenate([[0], upright]), range(max(4, round(estimate) - 1), round(estimate) + 2)
    )
    (wide, left, width), (high, top, height) = width_found, height_found
    size = (pixels.shape[1], pixels.shape[0])
    if wide >= GRID_CONCENTRATION and high >= GRID_CONCENTRATION:
        grid = _grid(width, height, left, top, size)
        if set_in_cells(words, grid):
            return grid
    # Few coloured areas (dark letters on a plain light screen, a window's title bar above it): the
    # edges do not settle the grid, but the words themselves stand in its cells.
    seated = grid_of_words(words, estimate, letter_height, size)
    if seated is None:
        return None
    # The few edges there are (a highlighted row, a button) still lie on cell borders: they set
    # the origin to the pixel, where the words' middles and starts leave it a pixel or two off.
    # A band one cell high (a highlighted row or button) has its top and bottom edge a cell apart;
    # a title bar's lower edge has no partner.
    band = seated.height
    paired = (lying[:-band] & lying[band:]).sum(axis=1) if lying.shape[0] > band else level[:0]
    edges = paired if paired.any() else level
    top = _nearest_border(np.concatenate([[0], edges]), seated.height, seated.top)
    upright = ndi.binary_opening(across, structure=np.ones((seated.height - 1, 1))).sum(axis=0)
    left = _nearest_border(np.concatenate([[0], upright]), seated.width, seated.left)
    grid = _grid(seated.width, seated.height, left, top, size)
    return grid if set_in_cells(words, grid) else None


def _nearest_border(profile: np.ndarray, period: int, near: int) -> int:
    """The phase within a quarter period of `near` where the most edges of `profile` fall (`near` if none)."""
    reach = max(1, period // 4)
    sums = {
        phase: float(profile[phase % period :: period].sum())
        for phase in range(near - reach, near + reach + 1)
    }
    best = max(sums, key=lambda phase: (sums[phase], -abs(phase - near)))
    return best if sums[best] > 0 else near


def _grid(width: int, height: int, left: int, top: int, size: tuple[int, int]) -> CellGrid:
    left, top = left % width, top % height
    return CellGrid(width, height, left, top, (size[0] - left) // width, (size[1] - top) // height)


def grid_of_words(
    words: list[Word], estimate: float, letter_height: float, size: tuple[int, int]
) -> CellGrid | None:
    """The grid the OCR words' own positions fit best: the cell height that puts their middles at
    one height in a cell, the cell width that puts their starts at one place in a cell.

    Rows of text one under another are one cell apart: the commonest spacing of neighbouring lines'
    middles is near the cell height. Each candidate size is judged by how many words it seats, and
    the place where most of them sit gives the origin (a word starts at a cell's left edge, its
    middle lies half a cell below the cell's top)."""
    read = [w for w in words if sum(ch.isalnum() for ch in w.text) >= 2 and w.confidence >= 60]
    if len(read) < MIN_MONOSPACED_WORDS:
        return None
    middles = np.array([(w.bbox[1] + w.bbox[3]) / 2 for w in read])
    starts = np.array([w.bbox[0] for w in read])
    levels = np.unique(np.round(middles))
    steps = np.diff(levels)
    steps = steps[(steps >= letter_height) & (steps <= 2.2 * letter_height)]
    if steps.size == 0:
        return None
    spacing = float(median(steps.tolist()))
    height, top = _seating(middles, range(max(6, round(spacing * 0.85)), round(spacing * 1.15) + 1), 2.0)
    width, left = _seating(starts, range(max(4, round(estimate) - 1), round(estimate) + 2), 1.5)
    return _grid(width, height, round(left), round(top - height / 2), size)


def _seating(positions: np.ndarray, periods: range, reach: float) -> tuple[int, float]:
    """The period among `periods` that seats most `positions` within `reach` of one place in it,
    and that place."""
    seated = [(*_best_place(positions, period, reach), period) for period in periods]
    _, place, period = max(seated, key=lambda item: item[0])
    return period, place


def set_in_cells(words: list[Word], grid: CellGrid) -> bool:
    """Whether the words stand in the grid's cells: their middles at one height in the cell, their
    starts at one place in it. A GUI's rows are spaced as its widgets need and its words start
    anywhere, even when its colour edges happen to fall on some period."""
    read = [w for w in words if sum(ch.isalnum() for ch in w.text) >= 2 and w.confidence >= 60]
    if len(read) < MIN_MONOSPACED_WORDS:
        return False
    middles = np.array([((w.bbox[1] + w.bbox[3]) / 2 - grid.top) % grid.height for w in read])
    starts = np.array([(w.bbox[0] - grid.left) % grid.width for w in read])
    return (
        _share_at_one_place(middles, grid.height, 2.0) >= ON_GRID_SHARE
        and _share_at_one_place(starts, grid.width, 1.5) >= ON_GRID_SHARE
    )


def _share_at_one_place(offsets: np.ndarray, period: int, reach: float) -> float:
    """The largest share of `offsets` (positions within a period) within `reach` of one place."""
    return _best_place(offsets, period, reach)[0]


def _best_place(positions: np.ndarray, period: int, reach: float) -> tuple[float, float]:
    """The share of `positions` within `reach` of one place in a period (half-pixel steps), and that place."""
    best = (0.0, 0.0)
    for place in np.arange(0.0, period, 0.5):
        apart = np.abs((positions - place + period / 2) % period - period / 2)
        best = max(best, (float((apart <= reach).mean()), float(place)), key=lambda item: item[0])
    return best


FRAME, GLYPH = 2, 1


def screen_cells(image: Image.Image, grid: CellGrid) -> tuple[np.ndarray, Image.Image]:
    """Each cell's kind (0 blank, GLYPH, FRAME) and the screen redrawn dark on white without frames.

    A cell's background is its commonest colour (the screen's colours are few); its ink, what
    differs from it, keeps its strength so that OCR sees smooth glyphs whatever the colours were
    (yellow on blue, black on cyan, a reverse-video row). A line character runs through the cell's
    middle to its edges, which no letter does.
    """
    w, h = grid.width, grid.height
    cells = _cells(image, grid)
    kinds = np.zeros((grid.rows, grid.columns), dtype=np.int8)
    clean = np.full((grid.rows * h, grid.columns * w), 255, dtype=np.uint8)
    for row in range(grid.rows):
        for column in range(grid.columns):
            cell = cells[row, column]
            difference = np.abs(cell - _ground(cell)).sum(axis=2)
            ink = difference > INK_STEP
            if not ink.any():
                continue
            # A thin line's anti-aliased fringe is faint: the line is judged by its strong ink.
            strong = difference > max(INK_STEP, 0.6 * float(difference.max()))
            if frame_cell(strong):
                kinds[row, column] = FRAME
                continue
            if hollow_cursor(strong):
                continue
            kinds[row, column] = GLYPH
            strength = np.clip(difference * (255.0 / max(float(difference.max()), 1.0)), 0, 255)
            clean[row * h : (row + 1) * h, column * w : (column + 1) * w] = 255 - strength.astype(np.uint8)
    page = Image.new("L", image.size, 255)
    page.paste(Image.fromarray(clean), (grid.left, grid.top))
    return kinds, page


def _cells(image: Image.Image, grid: CellGrid) -> np.ndarray:
    """The screen's pixels cut into cells: rows x columns x height x width x RGB."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    w, h = grid.width, grid.height
    area = pixels[grid.top : grid.top + grid.rows * h, grid.left : grid.left + grid.columns * w]
    return area.reshape(grid.rows, h, grid.columns, w, 3).transpose(0, 2, 1, 3, 4)


def _ground(cell: np.ndarray) -> np.ndarray:
    """A cell's background: the mean of its commonest colour (in 8 levels a channel)."""
    shade = ((cell[..., 0] // 32) * 64 + (cell[..., 1] // 32) * 8 + cell[..., 2] // 32).reshape(-1)
    return cell.reshape(-1, 3)[shade == np.bincount(shade).argmax()].mean(axis=0)


COLOUR_NEAR = 150
"""Summed R, G, B difference within which two cells' colours are one (anti-aliasing, a bold shade)."""


def cell_colours(image: Image.Image, grid: CellGrid) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's background colour and its ink's (NaN for a cell with no ink): rows x columns x RGB."""
    cells = _cells(image, grid)
    grounds = np.zeros((grid.rows, grid.columns, 3))
    inks = np.full((grid.rows, grid.columns, 3), np.nan)
    for row in range(grid.rows):
        for column in range(grid.columns):
            cell = cells[row, column]
            grounds[row, column] = ground = _ground(cell)
            difference = np.abs(cell - ground).sum(axis=2)
            if int((difference > INK_STEP).sum()) >= 2:
                # The ink's own colour: its strongest pixel, not the blend at the letters' edges.
                inks[row, column] = cell.reshape(-1, 3)[int(difference.argmax())]
    return grounds, inks


def reverse_video(grounds: np.ndarray, inks: np.ndarray) -> np.ndarray:
    """Cells drawn in reverse video: on the screen's text colour, in the screen's background colour
    (`cell_colours` gives each cell's).

    That is how a terminal program shows what is chosen (the current row of a list or table, the
    focused button) whatever colours the terminal uses; a coloured field or dialog is no such cell."""
    rows, columns = grounds.shape[:2]
    keys = [tuple(int(v) // 32 for v in colour) for colour in grounds.reshape(-1, 3)]
    common = max(set(keys), key=keys.count)
    plain = np.array([key == common for key in keys]).reshape(rows, columns)
    screen_ground = grounds[plain].mean(axis=0)
    written = inks[plain & ~np.isnan(inks[..., 0])]
    if not written.size:
        return np.zeros((rows, columns), dtype=bool)
    screen_ink = np.median(written, axis=0)
    if np.abs(screen_ink - screen_ground).sum() < 2 * COLOUR_NEAR:
        return np.zeros((rows, columns), dtype=bool)
    on_ink = np.abs(grounds - screen_ink).sum(axis=2) < COLOUR_NEAR
    inked_as_ground = np.isnan(inks[..., 0]) | (np.abs(inks - screen_ground).sum(axis=2) < COLOUR_NEAR)
    return on_ink & inked_as_ground


def hollow_cursor(ink: np.ndarray) -> bool:
    """Whether a cell's ink is the outline of the whole cell: the cursor of a terminal window that
    is not focused, which OCR reads as "0" or "O" after the prompt's value."""
    h, w = ink.shape
    if h < 6 or w < 4:
        return False
    ring = np.zeros_like(ink)
    ring[[0, -1], :] = True
    ring[:, [0, -1]] = True
    inner = ink[2:-2, 2:-2]
    return bool(ink[ring].mean() >= 0.9) and not inner.any()


def frame_cell(ink: np.ndarray) -> bool:
    """Whether a cell's ink is a line character: strokes through the middle that reach the cell's edges.

    A font may leave a pixel free at the top and bottom of its vertical lines; a bracket leaves more.
    """
    h, w = ink.shape
    across = ink[:, : w // 2 + 1].all(axis=1) | ink[:, w // 2 :].all(axis=1)
    upright = ink[1 : h // 2 + 1, :].all(axis=0) | ink[h // 2 : h - 1, :].all(axis=0)
    middle_rows = np.zeros(h, dtype=bool)
    middle_rows[h // 4 : h - h // 4] = True
    middle_columns = np.zeros(w, dtype=bool)
    middle_columns[w // 4 : w - w // 4] = True
    across &= middle_rows
    upright &= middle_columns
    if not (across.any() or upright.any()):
        return False
    line = np.zeros_like(ink)
    line[across, :] = True
    line[:, upright] = True
    return int((ink & ~line).sum()) <= 0.1 * int(ink.sum())


def read_screen(
    image: Image.Image, words: list[Word], settings: OcrSettings
) -> tuple[list[TextLine], list[Control]] | None:
    """The text and controls of a text-mode screen, or None when `image` is not one.

    `words` are the first OCR pass's: they tell whether the text is set in cells. The screen is
    then read once more from its cleaned cells (frames gone, colours flattened).
    """
    grid = cell_grid(image, words)
    if grid is None:
        return None
    kinds, page = screen_cells(image, grid)
    grounds, inks = cell_colours(image, grid)
    keys = key_cells(kinds, grounds, inks)
    if int((kinds == FRAME).sum()) < MIN_FRAME_CELLS and not keys:
        return None
    result = read_uniform(page, settings)
    languages = set(settings.languages.split("+"))
    if {"eng", "rus"} <= languages:
        settle_scripts(page, result.lines, settings)
    fresh = [
        w
        for line in result.lines
        for w in line.words
        if any(ch.isalnum() or ch in "[]()*<>" for ch in w.text)
    ]
    fresh += read_dropped(page, fresh, kinds, grid, settings)
    fresh = joined_words(fresh, grid)
    settle_glyphs(np.asarray(page), fresh, grid)
    fresh = with_keys(page, fresh, keys, grid, settings)
    ink = np.asarray(page) < 128
    runs = [with_indicator(run, kinds, ink, grid) for run in screen_runs(fresh, grid, kinds)]
    lines = [TextLine(run_words, index) for index, run_words in enumerate(_row_lines(fresh, grid))]
    log.debug(
        "text-mode screen: %dx%d cells of %dx%d px, %d runs",
        grid.columns,
        grid.rows,
        grid.width,
        grid.height,
        len(runs),
    )
    chosen = highlighted_controls(runs, reverse_video(grounds, inks), kinds)
    return lines, screen_controls(runs, kinds, grid) + chosen


MIN_KEY_BAR_PAIRS = 3
"""Key combos a row must hold to be a key bar ("^G Help  ^O Write Out  ^W Where Is")."""
MAX_KEY_CELLS = 4
"""Cells of one key combo on a key bar ("^G", "M-U", "F10")."""

KEY_COMBO = re.compile(r"^(\^[A-Z0-9@\[\]\\/_^]|M-\S|F\d{1,2})$")
_CARET_READS = "“”\"ˆ'`"
"""What OCR reads a key bar's caret as."""


def _alike(grounds: np.ndarray, inks: np.ndarray, row: int, a: int, b: int) -> bool:
    """Whether two glyph cells of a row are drawn alike: one background, one ink colour."""
    ground = np.abs(grounds[row, a] - grounds[row, b]).sum()
    ink = np.abs(inks[row, a] - inks[row, b]).sum()
    return bool(ground < COLOUR_NEAR and ink < COLOUR_NEAR)


def key_cells(kinds: np.ndarray, grounds: np.ndarray, inks: np.ndarray) -> list[tuple[int, int, int]]:
    """The key combos of the screen's key bars (row, first, last cell): a short run of glyphs with its
    command's name one blank on, drawn otherwise (the key in reverse video or in a colour of its
    own), in a row of at least `MIN_KEY_BAR_PAIRS` such pairs.

    A full-screen text program lists its commands so at the bottom ("^X Exit", "M-U Undo"); a title
    or status line is longer than a key, and a word of plain text has its neighbours drawn alike."""
    found = []
    rows, columns = kinds.shape
    for row in range(rows):
        pairs = []
        column = 0
        while column < columns:
            if kinds[row, column] != GLYPH:
                column += 1
                continue
            last = column
            while last + 1 < columns and kinds[row, last + 1] == GLYPH:
                last += 1
            name = last + 2
            keyed = (
                last - column + 1 <= MAX_KEY_CELLS
                and name < columns
                and kinds[row, last + 1] == 0
                and kinds[row, name] == GLYPH
                and all(_alike(grounds, inks, row, column, cell) for cell in range(column + 1, last + 1))
                and not _alike(grounds, inks, row, column, name)
            )
            if keyed:
                pairs.append((row, column, last))
            column = last + 1
        if len(pairs) >= MIN_KEY_BAR_PAIRS:
            found += pairs
    return found


def key_text(read: str, cells: int) -> str | None:
    """A key combo as the bar writes it, from OCR's reading of its `cells` ("“W" -> "^W", "^Р" -> "^P",
    "М-U" -> "M-U"); None when the reading is no key combo.

    A key combo is Latin whatever the screen's language: a Cyrillic look-alike is its Latin twin. On
    two cells it is a caret and a key: a caret read as a quote, "A" or "4" ("AR", "4U") is one, a
    zero after it the letter O (a terminal has no Ctrl+0), and what OCR put between them is noise."""
    text = read.replace(" ", "")
    if not text:
        return None
    if cells == 2 and len(text) >= 2 and text[0] in _CARET_READS + "^Aa4":
        text = "^" + text[-1]
    elif text[0] in _CARET_READS:
        text = "^" + text[1:]
    text = latin_twin(text) or text
    if text.startswith("^"):
        text = "^" + text[1:].upper().replace("0", "O")
    return text if KEY_COMBO.match(text) else None


def _centre_cell(word: Word, grid: CellGrid) -> int:
    """The column of the cell a word's middle falls in."""
    return int(((word.bbox[0] + word.bbox[2]) / 2 - grid.left) // grid.width)


def with_keys(
    page: Image.Image,
    words: list[Word],
    keys: list[tuple[int, int, int]],
    grid: CellGrid,
    settings: OcrSettings,
) -> list[Word]:
    """The words with each key bar's key combos read again apart from their names, in English
    (`key_cells`).

    Read among the names of a Russian bar a key comes out Cyrillic ("^Р") or garbled ("^б" for "^G"),
    and its caret as a quote mark. Each bar's row is read once more with only its keys' cells left on
    it, in English, enlarged as a screenshot is (a few keys alone read right only so). A reading that
    is no key combo leaves the first reading, its caret and script set right where it can be."""
    if not keys:
        return words
    settled = list(words)
    english = dataclasses.replace(settings, languages="eng")
    ink = np.asarray(page)
    for row in sorted({row for row, _, _ in keys}):
        on_row = [(first, last) for key_row, first, last in keys if key_row == row]
        top = grid.top + row * grid.height
        bar = np.full((3 * grid.height, ink.shape[1]), 255, dtype=np.uint8)
        for first, last in on_row:
            x0, x1 = grid.left + first * grid.width, grid.left + (last + 1) * grid.width
            bar[grid.height : 2 * grid.height, x0:x1] = ink[top : top + grid.height, x0:x1]
        reread = [w for line in read_uniform(Image.fromarray(bar), english).lines for w in line.words]
        for first, last in on_row:
            found = [w for w in reread if first <= _centre_cell(w, grid) <= last]
            inside = [
                w
                for w in settled
                if grid.row((w.bbox[1] + w.bbox[3]) / 2) == row and first <= _centre_cell(w, grid) <= last
            ]
            cells = last - first + 1
            text = key_text("".join(w.text for w in found), cells) or key_text(
                "".join(w.text for w in inside), cells
            )
            if text is None:
                continue
            confidence = min((w.confidence for w in found), default=0.0)
            settled = [w for w in settled if w not in inside]
            font = inside[0].font_size if inside else 0.0
            settled.append(Word(text, grid.box(row, first, last), max(confidence, SURE_WORD), font))
    return settled


MIN_DROPPED_CELLS = 3
"""Glyph cells in a row, uncovered by any word, from which OCR is taken to have dropped a word."""
MAX_DROPPED = 24


def dropped_runs(words: list[Word], kinds: np.ndarray, grid: CellGrid) -> list[tuple[int, int, int]]:
    """Runs of glyph cells (row, first, last; one blank inside a run) that no OCR word covers."""
    covered = np.zeros(kinds.shape, dtype=bool)
    for word in words:
        row = grid.row((word.bbox[1] + word.bbox[3]) / 2)
        if 0 <= row < grid.rows:
            first = max(0, grid.column(word.bbox[0]))
            covered[row, first : int((word.bbox[2] - grid.left - 1) // grid.width) + 1] = True
    runs = []
    for row in range(grid.rows):
        free = (kinds[row] == GLYPH) & ~covered[row]
        column = 0
        while column < grid.columns:
            if not free[column]:
                column += 1
                continue
            first = last = column
            while last + 1 < grid.columns and (
                free[last + 1]
                or (
                    last + 2 < grid.columns
                    and free[last + 2]
                    and kinds[row, last + 1] == 0
                    and not covered[row, last + 1]
                )
            ):
                last += 1
            if last - first + 1 >= MIN_DROPPED_CELLS:
                runs.append((row, first, last))
            column = last + 1
    return runs[:MAX_DROPPED]


def read_dropped(
    page: Image.Image, words: list[Word], kinds: np.ndarray, grid: CellGrid, settings: OcrSettings
) -> list[Word]:
    """Words the reading of the whole screen left out, read once more on their own.

    Tesseract's page layout now and then drops a word of a table's first column (next to a
    highlighted row) although the cleaned cells hold it plainly. Such cells are cut out, stacked in
    one strip, a blank row apart, read in one call and put back where they stand."""
    runs = dropped_runs(words, kinds, grid)
    if not runs:
        return []
    pad, step = grid.width, 2 * grid.height
    strip = Image.new(
        "L",
        (
            max(last - first + 1 for _, first, last in runs) * grid.width + 2 * pad,
            step * len(runs) + grid.height,
        ),
        255,
    )
    for index, (row, first, last) in enumerate(runs):
        x0, y0, x1, y1 = (int(v) for v in grid.box(row, first, last))
        strip.paste(page.crop((x0, y0, x1, y1)), (pad, grid.height // 2 + index * step))
    found = []
    # At its own size: enlarged, such a small strip of terminal glyphs reads worse, not better.
    for line in read_uniform(strip, dataclasses.replace(settings, upscale_below=0)).lines:
        for word in line.words:
            index = int(((word.bbox[1] + word.bbox[3]) / 2 - grid.height // 2) // step)
            if not 0 <= index < len(runs) or not any(ch.isalnum() for ch in word.text):
                continue
            row, start, _ = runs[index]
            left, top = grid.box(row, start, start)[:2]
            dx, dy = left - pad, top - (grid.height // 2 + index * step)
            x_a, y_a, x_b, y_b = word.bbox
            found.append(
                Word(word.text, (x_a + dx, y_a + dy, x_b + dx, y_b + dy), word.confidence, word.font_size)
            )
    return found


def joined_words(words: list[Word], grid: CellGrid) -> list[Word]:
    """Words OCR parted although no blank cell stands between them ("0068B43C" "-ECE6" of one GUID,
    "disk." "img4"), joined: on a terminal a word ends only where a blank cell does."""
    joined: list[Word] = []
    for row_words in _row_lines(words, grid):
        previous_last = -2
        for word in row_words:
            first = grid.column(word.bbox[0])
            if joined and first == previous_last + 1:
                before = joined[-1]
                joined[-1] = Word(
                    before.text + word.text,
                    union_bbox([before.bbox, word.bbox]),
                    min(before.confidence, word.confidence),
                    before.font_size,
                )
            else:
                joined.append(word)
            previous_last = max(first, int((word.bbox[2] - grid.left - 1) // grid.width))
    return joined


SURE_WORD = 90.0
"""Confidence from which a word's letters teach what each glyph looks like on this screen."""
SAME_GLYPH = 0.03
"""Share of a cell's pixels two renderings of one character may differ in (at half the ink's strength)."""
MAX_TEMPLATES = 4


def word_cells(word: Word, grid: CellGrid) -> tuple[int, int, int] | None:
    """The row and first/last columns of the cells `word` fills, when it has one letter per cell."""
    first = max(0, grid.column(word.bbox[0]))
    last = min(grid.columns - 1, int((word.bbox[2] - grid.left - 1) // grid.width))
    if last - first + 1 != len(word.text) or " " in word.text:
        return None
    return grid.row((word.bbox[1] + word.bbox[3]) / 2), first, last


def settle_glyphs(page: np.ndarray, words: list[Word], grid: CellGrid) -> int:
    """Letters OCR took for a look-alike, set right by the screen's own glyphs; returns how many.

    A terminal draws every character from one font into cells of one size, so one character looks
    the same, pixel for pixel, wherever it stands. What the sure words of the screen show each
    character to look like is matched against every cell of every word: a cell that is the very
    image of another character, and unlike every sure rendering of the one read, is that other
    character ("1.16" for "1.1G", "A0BO" for "A0B0", "disk.imgl" for "disk.img1"), within the
    guards of `respelled`."""
    ink = page < 128
    seated = [(word, place) for word in words if (place := word_cells(word, grid)) is not None]
    shapes: dict[str, list[np.ndarray]] = {}
    for word, (row, first, _) in seated:
        if word.confidence < SURE_WORD or not 0 <= row < grid.rows:
            continue
        for offset, char in enumerate(word.text):
            known = shapes.setdefault(char, [])
            if len(known) < MAX_TEMPLATES and char.isalnum():
                known.append(_glyph(ink, grid, row, first + offset))
    changed = 0
    for word, (row, first, _) in seated:
        if not 0 <= row < grid.rows:
            continue
        glyphs = [_glyph(ink, grid, row, first + offset) for offset in range(len(word.text))]
        text = respelled(word.text, glyphs, shapes)
        if text != word.text:
            log.debug("glyphs of the screen read %r as %r", word.text, text)
            word.text = text
            changed += 1
    return changed


_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def respelled(text: str, cells: list[np.ndarray], shapes: dict[str, list[np.ndarray]]) -> str:
    """`text` with each character whose cell is the image of one other known character, and unlike
    every known rendering of its own, spelled as that character.

    Two guards keep look-alikes apart: a word of letters alone stays letters ("З" and "3", "О" and
    "0" share a glyph in many fonts), and a letter changes script only where the whole word then
    stands in one script. A word still in two scripts has its Cyrillic letters drawn like Latin
    ones spelled in Latin ("937Е" in a GUID): a Russian word holds no Latin letter."""
    letters = list(text)
    for offset, (char, cell) in enumerate(zip(text, cells, strict=True)):
        if char.isspace() or not cell.any():
            continue
        if min((_unlike(cell, shape) for shape in shapes.get(char, [])), default=1.0) <= SAME_GLYPH:
            continue
        matches = [
            other
            for other, known in shapes.items()
            if other != char and any(_unlike(cell, shape) <= SAME_GLYPH for shape in known)
        ]
        if len(matches) == 1 and not (
            char.isalpha() and matches[0].isdigit() and _letters_only(text, offset)
        ):
            letters[offset] = matches[0]
    if _two_scripts("".join(letters)):
        # Keep the letters that changed script only where that left the word in one script.
        letters = [
            new if not (old.isalpha() and new.isalpha()) or _is_cyrillic(old) == _is_cyrillic(new) else old
            for old, new in zip(text, letters, strict=True)
        ]
    respelt = "".join(letters)
    if _CYRILLIC_LETTER.search(respelt) and (
        _LATIN_LETTER.search(respelt) or sum(ch.isdigit() for ch in respelt) >= MIN_CODE_DIGITS
    ):
        respelt = latin_twin(respelt) or respelt
    return respelt


MIN_CODE_DIGITS = 4
"""Digits from which a word with Cyrillic look-alike letters is a code (a GUID's group, a size)."""


def _letters_only(text: str, offset: int) -> bool:
    rest = text[:offset] + text[offset + 1 :]
    return rest.isalpha()


def _is_cyrillic(char: str) -> bool:
    return bool(_CYRILLIC_LETTER.match(char))


def _two_scripts(text: str) -> bool:
    return bool(_CYRILLIC_LETTER.search(text)) and bool(_LATIN_LETTER.search(text))


def _glyph(ink: np.ndarray, grid: CellGrid, row: int, column: int) -> np.ndarray:
    return _cell(ink, grid, row, column)


def _unlike(cell: np.ndarray, shape: np.ndarray) -> float:
    """Share of the pixels two cells' ink differs in, weighed against the ink there is."""
    if cell.shape != shape.shape:
        return 1.0
    return float((cell != shape).sum()) / max(int(cell.sum()), int(shape.sum()), 1)


HIGHLIGHTED = {"en": "Highlighted", "ru": "Выделено"}
"""What a control passage calls the item a screen shows in reverse video, in the screen's language:
the reader and search find "highlighted"/"выделена" in a question."""
HIGHLIGHTED_BUTTON = {"en": "Highlighted button", "ru": "Выделенная кнопка"}
"""What a control passage calls a bracketed item in reverse video ("[ Quit ]": the focused button), so
that "which button is highlighted?" tells it from the table's current row on the same screen."""
HIGHLIGHTED_SHARE = 0.8
_ITEM_MARKS = re.compile(r"^[\s\[\]<>|*]+|[\s\[\]<>|*]+$")
_BRACKETED = re.compile(r"^\s*[\[<|].*[\]>|]\s*$")
"""A text screen's button: its caption in brackets ("[ Quit ]", "< OK >"; OCR reads a bracket as "|")."""


def highlighted_controls(runs: list[Run], reverse: np.ndarray, kinds: np.ndarray) -> list[Control]:
    """The items shown in reverse video (a table's or a list's current row, the focused button) as
    controls "Frame title › Highlighted: item", runs of one reversed band joined, their brackets
    and the row's pointer (">>") left off."""
    titles = frame_titles(runs, kinds)
    # A frame's title drawn in reverse video heads its dialog: it is not an item one chose.
    headings = {id(title.run) for title in titles}
    bands: dict[tuple[int, int], list[Run]] = {}
    for run in runs:
        if id(run) in headings:
            continue
        span = reverse[run.row, run.first : run.last + 1]
        if not span.size or span.mean() < HIGHLIGHTED_SHARE:
            continue
        start = run.first
        while start > 0 and reverse[run.row, start - 1]:
            start -= 1
        bands.setdefault((run.row, start), []).append(run)
    if not bands:
        return []
    lang = "ru" if detect_language(" ".join(run.text for run in runs)) == "ru" else "en"
    controls = []
    for (_, _), items in sorted(bands.items()):
        items.sort(key=lambda run: run.first)
        value = " ".join(_ITEM_MARKS.sub("", run.text) for run in items).strip()
        value = " ".join(value.split())
        if sum(ch.isalnum() for ch in value) < 2:
            continue
        frames = _frame_of(items[0], titles)
        group = frames[0].run.text if frames else ""
        box = union_bbox([run.bbox for run in items])
        raw = " ".join(run.text for run in items)
        name = (HIGHLIGHTED_BUTTON if _BRACKETED.match(raw) else HIGHLIGHTED)[lang]
        controls.append(Control("list", name, box, value, box, None, group))
    return controls


def _row_lines(words: list[Word], grid: CellGrid) -> list[list[Word]]:
    rows: dict[int, list[Word]] = {}
    for word in words:
        rows.setdefault(grid.row((word.bbox[1] + word.bbox[3]) / 2), []).append(word)
    return [sorted(rows[row], key=lambda w: w.bbox[0]) for row in sorted(rows)]


def screen_runs(words: list[Word], grid: CellGrid, kinds: np.ndarray) -> list[Run]:
    """The runs of each row: words one blank apart with no frame between them."""
    runs: list[Run] = []
    for row_words in _row_lines(words, grid):
        row = grid.row((row_words[0].bbox[1] + row_words[0].bbox[3]) / 2)
        if not 0 <= row < grid.rows:
            continue
        current: list[tuple[int, int, Word]] = []
        for word in row_words:
            first = max(0, grid.column(word.bbox[0]))
            # The cell of the word's last ink: a narrow last glyph (":", ".") ends mid-cell.
            last = min(grid.columns - 1, max(first, int((word.bbox[2] - grid.left - 1) // grid.width)))
            if current:
                end = current[-1][1]
                framed = bool((kinds[row, end + 1 : first] == FRAME).any())
                if framed or first - end - 1 >= WIDE_GAP:
                    runs.append(_run(row, current, grid))
                    current = []
            current.append((first, last, word))
        if current:
            runs.append(_run(row, current, grid))
    return runs


def bracket(ink: np.ndarray) -> str | None:
    """'[' or '(' when a cell's ink is an opening bracket (mirror the cell for a closing one).

    A square bracket's stroke stands straight with feet pointing right at its ends; a round one
    bends: its left edge moves from row to row."""
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size < ink.shape[0] * 0.5 or ink.shape[1] < 4:
        return None
    edges = np.array([np.flatnonzero(ink[row]).min() for row in rows])
    widths = np.array([np.flatnonzero(ink[row]).max() for row in rows]) - edges + 1
    middle = edges[rows.size // 4 : rows.size - rows.size // 4]
    stroke = int(np.median(middle))
    feet = widths[0] >= 3 and widths[-1] >= 3 and abs(edges[0] - stroke) <= 1 and abs(edges[-1] - stroke) <= 1
    if int(np.ptp(middle)) <= 1 and feet and int(np.median(widths)) <= 2:
        return "["
    if int(edges[0] - edges.min()) >= 2 and int(edges[-1] - edges.min()) >= 2 and int(np.median(widths)) <= 3:
        return "("
    return None


def with_indicator(run: Run, kinds: np.ndarray, ink: np.ndarray, grid: CellGrid) -> Run:
    """`run` with its check box or radio button spelled from the cells: "[x] Label", "( ) Label".

    OCR drops or garbles these three cells ("[x Label", "(_) Label", "Label" alone); the cells
    are read instead: an opening bracket, a mark or a blank, the closing bracket, a blank, then the
    label, whether the run starts with the box or right after it."""
    for first in (run.first, run.first - 4):
        if first < 0 or first + 4 > kinds.shape[1] or kinds[run.row, first + 3] != 0:
            continue
        opening = bracket(_cell(ink, grid, run.row, first))
        if opening is None or opening != bracket(_cell(ink, grid, run.row, first + 2)[:, ::-1]):
            continue
        label = tuple(w for w in run.words if grid.column(w.bbox[0]) >= first + 4)
        if not label:
            continue
        mark = "x" if kinds[run.row, first + 1] == GLYPH else " "
        pair = "[]" if opening == "[" else "()"
        text = f"{pair[0]}{mark}{pair[1]} " + " ".join(w.text for w in label)
        return Run(run.row, first, run.last, text, run.bbox, label)
    return run


def _cell(ink: np.ndarray, grid: CellGrid, row: int, column: int) -> np.ndarray:
    x0, y0, x1, y1 = (int(v) for v in grid.box(row, column, column))
    return ink[y0:y1, x0:x1]


def _run(row: int, parts: list[tuple[int, int, Word]], grid: CellGrid) -> Run:
    text = " ".join(word.text for _, _, word in parts)
    words = tuple(word for _, _, word in parts)
    return Run(row, parts[0][0], parts[-1][1], text, union_bbox([word.bbox for word in words]), words)


MIN_MENU_ITEMS = 3
TITLE_LINE = 3
"""Cells from a title to the far end of its frame's line on one side at least."""


@dataclass(frozen=True)
class Titled:
    """A frame with a title set in its top line ("┌ Panel split ──┐"): the run and the frame's columns."""

    run: Run
    left: int
    right: int
    bottom: int
    """The row of the frame's bottom line."""


def _frame_reach(kinds: np.ndarray, row: int, start: int, step: int) -> int | None:
    """The last frame cell of the line that starts one or two cells from `start` along `row`."""
    column = start + step
    if 0 <= column < kinds.shape[1] and kinds[row, column] != FRAME:
        column += step  # the blank that pads a title
    if not (0 <= column < kinds.shape[1]) or kinds[row, column] != FRAME:
        return None
    while 0 <= column + step < kinds.shape[1] and kinds[row, column + step] == FRAME:
        column += step
    return column


def frame_titles(runs: list[Run], kinds: np.ndarray) -> list[Titled]:
    """Runs set in a frame's top line, with the columns the frame spans."""
    titled = []
    for run in runs:
        left = _frame_reach(kinds, run.row, run.first, -1)
        right = _frame_reach(kinds, run.row, run.last, 1)
        # A title interrupts a line ("┌ Panel split ───┐"); a row between two frames' sides
        # ("│ [x] Label │") has one frame cell on either side.
        if not any(ch.isalpha() for ch in run.text):
            continue
        if left is not None and right is not None and max(run.first - left, right - run.last) > TITLE_LINE:
            # Down the frame's side to its bottom corner, past the lines that part its sections.
            bottom = run.row + 1
            while bottom + 1 < kinds.shape[0] and kinds[bottom + 1, left] == FRAME:
                bottom += 1
            titled.append(Titled(run, left, right, bottom))
    return titled


def _frame_of(run: Run, titles: list[Titled]) -> list[Titled]:
    """The titled frames around `run`, innermost first."""
    around = [
        t for t in titles if t.run.row < run.row < t.bottom and t.left <= run.first and run.last <= t.right
    ]
    around.sort(key=lambda t: (-t.run.row, t.right - t.left))
    # A frame stacked above another shares its side: the frame around both is wider.
    return around[:1] + [t for t in around[1:] if t.right - t.left > around[0].right - around[0].left]


def _words_box(words: tuple[Word, ...], fallback: BBox) -> BBox:
    return union_bbox([w.bbox for w in words]) if words else fallback


def screen_controls(runs: list[Run], kinds: np.ndarray, grid: CellGrid) -> list[Control]:
    """The controls a text-mode screen's runs spell, as `Control` records (see the module's doc)."""
    titles = frame_titles(runs, kinds)
    titled = {id(t.run) for t in titles}
    controls: list[Control] = []
    used: set[int] = set()
    by_row: dict[int, list[Run]] = {}
    for run in runs:
        by_row.setdefault(run.row, []).append(run)
    for run in runs:
        if id(run) in titled:
            continue
        frames = _frame_of(run, titles)
        heading = frames[0].run if frames else None
        outer = frames[1].run.text if len(frames) > 1 else ""
        match = _INDICATOR.match(run.text)
        label_words: tuple[Word, ...]
        if match is not None:
            kind: ControlKind = "radio" if match.group(1) == "(" else "checkbox"
            on = match.group(2) in _ON_MARKS
            text = match.group(4).strip()
            label_words = tuple(w for w in run.words if w.bbox[0] >= grid.left + (run.first + 3) * grid.width)
            box = _words_box(label_words, run.bbox)
            title = heading.text if heading is not None else ""
            controls.append(Control(kind, title, heading.bbox if heading else None, text, box, on, outer))
            used.add(id(run))
            if not text.endswith(":"):
                continue
            label, label_box = text.rstrip(" :"), box
        else:
            pair = _LABEL_VALUE.match(run.text)
            if pair is not None and not _BUTTON.match(run.text):
                label = pair.group("label").strip()
                count = len(label.split())
                label_box = _words_box(run.words[:count], run.bbox)
                value_box = _words_box(run.words[count:], run.bbox)
                group = heading.text if heading is not None else ""
                controls.append(
                    Control("field", label, label_box, pair.group("value").strip(), value_box, None, group)
                )
                used.add(id(run))
                continue
            if not run.text.endswith(":") or sum(ch.isalpha() for ch in run.text) < 2:
                continue
            label, label_box = run.text.rstrip(" :"), run.bbox
        below = _value_below(run, by_row.get(run.row + 1, []), titled)
        if below is not None:
            group = heading.text if heading is not None else ""
            controls.append(Control("field", label, label_box, below.text, below.bbox, None, group))
            used.add(id(below))
    controls += menu_controls(runs, kinds, titled | used, by_row)
    return controls


def _value_below(label: Run, under: list[Run], titled: set[int]) -> Run | None:
    """The run right under a label that ends in ":" and starts within it: the label's value."""
    for run in under:
        if id(run) in titled or not (label.first - 1 <= run.first <= label.last):
            continue
        if _INDICATOR.match(run.text) or run.text.endswith(":") or _BUTTON.match(run.text):
            return None
        return run
    return None


def _frame_left(kinds: np.ndarray, run: Run) -> int | None:
    for column in range(run.first - 1, max(-1, run.first - 4), -1):
        if kinds[run.row, column] == FRAME:
            return column
    return None


def menu_controls(
    runs: list[Run], kinds: np.ndarray, taken: set[int], by_row: dict[int, list[Run]]
) -> list[Control]:
    """Pull-down menus: a frame with no title of its own hung under a bar's title, one item a row.

    The items keep their order; a line across the frame parts sections (`MENU_SECTION_BREAK`)."""
    boxes: dict[int, list[Run]] = {}
    for run in runs:
        if id(run) in taken or _INDICATOR.match(run.text):
            continue
        left = _frame_left(kinds, run)
        if left is not None:
            boxes.setdefault(left, []).append(run)
    controls = []
    for left, items in boxes.items():
        items.sort(key=lambda r: r.row)
        top = items[0].row - 1
        while top > 0 and kinds[top, min(left + 1, kinds.shape[1] - 1)] != FRAME:
            top -= 1
        column = [items[0]]
        for item in items[1:]:
            between = range(column[-1].row + 1, item.row)
            if all(
                kinds[row, left + 1 : item.first].size and (kinds[row, left + 1 : item.first] == FRAME).all()
                for row in between
            ):
                column.append(item)
            else:
                break
        if len(column) < MIN_MENU_ITEMS or top <= 0 or column[0].row - top > 1:
            continue
        right = max(item.last for item in column)
        if any(left < r.first <= right for r in by_row.get(top, [])):
            continue  # a titled frame is a dialog's, not a menu's
        bar = [r for r in by_row.get(top - 1, []) if r.first <= right and r.last >= left]
        if not bar:
            continue
        value = ""
        for index, item in enumerate(column):
            if index:
                value += MENU_SECTION_BREAK if item.row - column[index - 1].row > 1 else ", "
            value += item.text
        name = bar[0].text
        lang = "ru" if detect_language(f"{bar[0].text} {value}") == "ru" else "en"
        box = union_bbox([r.bbox for r in column])
        controls.append(Control("list", name, bar[0].bbox, value, box, None, MENU_HEADINGS[lang]))
    return controls
