"""Find hand-drawn red annotations (boxes, ellipses, arrows) on screenshots and what they point at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.ndimage as ndi
from PIL import Image

from indexer.ocr import read_boxes
from indexer.records import BBox, Mark, MarkShape, TextLine, Word, union_bbox

MIN_MARK_SIDE = 18
"""Smaller red shapes are icons (close buttons, hearts), not annotations."""


@dataclass
class MarkDetection:
    marks: list[Mark]
    mask: np.ndarray
    """Boolean (height, width) array of the annotation's pixels, to erase them before OCR."""


def red_mask(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (red > 150) & (green < 110) & (blue < 110) & (red - np.maximum(green, blue) > 80)


def detect_marks(image: Image.Image) -> MarkDetection:
    """Return the red annotation strokes of `image`, classified by shape."""
    mask = red_mask(image)
    labels, _ = ndi.label(mask, structure=np.ones((3, 3), dtype=bool))
    marks: list[Mark] = []
    keep = np.zeros_like(mask)
    for index, slices in enumerate(ndi.find_objects(labels), start=1):
        if slices is None:
            continue
        rows, cols = slices
        height, width = rows.stop - rows.start, cols.stop - cols.start
        if min(height, width) >= 8 and float((labels[rows, cols] == index).mean()) > 0.6:
            # Solid red swatches and icons: not marks, but tesseract reads them as letters.
            keep[rows, cols] |= labels[rows, cols] == index
            continue
        if max(height, width) < MIN_MARK_SIDE * 2 or min(height, width) < 4:
            continue
        component = labels[rows, cols] == index
        fill = float(component.mean())
        # Icons are solid; annotation strokes cover a small share of their bounding box.
        if fill > 0.45:
            continue
        bbox: BBox = (float(cols.start), float(rows.start), float(cols.stop), float(rows.stop))
        shape = _classify(component)
        if shape is None:
            continue
        target = bbox if shape != "arrow" else _arrow_target(component, bbox)
        marks.append(Mark(shape, bbox, target))
        keep[rows, cols] |= component
    # Erase a little around the stroke too: anti-aliased edges confuse OCR as much as the stroke.
    erase = ndi.binary_dilation(keep, iterations=2) if keep.any() else keep
    return MarkDetection(marks, erase)


def erase_marks(image: Image.Image, mask: np.ndarray) -> Image.Image:
    """Paint the annotation pixels with the surrounding background colour."""
    if not mask.any():
        return image
    pixels = np.asarray(image.convert("RGB")).copy()
    ring = ndi.binary_dilation(mask, iterations=3) & ~mask
    fill = np.median(pixels[ring], axis=0) if ring.any() else np.median(pixels.reshape(-1, 3), axis=0)
    pixels[mask] = fill.astype(np.uint8)
    return Image.fromarray(pixels)


def _classify(component: np.ndarray) -> MarkShape | None:
    height, width = component.shape
    inner = component[height // 4 : height - height // 4, width // 4 : width - width // 4]
    hollow = inner.size > 0 and float(inner.mean()) < 0.03
    if hollow and min(height, width) >= MIN_MARK_SIDE:
        corner_h, corner_w = max(1, height // 8), max(1, width // 8)
        corners = [
            component[:corner_h, :corner_w],
            component[:corner_h, -corner_w:],
            component[-corner_h:, :corner_w],
            component[-corner_h:, -corner_w:],
        ]
        filled_corners = sum(float(corner.mean()) > 0.05 for corner in corners)
        return "rectangle" if filled_corners >= 3 else "ellipse"
    ys, xs = np.nonzero(component)
    if len(xs) < 10:
        return None
    spread = np.cov(np.stack([xs, ys]).astype(np.float64))
    eigenvalues = np.linalg.eigvalsh(spread)
    if eigenvalues[0] <= 0 or eigenvalues[1] / eigenvalues[0] > 6:
        return "arrow"
    return None


def _arrow_target(component: np.ndarray, bbox: BBox) -> BBox:
    """A box just beyond the arrow's head: the head is the end of the shaft with more ink."""
    ys, xs = np.nonzero(component)
    points = np.stack([xs, ys], axis=1).astype(np.float64)
    centre = points.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov((points - centre).T))
    axis = vectors[:, -1]
    along = (points - centre) @ axis
    span = along.max() - along.min()
    head_low = (along < along.min() + span * 0.3).sum()
    head_high = (along > along.max() - span * 0.3).sum()
    direction = axis if head_high >= head_low else -axis
    tip_index = int(np.argmax((points - centre) @ direction))
    tip = points[tip_index] + np.array([bbox[0], bbox[1]])
    reach = max(12.0, span * 0.25)
    ahead = tip + direction * reach
    x0, x1 = sorted((tip[0], ahead[0]))
    y0, y1 = sorted((tip[1], ahead[1]))
    return (x0 - 6, y0 - 6, x1 + 6, y1 + 6)


def lines_under_mark(mark: Mark, lines: list[TextLine]) -> list[TextLine]:
    """The text lines a mark designates: inside a box/ellipse, or nearest the arrow's head."""
    if mark.shape != "arrow":
        inside = []
        for line in lines:
            words = [w for w in line.words if _centre_inside(w.bbox, mark)]
            if words:
                inside.append(TextLine(words, line.block))
        return inside
    tx = (mark.target[0] + mark.target[2]) / 2
    ty = (mark.target[1] + mark.target[3]) / 2
    best: tuple[float, TextLine] | None = None
    for line in lines:
        for word in line.words:
            distance = _distance(word.bbox, tx, ty)
            if best is None or distance < best[0]:
                best = (distance, line)
    if best is None:
        return []
    # The label at the arrow's head, not the whole row of widgets (or the next column) it sits in:
    # the words around the nearest one up to a gap wider than a word space.
    line = best[1]
    nearest = min(line.words, key=lambda w: _distance(w.bbox, tx, ty))
    index = line.words.index(nearest)
    start, end = index, index + 1
    while start > 0 and _word_gap(line.words[start - 1], line.words[start]):
        start -= 1
    while end < len(line.words) and _word_gap(line.words[end - 1], line.words[end]):
        end += 1
    return [TextLine(line.words[start:end], line.block)]


def reread_marked(image: Image.Image, marks: list[Mark], lines: list[TextLine], languages: str) -> int:
    """Read the words a mark designates once more, alone and enlarged; returns how many changed.

    They are the words users ask about ("which section is framed?"), and the worst read: the
    erased stroke runs right beside them ("Формат" read as "Формаг"). When the phrase is read
    again into as many words, each word read with clearly more confidence replaces its first
    reading (in place).
    """
    marked = [line for mark in marks for line in lines_under_mark(mark, lines) if line.words]
    if not marked:
        return 0
    boxes = []
    for line in marked:
        x0, y0, x1, y1 = union_bbox([w.bbox for w in line.words])
        pad = 0.3 * (y1 - y0)
        boxes.append((x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    changed = 0
    for line, fresh in zip(marked, read_boxes(image, boxes, languages), strict=True):
        fresh = [w for w in fresh if any(ch.isalnum() for ch in w.text)]
        if len(fresh) != len(line.words):
            continue
        for word, reading in zip(line.words, sorted(fresh, key=lambda w: w.bbox[0]), strict=True):
            if word.text != reading.text and reading.confidence >= word.confidence + 5:
                word.text, word.confidence = reading.text, reading.confidence
                changed += 1
    return changed


def _word_gap(left: Word, right: Word) -> bool:
    """Whether two neighbouring words are in one phrase (a word space apart, not a column gap)."""
    height = max(1.0, left.bbox[3] - left.bbox[1], right.bbox[3] - right.bbox[1])
    return right.bbox[0] - left.bbox[2] <= 1.2 * height


def _centre_inside(box: BBox, mark: Mark) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x0, y0, x1, y1 = mark.target
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    # A word cut by the stroke (the next line peeking in) is not what the mark designates.
    inside_height = min(box[3], y1) - max(box[1], y0)
    if inside_height < 0.7 * (box[3] - box[1]):
        return False
    if mark.shape == "ellipse":
        cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1.0
    return True


def _distance(box: BBox, x: float, y: float) -> float:
    dx = max(box[0] - x, 0.0, x - box[2])
    dy = max(box[1] - y, 0.0, y - box[3])
    return float((dx * dx + dy * dy) ** 0.5)
