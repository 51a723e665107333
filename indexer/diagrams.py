"""Diagrams: which labels of a figure its lines and arrows join, read from the figure's pixels.

OCR gives a drawing's labels but not what its strokes say about them: that "hertzog" and "lolando"
both point at "user_u", that the file "/usr/sbin/sshd" and the type "sshd_exec_t" share one box, that
a pin is wired to a signal. A user asks exactly that ("which users are mapped to user_u?", "what
feeds the mixer?"). Here the region image of a figure is read for

- nodes: the labels standing inside one frame (a box, a rounded or a wavy shape: white space closed
  by ink) are one node; a label standing free is a node of its own;
- connectors: the ink left when the labels and the frames around the nodes are taken out, with
  dashes of a dotted line closed up; a connector joins the nodes whose surroundings it reaches;
- arrowheads: the end of a connector where its ink is far thicker than the line is where it points.

The result is one line per node that has links ("user_u ← hertzog, lolando", "sysadm_r → sysadm_t"),
made of the nodes' words with their boxes, so that a passage can hold it and an answer cite it.
Everything is vectorised over the image (one labelling per mask, two distance transforms): a figure
costs milliseconds next to its OCR.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.errors import AssistantError
from indexer.ocr import OcrSettings, recognize
from indexer.records import BBox, Figure, TextLine, Word, bboxes_overlap, union_bbox

log = logging.getLogger(__name__)

MIN_NODES = 2
MAX_ANALYSIS_PIXELS = 2_500_000
"""Pixels of a figure's image the diagram and table analysis looks at (larger ones are scaled down)."""
MAX_DIAGRAM_WORDS = 40
"""A figure with more words is a screenshot or a chart of text, not a drawing of labelled boxes."""
MAX_LINKS_PER_NODE = 8
"""A node joined to more than this is a frame around the whole drawing or a bus, not a relation."""
ZONE_REACH = 0.6
"""How far around a frame's inside (in label heights) its own strokes lie: a frame is thinner."""
LABEL_REACH = 0.8
"""How far from a free label (in its heights) a line still ends at it."""
DASH_GAP = 0.5
"""Gaps of a dotted line (in label heights) that still make one connector."""
HEAD_REACH = 1.6
"""How far back from the node (in label heights) an arrowhead's ink is looked for."""
HEAD_RATIO = 1.8
"""An end is an arrowhead when the ink there is this much thicker than at the connector's thinnest end."""
OUTGOING = "→"
INCOMING = "←"
JOINED = "—"


@dataclass(frozen=True)
class Node:
    """A thing of the diagram: the words of one frame or one free label (image pixels)."""

    words: tuple[Word, ...]
    box: BBox
    framed: bool

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)


@dataclass(frozen=True)
class Link:
    """A connector between two nodes (indexes); `directed` when an arrowhead marks `target`."""

    source: int
    target: int
    directed: bool


def reading_order(words: Sequence[Word]) -> list[Word]:
    """Words sorted into rows (top to bottom) and, within a row, left to right."""
    if not words:
        return []
    height = float(np.median([w.bbox[3] - w.bbox[1] for w in words]))
    ordered = sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2)
    rows: list[list[Word]] = [[ordered[0]]]
    for word in ordered[1:]:
        previous = rows[-1][-1]
        if abs((word.bbox[1] + word.bbox[3]) / 2 - (previous.bbox[1] + previous.bbox[3]) / 2) <= 0.5 * height:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [word for row in rows for word in sorted(row, key=lambda w: w.bbox[0])]


def free_labels(words: Sequence[Word], height: float) -> list[list[Word]]:
    """Words outside frames grouped into labels: neighbours on a row, or stacked close under each other."""
    groups: list[list[Word]] = []
    for word in reading_order(words):
        for group in groups:
            box = union_bbox([w.bbox for w in group])
            same_row = abs(word.bbox[1] - group[-1].bbox[1]) <= 0.5 * height
            beside = same_row and 0 <= word.bbox[0] - group[-1].bbox[2] <= 1.2 * height
            under = 0 <= word.bbox[1] - box[3] <= 0.6 * height and min(word.bbox[2], box[2]) > max(
                word.bbox[0], box[0]
            )
            if beside or under:
                group.append(word)
                break
        else:
            groups.append([word])
    return groups


def diagram_nodes(dark: np.ndarray, words: Sequence[Word]) -> tuple[list[Node], np.ndarray]:
    """The nodes of a diagram and the image's frame insides labelled (0 = none), given its ink without
    the words (`dark`) and its words (image pixels)."""
    inside, count = ndi.label(~dark)
    if count:
        # The white that reaches the image's edge is the background, not the inside of a frame.
        edge = np.unique(np.concatenate([inside[0], inside[-1], inside[:, 0], inside[:, -1]]))
        inside[np.isin(inside, edge)] = 0
    by_frame: dict[int, list[Word]] = {}
    loose: list[Word] = []
    for word in words:
        cx = int(min(dark.shape[1] - 1, max(0, (word.bbox[0] + word.bbox[2]) / 2)))
        cy = int(min(dark.shape[0] - 1, max(0, (word.bbox[1] + word.bbox[3]) / 2)))
        frame = int(inside[cy, cx])
        if frame:
            by_frame.setdefault(frame, []).append(word)
        else:
            loose.append(word)
    height = float(np.median([w.bbox[3] - w.bbox[1] for w in words])) if words else 0.0
    nodes: list[Node] = []
    frames = np.zeros_like(inside)
    for frame, members in sorted(by_frame.items()):
        frames[inside == frame] = len(nodes) + 1
        ordered = tuple(reading_order(members))
        nodes.append(Node(ordered, union_bbox([w.bbox for w in ordered]), True))
    for group in free_labels(loose, height):
        nodes.append(Node(tuple(group), union_bbox([w.bbox for w in group]), False))
    return nodes, frames


def frames_at(frames: np.ndarray, box: BBox) -> int:
    """The frame label (node index + 1, 0 for none) at the centre of `box` (image pixels)."""
    cx = int(min(frames.shape[1] - 1, max(0, (box[0] + box[2]) / 2)))
    cy = int(min(frames.shape[0] - 1, max(0, (box[1] + box[3]) / 2)))
    return int(frames[cy, cx])


def _ink(gray: np.ndarray, words: Sequence[Word]) -> np.ndarray:
    """Dark pixels of the image with the words' lettering taken out."""
    dark = gray < 128
    for x0, y0, x1, y1 in (word.bbox for word in words):
        dark[max(0, int(y0) - 1) : int(np.ceil(y1)) + 1, max(0, int(x0) - 1) : int(np.ceil(x1)) + 1] = False
    return dark


def diagram_links(gray: np.ndarray, words: Sequence[Word]) -> tuple[list[Node], list[Link]]:
    """The nodes of a diagram image and the connectors between them (boxes in image pixels)."""
    if len(words) < MIN_NODES:
        return [], []
    dark = _ink(gray, words)
    nodes, frames = diagram_nodes(dark, words)
    return nodes, connections(dark, nodes, frames, float(np.median([w.bbox[3] - w.bbox[1] for w in words])))


def connections(dark: np.ndarray, nodes: Sequence[Node], frames: np.ndarray, height: float) -> list[Link]:
    """The connectors between `nodes`, given the ink without lettering, the frame insides labelled
    by node (`diagram_nodes`) and the lettering's height (image pixels)."""
    if len(nodes) < MIN_NODES:
        return []
    # Each node's zone: its frame's inside grown over the frame's own strokes, or its label's box.
    framed = ndi.grey_dilation(frames, size=max(3, int(2 * ZONE_REACH * height) | 1))
    zones = framed.copy()
    reach = int(LABEL_REACH * height)
    for index, node in enumerate(nodes):
        if not node.framed:
            x0, y0, x1, y1 = (int(v) for v in node.box)
            window = zones[max(0, y0 - reach) : y1 + reach + 1, max(0, x0 - reach) : x1 + reach + 1]
            window[window == 0] = index + 1
    # Only frames are cut out of the ink: a line passing a free label ("exec" over an arrow) stays one.
    connectors = dark & (framed == 0)
    if not connectors.any():
        return []
    # Dashes of a dotted line close up into one connector; the ink itself stays as drawn.
    closed = ndi.binary_dilation(connectors, iterations=max(1, int(DASH_GAP * height / 2)))
    pieces, _ = ndi.label(closed)
    # For every pixel, the nearest zone and how far it is: which node each end of a connector reaches.
    distance, (near_y, near_x) = ndi.distance_transform_edt(zones == 0, return_indices=True)
    nearest = zones[near_y, near_x]
    thickness = ndi.distance_transform_edt(connectors)
    ys, xs = np.nonzero(connectors)
    piece = pieces[ys, xs]
    node = nearest[ys, xs]
    far = distance[ys, xs]
    touch = max(2.0, DASH_GAP * height) + 2
    touching = far <= touch
    # (connector, node) pairs as one key; the thickest ink of each pair's end is its arrowhead, if any.
    stride = len(nodes) + 1
    key = piece.astype(np.int64) * stride + node
    thickest = np.zeros(int(pieces.max() + 1) * stride)
    near_end = far <= HEAD_REACH * height
    np.maximum.at(thickest, key[near_end], thickness[ys, xs][near_end])
    ends = {
        (int(k) // stride, int(k) % stride): float(thickest[k])
        for k in np.unique(key[touching])
        if k % stride
    }
    links: list[Link] = []
    by_piece: dict[int, list[tuple[int, float]]] = {}
    for (p, n), t in ends.items():
        by_piece.setdefault(p, []).append((n - 1, t))
    for members in by_piece.values():
        if sum(nodes[n].framed for n, _ in members) >= 2:
            # A free label that a line between framed nodes passes ("exec" over an arrow) names the
            # line; it is no end of it.
            members = [(n, t) for n, t in members if nodes[n].framed]
        if len(members) < 2:
            continue
        thinnest = min(t for _, t in members)
        heads = {n for n, t in members if t >= HEAD_RATIO * max(thinnest, 1.0)}
        tails = [n for n, _ in members if n not in heads]
        if heads and tails:
            links.extend(Link(s, h, True) for s in sorted(tails) for h in sorted(heads))
        elif len(members) == 2:
            a, b = sorted(n for n, _ in members)
            links.append(Link(a, b, False))
    return _sane(links, len(nodes))


def _sane(links: list[Link], count: int) -> list[Link]:
    """Links without repeats, and without nodes joined to nearly everything (a frame around it all)."""
    unique = sorted(set(links), key=lambda link: (link.source, link.target))
    degree = np.zeros(count, dtype=int)
    for link in unique:
        degree[link.source] += 1
        degree[link.target] += 1
    return [
        link
        for link in unique
        if degree[link.source] <= MAX_LINKS_PER_NODE and degree[link.target] <= MAX_LINKS_PER_NODE
    ]


def relation_lines(nodes: Sequence[Node], links: Sequence[Link]) -> list[TextLine]:
    """Lines saying each link once, grouped by node: "root → sysadm_r, user_r", "user_u ← hertzog,
    lolando", "Pump — Sensor".

    A node's arrows out make its line; arrows in make one only where two or more come in (a single
    one is said by its source's line). A source whose one arrow goes into such a group says nothing
    of its own, so that the group's line is the only one naming it with its target.
    """
    outgoing: list[list[int]] = [[] for _ in nodes]
    incoming: list[list[int]] = [[] for _ in nodes]
    joined: list[list[int]] = [[] for _ in nodes]
    for link in links:
        if link.directed:
            outgoing[link.source].append(link.target)
            incoming[link.target].append(link.source)
        else:
            joined[link.source].append(link.target)
            joined[link.target].append(link.source)
    lines: list[TextLine] = []
    for index in range(len(nodes)):
        targets = outgoing[index]
        if targets and not (len(targets) == 1 and len(incoming[targets[0]]) >= 2):
            lines.append(_relation_line(nodes, index, OUTGOING, targets))
        if len(incoming[index]) >= 2:
            lines.append(_relation_line(nodes, index, INCOMING, incoming[index]))
        others = joined[index]
        if len(others) >= 2 or (len(others) == 1 and len(joined[others[0]]) == 1 and index < others[0]):
            lines.append(_relation_line(nodes, index, JOINED, others))
    return lines


def _relation_line(nodes: Sequence[Node], index: int, arrow: str, others: Sequence[int]) -> TextLine:
    """ "A → B, C": the node's words, the arrow (boxed on the node) and the other nodes' words."""
    node = nodes[index]
    words = [*node.words, Word(arrow, node.box)]
    for position, other in enumerate(others):
        named = list(nodes[other].words)
        if position < len(others) - 1:
            last = named[-1]
            named[-1] = Word(last.text + ",", last.bbox, last.confidence, last.font_size)
        words.extend(named)
    return TextLine(words)


MOSAIC_GAP = 1.0
"""White between the frame insides stacked for one OCR run (in label heights)."""
MOSAIC_HEIGHT_PX = 28.0
"""Lettering height the mosaic is scaled to: tesseract reads a block of lines best near 30 px."""


def frame_insides(frames: np.ndarray, nodes: Sequence[Node]) -> list[tuple[int, tuple[slice, slice]]]:
    """(node index, slices of its frame's inside) for each framed node."""
    found = ndi.find_objects(frames)
    return [
        (index, found[index])
        for index, node in enumerate(nodes)
        if node.framed and index < len(found) and found[index] is not None
    ]


def mosaic(
    gray: np.ndarray, frames: np.ndarray, insides: Sequence[tuple[int, tuple[slice, slice]]], gap: int
) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """The insides of the frames stacked one under the other on white, each without its frame and
    whatever else shares its box; with (node index, top in the mosaic, x offset, y offset) of each."""
    width = max(s[1].stop - s[1].start for _, s in insides) + 2 * gap
    height = sum(s[0].stop - s[0].start + gap for _, s in insides) + gap
    canvas = np.full((height, width), 255, dtype=np.uint8)
    placed: list[tuple[int, int, int, int]] = []
    top = gap
    for index, (rows, cols) in insides:
        # Lettering OCR missed is ink, not inside: filling the inside's holes brings it back.
        inside = ndi.binary_fill_holes(frames[rows, cols] == index + 1)
        crop = np.where(inside, gray[rows, cols], 255)
        canvas[top : top + crop.shape[0], gap : gap + crop.shape[1]] = crop
        placed.append((index, top, cols.start - gap, rows.start - top))
        top += crop.shape[0] + gap
    return canvas, placed


MIN_REREAD_CONFIDENCE = 60.0
UNIFORM_BLOCK = "6"
"""tesseract's mode for the mosaic: a single column of short lines."""


def reread_frames(
    gray: np.ndarray,
    frames: np.ndarray,
    nodes: Sequence[Node],
    height: float,
    languages: str,
    timeout_s: float,
) -> dict[int, list[Word]]:
    """The words of each framed node read again, all frames in one OCR run (image pixels).

    Sparse OCR of a whole drawing loses words inside frames (a second line under a first, a name
    beside a wavy border); alone, without its frame and the strokes around it, a frame's inside is
    a plain block of lines. Only readings surer than `MIN_REREAD_CONFIDENCE` are returned.
    """
    insides = frame_insides(frames, nodes)
    if not insides:
        return {}
    gap = max(4, int(MOSAIC_GAP * height))
    canvas, placed = mosaic(gray, frames, insides, gap)
    scale = min(3.0, max(0.5, MOSAIC_HEIGHT_PX / max(height, 1.0)))
    image = Image.fromarray(canvas)
    if abs(scale - 1.0) > 0.05:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    settings = OcrSettings(
        languages=script_first(languages, [w for node in nodes for w in node.words]),
        upscale_below=0,
        timeout_s=timeout_s,
        psm=UNIFORM_BLOCK,
        reread_blanks=False,
    )
    result = recognize(image.convert("RGB"), settings)
    tops = [top for _, top, _, _ in placed]
    found: dict[int, list[Word]] = {}
    for line in result.lines:
        for word in line.words:
            if word.confidence < MIN_REREAD_CONFIDENCE or not any(ch.isalnum() for ch in word.text):
                continue
            x0, y0, x1, y1 = (v / scale for v in word.bbox)
            slot = int(np.searchsorted(tops, (y0 + y1) / 2, side="right")) - 1
            if slot < 0:
                continue
            index, _, dx, dy = placed[slot]
            found.setdefault(index, []).append(
                Word(word.text, (x0 + dx, y0 + dy, x1 + dx, y1 + dy), word.confidence, (y1 - y0))
            )
    return found


CYRILLIC_FIRST = ("rus", "ukr", "bel", "bul", "srp", "mkd", "kaz")


def script_first(languages: str, words: Sequence[Word]) -> str:
    """`languages` with the Cyrillic ones first when the figure's words are mostly Cyrillic.

    A label in capitals or of round letters ("Насос", "Бак") reads as Latin look-alikes ("Hacoc",
    "Bak") when English is tried first; the figure's other labels say which script it is drawn in.
    """
    letters = [ch for word in words for ch in word.text if ch.isalpha()]
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters)
    wanted = languages.split("+")
    if not letters or cyrillic <= len(letters) / 2:
        return languages
    return "+".join(sorted(wanted, key=lambda language: language not in CYRILLIC_FIRST))


def page_scale(to_page: Callable[[BBox], BBox]) -> float:
    """Image pixels per page pixel of a mapping from image to page."""
    x0, _, x1, _ = to_page((0.0, 0.0, 1000.0, 1.0))
    return 1000.0 / (x1 - x0)


def page_line(line: TextLine, to_page: Callable[[BBox], BBox], scale: float) -> TextLine:
    """`line` (image pixels) in page pixels."""
    return TextLine(
        [Word(w.text, to_page(w.bbox), w.confidence, w.font_size / scale) for w in line.words], line.block
    )


def _letters(words: Sequence[Word]) -> int:
    return sum(ch.isalnum() for word in words for ch in word.text)


def _reads_better(new: Sequence[Word], old: Sequence[Word]) -> bool:
    """Whether a frame's second reading holds more (or as much, more surely) than its first."""
    if _letters(new) != _letters(old):
        return _letters(new) > _letters(old)
    return float(np.mean([w.confidence for w in new])) > float(np.mean([w.confidence for w in old] or [0.0]))


BACKDROP_LEVELS = (64, 170)
"""Grey levels of a mid-tone backdrop (a blue or dark-grey panel behind sample widgets): darker than
paper and a window's grey, lighter than a dark screen. Black lettering on it falls below the ink
threshold together with it, and tesseract's binarisation loses it."""
BACKDROP_SHARE = 0.3
"""Share of the image the backdrop's level fills at least."""
BACKDROP_TOLERANCE = 10
"""Grey levels around the backdrop's own that are still the backdrop (its anti-aliased edges)."""


def whiten_backdrop(gray: np.ndarray) -> bool:
    """Paint a mid-tone backdrop that fills much of the image white (in place); False (and the image
    untouched) when it has none."""
    levels = np.bincount(gray.ravel(), minlength=256)
    mode = int(levels.argmax())
    if not BACKDROP_LEVELS[0] <= mode <= BACKDROP_LEVELS[1]:
        return False
    near = np.abs(gray.astype(np.int16) - mode) <= BACKDROP_TOLERANCE
    if near.mean() < BACKDROP_SHARE:
        return False
    gray[near] = 255
    return True


def read_diagram(figure: Figure, languages: str, timeout_s: float) -> tuple[list[TextLine], list[TextLine]]:
    """The figure's OCR lines, with the words inside its frames read again where that reads more, and
    its relation lines (boxes in page pixels); the lines unchanged and no relations when it is no diagram.

    Needs the figure's region image (still there right after OCR) and its OCR lines.
    """
    if figure.image is None or not figure.lines or figure.rotation % 360:
        # A turned page's picture would need its boxes turned too: rare enough to leave as read.
        return figure.lines, []
    picture = figure.image
    scale = figure.scale
    if picture.width * picture.height > MAX_ANALYSIS_PIXELS:
        # Distance maps cost memory in proportion to pixels, and the reader's memory is capped: a large
        # figure is looked at smaller (its strokes and lettering survive halving).
        shrink = float(np.sqrt(MAX_ANALYSIS_PIXELS / (picture.width * picture.height)))
        size = (max(1, round(picture.width * shrink)), max(1, round(picture.height * shrink)))
        picture = picture.resize(size, Image.Resampling.BILINEAR)
        scale *= shrink
    x, y = figure.box[0], figure.box[1]

    def to_image(box: BBox) -> BBox:
        return ((box[0] - x) * scale, (box[1] - y) * scale, (box[2] - x) * scale, (box[3] - y) * scale)

    def to_page(box: BBox) -> BBox:
        return (x + box[0] / scale, y + box[1] / scale, x + box[2] / scale, y + box[3] / scale)

    gray = np.array(picture.convert("L"))
    for x0, y0, x1, y1 in (to_image(box) for box in figure.text_boxes):
        gray[max(0, int(y0)) : int(np.ceil(y1)) + 1, max(0, int(x0)) : int(np.ceil(x1)) + 1] = 255
    # A panel's mid-tone backdrop is no ink: taken for one, it joins every label to every other.
    whiten_backdrop(gray)
    words = [
        Word(w.text, to_image(w.bbox), w.confidence, w.font_size * scale)
        for line in figure.lines
        for w in line.words
    ]
    if len(words) < MIN_NODES:
        return figure.lines, []
    height = float(np.median([w.bbox[3] - w.bbox[1] for w in words]))
    lines = figure.lines
    # A table drawn as a picture (its lettering perhaps on coloured cells) is read as one first: its
    # grid of frames and rules would otherwise pass for boxes joined by lines.
    try:
        missed = reread_lettering(gray, words, height, languages, timeout_s)
    except AssistantError as error:
        log.warning("figure at %s: lettering left as read (%s)", [round(v) for v in figure.box], error)
        missed = []
    # The first reading stays where it read anything: the second only fills its gaps. For the table,
    # whose cells the second reads whole, it is the other way round.
    added = beside(words, missed)
    table = fuller(
        figure_table(words + added), figure_table(missed + beside(missed, words)) if missed else None
    )
    if table is not None:
        try:
            table = (
                fuller(reread_table(gray, table, words + added, height, languages, timeout_s), table) or table
            )
        except AssistantError as error:
            log.warning("figure at %s: table cells left as read (%s)", [round(v) for v in figure.box], error)
        log.debug("figure at %s: a table of %d cells", [round(v) for v in figure.box], table.cells)
        # The second reading speaks through the table's cell lines only: joined to the figure's labels
        # it would put words read from a screenshot's shaded widgets beside the labels it answers from.
        return lines, [page_line(line, to_page, scale) for line in table_lines(table)]
    if len(words) > MAX_DIAGRAM_WORDS:
        # A screenshot or a page of prose: its frames are widgets and its lines rules, not relations.
        return lines, []
    relations = _diagram_relations(gray, words, height, languages, timeout_s, lines, (to_image, to_page))
    if relations is None:
        return lines, []
    lines, found = relations
    return lines, [page_line(line, to_page, scale) for line in found]


def _diagram_relations(
    gray: np.ndarray,
    words: list[Word],
    height: float,
    languages: str,
    timeout_s: float,
    lines: list[TextLine],
    mapping: tuple[Callable[[BBox], BBox], Callable[[BBox], BBox]],
) -> tuple[list[TextLine], list[TextLine]] | None:
    """The figure's lines (frames read again) and relation lines in image pixels; None when its strokes
    join none of its labels (boxes of `lines` are page pixels; `mapping`: page to image and back)."""
    to_image, to_page = mapping
    dark = _ink(gray, words)
    nodes, frames = diagram_nodes(dark, words)
    links = meaningful(connections(dark, nodes, frames, height), nodes, height)
    if not links:
        return None
    framed = sum(node.framed for node in nodes)
    if framed >= MIN_NODES:
        try:
            reread = reread_frames(gray, frames, nodes, height, languages, timeout_s)
        except AssistantError as error:
            log.warning("a diagram's frames left as read (%s)", error)
            reread = {}
        better = {i: found for i, found in reread.items() if _reads_better(found, nodes[i].words)}
        if better:
            nodes = [
                Node(tuple(reading_order(better[i])), union_bbox([w.bbox for w in better[i]]), True)
                if i in better
                else node
                for i, node in enumerate(nodes)
            ]
            # The words first read inside a frame read better make way for the new reading.
            kept = [
                TextLine(
                    [w for w in line.words if frames_at(frames, to_image(w.bbox)) - 1 not in better],
                    line.block,
                )
                for line in lines
            ]
            lines = [line for line in kept if line.words] + [
                page_line(TextLine(list(better[i])), to_page, page_scale(to_page)) for i in sorted(better)
            ]
            dark = _ink(gray, [w for node in nodes for w in node.words])
            links = meaningful(connections(dark, nodes, frames, height), nodes, height)
    return lines, relation_lines(nodes, links)


def meaningful(links: list[Link], nodes: Sequence[Node], height: float) -> list[Link]:
    """Links that say something of a drawing: an arrow with a framed node at one end at least, or a
    plain line between two frames; both ends named by a word of two characters or more (a stroke read
    as "I" or "x" names nothing) and a label's height apart at least (a frame's edge between two words
    of one phrase joins nothing)."""

    def named(node: Node) -> bool:
        return any(sum(ch.isalnum() for ch in word.text) >= 2 for word in node.words)

    def apart(a: Node, b: Node) -> bool:
        dx = max(a.box[0] - b.box[2], b.box[0] - a.box[2], 0.0)
        dy = max(a.box[1] - b.box[3], b.box[1] - a.box[3], 0.0)
        return max(dx, dy) >= height

    kept = []
    for link in links:
        source, target = nodes[link.source], nodes[link.target]
        framed = (source.framed or target.framed) if link.directed else (source.framed and target.framed)
        if framed and named(source) and named(target) and apart(source, target):
            kept.append(link)
    return kept


# -- tables drawn as pictures ------------------------------------------------------------------

FLAT_STEP = 6
"""Grey levels two neighbouring pixels of one flat background differ by at most."""
MIN_BACKGROUND_PX = 400
BACKGROUND_AREA = 4.0
"""A flat area is a background from this many squares of the lettering's height: no letter is."""
INK_CONTRAST = 60
"""Grey levels from its background at which a pixel is lettering, dark on light or light on dark."""
BANDED_BELOW = 200
MIN_BANDED_SHARE = 0.08
"""Share of a figure in flat areas darker than paper from which its lettering is read again."""
MIN_UNREAD_GLYPHS = 20
UNREAD_SHARE = 0.3
"""A figure whose letter-like specks the first OCR left this much unread is read again on its
lettering alone (a table of coloured cells, white on dark and dark on light by turns)."""
GLYPH_PX = 17.0
"""Median height of the lettering's specks (small letters and digits) the second reading scales to."""
MIN_TABLE_ROWS = 3
"""Rows under the headers a table needs (a status page of three machines is one)."""
MIN_TABLE_COLUMNS = 2
MAX_CELL_WORDS = 3
NAMED_ROWS = 0.7
"""Share of a table's rows its first column must name."""
FILLED_SHARE = 0.3
"""A column is the table's when at least this share of its rows has a cell in it."""


def flat_areas(image: np.ndarray, height: float) -> np.ndarray:
    """Where the image is a large flat area (a background: a cell's colour, a band, white around)."""
    flat = np.ones(image.shape, dtype=bool)
    flat[:, :-1] &= np.abs(np.diff(image, axis=1)) <= FLAT_STEP
    flat[:-1, :] &= np.abs(np.diff(image, axis=0)) <= FLAT_STEP
    labels, count = ndi.label(flat)
    if count == 0:
        return np.zeros(image.shape, dtype=bool)
    sizes = np.bincount(labels.ravel())
    large = sizes >= max(MIN_BACKGROUND_PX, BACKGROUND_AREA * height * height)
    large[0] = False
    return np.asarray(large[labels])


def banded_share(gray: np.ndarray, height: float) -> float:
    """Share of the image that is flat and darker than paper: coloured cells, bands, dark fields."""
    image = gray.astype(np.int16)
    return float((flat_areas(image, height) & (image < BANDED_BELOW)).mean())


def lettering_only(gray: np.ndarray, height: float) -> np.ndarray:
    """The image's lettering black on white whatever its background (`height`: the lettering's, pixels).

    Backgrounds are the large flat areas (a cell's colour, a band, the white around a table); each
    pixel is compared with the flat area nearest to it, so white text on a dark band and dark text on
    a light one both come out as ink, and a letter's counter (the inside of an "o") does not.
    """
    image = gray.astype(np.int16)
    background = flat_areas(image, height)
    if not background.any():
        return np.full(image.shape, 255, dtype=np.uint8)
    _, (near_y, near_x) = ndi.distance_transform_edt(~background, return_indices=True)
    ink = np.abs(image - image[near_y, near_x]) > INK_CONTRAST
    # Where a band meets another or the white around it, its edge differs from the nearest flat too:
    # a thin stroke far longer than a letter is high or wide is a rule or a cell's edge, not lettering.
    pieces, found = ndi.label(ink)
    if found:
        slices = ndi.find_objects(pieces)
        heights = np.array([s[0].stop - s[0].start for s in slices])
        widths = np.array([s[1].stop - s[1].start for s in slices])
        rule = ((heights > 2.5 * height) & (widths <= 0.3 * heights)) | (
            (widths > 2.5 * height) & (heights <= 0.3 * widths)
        )
        # Only the rule's own straight run goes: a link's underline touches the descenders of its
        # letters ("p" of "Backup"), which stay lettering.
        ruled = np.isin(pieces, np.nonzero(rule)[0] + 1)
        reach = max(3, int(2.5 * height))
        straight = ndi.binary_opening(ruled, structure=np.ones((1, reach), dtype=bool)) | ndi.binary_opening(
            ruled, structure=np.ones((reach, 1), dtype=bool)
        )
        ink &= ~straight
    return np.where(ink, 0, 255).astype(np.uint8)


def unread_glyphs(lettering: np.ndarray, words: Sequence[Word], height: float) -> tuple[int, int, float]:
    """(letter-like specks of `lettering`, those no word's box covers, their median height)."""
    labels, count = ndi.label(lettering < 128)
    if count == 0:
        return 0, 0, 0.0
    slices = ndi.find_objects(labels)
    sizes = np.array([(s[0].stop - s[0].start, s[1].stop - s[1].start) for s in slices], dtype=np.float64)
    glyph = (sizes[:, 0] >= 0.4 * height) & (sizes[:, 0] <= 1.6 * height) & (sizes[:, 1] <= 2 * height)
    covered = np.zeros(lettering.shape, dtype=bool)
    for x0, y0, x1, y1 in (w.bbox for w in words):
        covered[max(0, int(y0)) : int(np.ceil(y1)) + 1, max(0, int(x0)) : int(np.ceil(x1)) + 1] = True
    centres = np.array([((s[0].start + s[0].stop) // 2, (s[1].start + s[1].stop) // 2) for s in slices])
    unread = glyph & ~covered[centres[:, 0], centres[:, 1]]
    median = float(np.median(sizes[glyph, 0])) if glyph.any() else 0.0
    return int(glyph.sum()), int(unread.sum()), median


def reread_lettering(
    gray: np.ndarray, words: Sequence[Word], height: float, languages: str, timeout_s: float
) -> list[Word]:
    """The figure read again from its lettering alone (image pixels); [] when the first OCR (`words`)
    read nearly all there is."""
    if banded_share(gray, height) < MIN_BANDED_SHARE:
        return []  # lettering on white or light grey: the first reading saw all there is
    lettering = lettering_only(gray, height)
    glyphs, unread, glyph_height = unread_glyphs(lettering, words, height)
    if unread < MIN_UNREAD_GLYPHS or unread < UNREAD_SHARE * glyphs:
        return []
    return read_lettering(
        lettering, GLYPH_PX / max(glyph_height, 1.0), script_first(languages, words), timeout_s
    )


def read_lettering(lettering: np.ndarray, scale: float, languages: str, timeout_s: float) -> list[Word]:
    """The words of a black-on-white lettering image read as a block of short lines, enlarged by `scale`
    (within 0.5-3), those read surely enough (`MIN_REREAD_CONFIDENCE`), boxed in the image's pixels."""
    scale = min(3.0, max(0.5, scale))
    image = Image.fromarray(lettering)
    if abs(scale - 1.0) > 0.05:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    settings = OcrSettings(
        languages=languages, upscale_below=0, timeout_s=timeout_s, psm=UNIFORM_BLOCK, reread_blanks=False
    )
    found: list[Word] = []
    for line in recognize(image.convert("RGB"), settings).lines:
        for word in line.words:
            if word.confidence < MIN_REREAD_CONFIDENCE or not any(ch.isalnum() for ch in word.text):
                continue
            box = (word.bbox[0] / scale, word.bbox[1] / scale, word.bbox[2] / scale, word.bbox[3] / scale)
            found.append(Word(word.text, box, word.confidence, box[3] - box[1]))
    return found


def beside(first: Sequence[Word], second: Sequence[Word]) -> list[Word]:
    """The words of `second` where `first` read nothing (that overlap none of its words)."""
    return [word for word in second if not any(bboxes_overlap(word.bbox, old.bbox) for old in first)]


def table_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into rows by their vertical centre, top to bottom, each row left to right."""
    ordered = reading_order(words)
    if not ordered:
        return []
    height = float(np.median([w.bbox[3] - w.bbox[1] for w in words]))
    rows: list[list[Word]] = [[ordered[0]]]
    for word in ordered[1:]:
        centre = (word.bbox[1] + word.bbox[3]) / 2
        previous = rows[-1]
        if abs(centre - float(np.mean([(w.bbox[1] + w.bbox[3]) / 2 for w in previous]))) <= 0.5 * height:
            previous.append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w.bbox[0]) for row in rows]


def _phrases(row: Sequence[Word], height: float) -> list[list[Word]]:
    """A row cut where its words stand apart: the headers of a table's columns."""
    phrases: list[list[Word]] = [[row[0]]]
    for word in row[1:]:
        if word.bbox[0] - phrases[-1][-1].bbox[2] > 1.2 * height:
            phrases.append([word])
        else:
            phrases[-1].append(word)
    return phrases


def split_at_gutters(phrase: list[Word], below: Sequence[Sequence[Word]], height: float) -> list[list[Word]]:
    """A header phrase cut where the columns under it part: between two of its words that no word below
    crosses, with words below on both sides ("UPS Load UPS Temp" over "6.2 %" and "35.1 °C")."""
    words = [word for row in below for word in row]
    parts: list[list[Word]] = [[phrase[0]]]
    for word in phrase[1:]:
        cut = (parts[-1][-1].bbox[2] + word.bbox[0]) / 2
        first, last = parts[-1][0].bbox[0] - height, word.bbox[2] + height
        crossed = any(w.bbox[0] < cut < w.bbox[2] for w in words)
        left = any(first <= (w.bbox[0] + w.bbox[2]) / 2 < cut for w in words)
        right = any(cut < (w.bbox[0] + w.bbox[2]) / 2 <= last for w in words)
        if left and right and not crossed:
            parts.append([word])
        else:
            parts[-1].append(word)
    return parts


@dataclass(frozen=True)
class Table:
    """A table of a figure: its column headers and, per row, the words under each of them."""

    headers: list[list[Word]]
    rows: list[list[list[Word]]]

    @property
    def cells(self) -> int:
        return sum(bool(cell) for row in self.rows for cell in row)


def figure_table(words: Sequence[Word]) -> Table | None:
    """The table among a figure's words: a row of headers over at least `MIN_TABLE_ROWS` rows whose
    words fall under them; the header row that heads the most cells wins. None without one."""
    if len(words) < MIN_TABLE_ROWS * MIN_TABLE_COLUMNS:
        return None
    height = float(np.median([w.bbox[3] - w.bbox[1] for w in words]))
    rows = table_rows(words)
    best: tuple[int, Table] | None = None
    for top, header_row in enumerate(rows):
        headers = [
            part
            for phrase in _phrases(header_row, height)
            for part in split_at_gutters(phrase, rows[top + 1 :], height)
        ]
        if len(headers) < MIN_TABLE_COLUMNS + 1:
            continue
        centres = [(h[0].bbox[0] + h[-1].bbox[2]) / 2 for h in headers]
        bounds = [(a + b) / 2 for a, b in pairwise(centres)]
        left = headers[0][0].bbox[0] - (centres[1] - centres[0]) / 2
        right = headers[-1][-1].bbox[2] + (centres[-1] - centres[-2]) / 2
        body: list[list[list[Word]]] = []
        pitch = 0.0
        previous = header_row
        for row in rows[top + 1 :]:
            gap = row[0].bbox[1] - max(w.bbox[3] for w in previous)
            if body and gap > 2.5 * max(pitch, height):
                break
            cells: list[list[Word]] = [[] for _ in headers]
            for word in row:
                centre = (word.bbox[0] + word.bbox[2]) / 2
                if left <= centre <= right:
                    cells[int(np.searchsorted(bounds, centre))].append(word)
            if sum(bool(cell) for cell in cells) < MIN_TABLE_COLUMNS:
                continue  # a row read in part: the rows after it may still be the table's
            pitch = max(pitch, gap)
            body.append(cells)
            previous = row
        if len(body) < MIN_TABLE_ROWS:
            continue
        # A column is named (a header of two letters or more: "Tolerance", "Pin", "Цвет") and filled.
        kept = [
            i
            for i in range(len(headers))
            if sum(bool(r[i]) for r in body) >= max(MIN_TABLE_ROWS, FILLED_SHARE * len(body))
            and sum(ch.isalpha() for w in headers[i] for ch in w.text) >= 2
        ]
        # A header names its column, it is not one of its values ("Reset" over a column of "Reset"
        # buttons); and a header row is mostly of the table's headers (a row of tabs above is not).
        kept = [i for i in kept if not any(_said(cell) == _said(headers[i]) for r in body for cell in [r[i]])]
        if len(kept) < max(MIN_TABLE_COLUMNS, len(headers) / 2):
            continue
        # A row whose words all stood under the columns left out is no row of this table.
        kept_rows = [cells for r in body if any(cells := [r[i] for i in kept])]
        if len(kept_rows) < MIN_TABLE_ROWS:
            continue
        table = Table([headers[i] for i in kept], kept_rows)
        if not tabular(table):
            continue
        if best is None or table.cells > best[0]:
            best = (table.cells, table)
    return best[1] if best else None


def _said(words: Sequence[Word]) -> str:
    return " ".join(word.text for word in words).casefold()


def tabular(table: Table) -> bool:
    """Whether words laid out under headers are a table rather than a dialog or a drawing: short
    headers and cells (a dialog's rows are phrases), rows evenly spaced (a form's are not), and the
    first column naming nearly every row."""
    cells = [cell for row in table.rows for cell in row if cell]
    if any(len(header) > MAX_CELL_WORDS for header in table.headers):
        return False
    if sum(len(cell) > MAX_CELL_WORDS for cell in cells) > 0.1 * len(cells):
        return False
    if sum(bool(row[0]) for row in table.rows) < NAMED_ROWS * len(table.rows):
        return False
    tops = [min(w.bbox[1] for cell in row for w in cell) for row in table.rows]
    pitches = np.diff(tops)
    if len(pitches) == 0:
        return False
    typical = float(np.median(pitches))
    return bool(typical > 0 and pitches.min() >= 0.6 * typical and pitches.max() <= 2.2 * typical)


def fuller(first: Table | None, second: Table | None) -> Table | None:
    """Of two readings of a table, the one with more cells read."""
    if first is None or second is None:
        return first or second
    return first if first.cells >= second.cells else second


GUTTER = 0.8
"""Blank width (in lettering heights) between the words of two columns: a space between words is less."""
CELL_PAD = 0.3
"""Margin (in lettering heights) kept around a cell's band when it is cut out to be read again."""


def column_zones(table: Table, words: Sequence[Word], height: float) -> list[tuple[float, float]]:
    """The x-extents of a table's columns, found from the blank gutters between the words of its rows
    (`words`: all the figure's, those of rows under its headers count): a header missed by OCR, or two
    headers read as one phrase, leaves its column's cells standing apart all the same."""
    said = [w for row in table.rows for cell in row for w in cell]
    top = max(w.bbox[3] for h in table.headers for w in h)
    bottom = max(w.bbox[3] for w in said)
    spans = sorted((w.bbox[0], w.bbox[2]) for w in words if top < (w.bbox[1] + w.bbox[3]) / 2 <= bottom)
    zones: list[list[float]] = []
    for x0, x1 in spans:
        if zones and x0 - zones[-1][1] < GUTTER * height:
            zones[-1][1] = max(zones[-1][1], x1)
        else:
            zones.append([x0, x1])
    if not zones:
        return []
    # The header row's words, those of the columns the table left out included.
    first, last = min(w.bbox[1] for h in table.headers for w in h), top
    heads = [w for w in words if first <= (w.bbox[1] + w.bbox[3]) / 2 <= last]
    bounds = [(a[1] + b[0]) / 2 for a, b in pairwise(zones)]
    # A header wider than its column's values stays whole: the bound it crosses moves to its edge...
    for index, bound in enumerate(bounds):
        for word in heads:
            if word.bbox[0] < bound < word.bbox[2]:
                mostly_left = bound - word.bbox[0] > word.bbox[2] - bound
                edge = word.bbox[2] if mostly_left else word.bbox[0]
                # ...within the gutter: the column's values are not cut either.
                bounds[index] = min(max(edge, zones[index][1]), zones[index + 1][0])
    lefts = [min(zones[0][0], min(w.bbox[0] for w in heads)), *bounds]
    rights = [*bounds, max(zones[-1][1], max(w.bbox[2] for w in heads))]
    return list(zip(lefts, rights, strict=True))


def reread_table(
    gray: np.ndarray, table: Table, words: Sequence[Word], height: float, languages: str, timeout_s: float
) -> Table:
    """The table read again cell by cell: each cell (a row's band across a column's zone, headers
    included) cut out of its lettering (`lettering_only`), all stacked in one mosaic for one OCR run.

    Read whole, a small table of coloured cells loses words and digits ("29.2 °C" read "29", a header
    unread); alone and enlarged, a cell is a short line tesseract reads surely. Columns come from the
    gutters between the cells' words (`column_zones`), so a column whose header the first reading
    missed gets it back. A cell keeps the first reading where the second reads no more of it.
    """
    lettering = lettering_only(gray, height)
    zones = column_zones(table, words, height)
    if len(zones) < MIN_TABLE_COLUMNS:
        return table
    bands = [table.headers, *table.rows]
    pad = CELL_PAD * height
    boxes: list[tuple[int, int, BBox]] = []
    for r, row in enumerate(bands):
        said = [w for cell in row for w in cell]
        if not said:
            continue
        top, bottom = min(w.bbox[1] for w in said) - pad, max(w.bbox[3] for w in said) + pad
        for c, (left, right) in enumerate(zones):
            boxes.append((r, c, (left, top, right, bottom)))
    if not boxes:
        return table
    gap = max(4, int(MOSAIC_GAP * height))
    clipped = [
        (
            max(0, int(b[0])),
            max(0, int(b[1])),
            min(gray.shape[1], int(np.ceil(b[2]))),
            min(gray.shape[0], int(np.ceil(b[3]))),
        )
        for _, _, b in boxes
    ]
    width = max(x1 - x0 for x0, _, x1, _ in clipped) + 2 * gap
    canvas = np.full((sum(y1 - y0 + gap for _, y0, _, y1 in clipped) + gap, width), 255, dtype=np.uint8)
    tops: list[int] = []
    place = gap
    for x0, y0, x1, y1 in clipped:
        canvas[place : place + y1 - y0, gap : gap + x1 - x0] = lettering[y0:y1, x0:x1]
        tops.append(place)
        place += y1 - y0 + gap
    cells: dict[tuple[int, int], list[Word]] = {}
    read = read_lettering(
        canvas, MOSAIC_HEIGHT_PX / max(height, 1.0), script_first(languages, words), timeout_s
    )
    for word in read:
        left, upper, right, lower = word.bbox
        slot = int(np.searchsorted(tops, (upper + lower) / 2, side="right")) - 1
        if slot < 0:
            continue
        r, c, _ = boxes[slot]
        dx, dy = clipped[slot][0] - gap, clipped[slot][1] - tops[slot]
        moved = (left + dx, upper + dy, right + dx, lower + dy)
        cells.setdefault((r, c), []).append(Word(word.text, moved, word.confidence, lower - upper))

    def first_read(box: BBox) -> list[Word]:
        return [
            w
            for w in words
            if box[0] <= (w.bbox[0] + w.bbox[2]) / 2 < box[2]
            and box[1] <= (w.bbox[1] + w.bbox[3]) / 2 < box[3]
        ]

    grid: list[list[list[Word]]] = [[[] for _ in zones] for _ in bands]
    for r, c, box in boxes:
        # A cell keeps the figure's own reading unless read anew more fully ("29.2 °C" for "29"), or as
        # fully in more words.
        before, again = first_read(box), cells.get((r, c), [])
        fuller_read = _letters(again) > _letters(before) or (
            _letters(again) == _letters(before) and len(again) > len(before)  # "112.0 min" for "112.0min"
        )
        grid[r][c] = sorted(again if fuller_read else before, key=lambda w: w.bbox[0])
    named = [c for c in range(len(zones)) if sum(ch.isalpha() for w in grid[0][c] for ch in w.text) >= 2]
    if len(named) < MIN_TABLE_COLUMNS:
        return table
    reread = Table(
        [grid[0][c] for c in named],
        [[row[c] for c in named] for row in grid[1:] if any(row[c] for c in named)],
    )
    return reread if len(reread.rows) >= MIN_TABLE_ROWS and tabular(reread) else table


def table_lines(table: Table) -> list[TextLine]:
    """One line per cell: "Violet 7 › Tolerance: ± 0.10%", the row named by its first column's cell."""
    lines: list[TextLine] = []
    for row in table.rows:
        name = row[0]
        if not name:
            continue
        for header, cell in zip(table.headers[1:], row[1:], strict=True):
            if not cell:
                continue
            *head, tail = header
            colon = Word(tail.text + ":", tail.bbox, tail.confidence, tail.font_size)
            lines.append(TextLine([*name, Word("›", name[-1].bbox), *head, colon, *cell]))
    return lines
