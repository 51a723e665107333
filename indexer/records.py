"""Plain records that flow from files to pages, lines and passages before they reach the catalog."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from PIL import Image

if TYPE_CHECKING:
    from indexer.scans import Straightening

BBox = tuple[float, float, float, float]
"""(x0, y0, x1, y1) in page-image pixels, origin top-left."""

TextSource = Literal["pdf", "ocr", "none"]
PassageKind = Literal["heading", "text", "mark", "control", "figure"]
FigureKind = Literal["image", "drawing"]
MarkShape = Literal["rectangle", "ellipse", "arrow", "highlight"]
ControlKind = Literal["radio", "checkbox", "field", "dropdown", "list", "tabs"]


def union_bbox(boxes: list[BBox]) -> BBox:
    if not boxes:
        raise ValueError("union_bbox needs at least one box")
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def bbox_area(box: BBox) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def bbox_intersection(a: BBox, b: BBox) -> float:
    return bbox_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def bboxes_overlap(a: BBox, b: BBox) -> bool:
    """Whether two boxes share any area (touching edges share none)."""
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def turned_back(box: BBox, turns: int, size: tuple[float, float]) -> BBox:
    """A box in an image turned `turns` quarter turns counter-clockwise, in the image before the turn
    (`size` its width and height)."""
    width, height = size
    x0, y0, x1, y1 = box
    if turns == 1:
        return (width - y1, x0, width - y0, x1)
    if turns == 2:
        return (width - x1, height - y1, width - x0, height - y0)
    if turns == 3:
        return (y0, height - x1, y1, height - x0)
    return box


@dataclass
class Word:
    text: str
    bbox: BBox
    confidence: float = 100.0
    font_size: float = 0.0


@dataclass
class TextLine:
    """A line of words; `block` groups lines that the source already says belong together."""

    words: list[Word]
    block: int = 0

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def bbox(self) -> BBox:
        return union_bbox([word.bbox for word in self.words])

    @property
    def height(self) -> float:
        box = self.bbox
        return box[3] - box[1]

    @property
    def font_size(self) -> float:
        sizes = [word.font_size for word in self.words if word.font_size > 0]
        return max(sizes) if sizes else self.height


@dataclass
class Mark:
    """A hand-drawn annotation (red box, circle, arrow, highlight) and the region it points at."""

    shape: MarkShape
    bbox: BBox
    target: BBox


@dataclass(frozen=True)
class Control:
    """One control of a dialog screenshot as a user would name it (see `indexer.controls`).

    radio / checkbox: `label` is the group's title (may be empty), `value` the option's text,
    `on` its state. field / dropdown: `label` names it, `value` is what it holds, `on` is None.
    tabs: the row of a notebook's tab captions, `value` lists them ("General, Links, Security").
    """

    kind: ControlKind
    label: str
    label_bbox: BBox | None
    value: str
    value_bbox: BBox
    on: bool | None = None
    group: str = ""
    """The heading of the dialog section the control sits in ("Margins", "Other options")."""


@dataclass
class Figure:
    """A picture on a text page (an embedded image, a vector drawing) whose words are only pixels.

    `box` is where it stands in page-image pixels. `image` is that region rendered for OCR at `scale`
    image pixels per page pixel, with `text_boxes` (page pixels) the text-layer words inside it, which
    OCR must not read twice; it is dropped once read. `lines` are the words read, in page pixels.
    """

    kind: FigureKind
    box: BBox
    caption: str = ""
    scale: float = 1.0
    image: Image.Image | None = None
    text_boxes: list[BBox] = field(default_factory=list)
    lines: list[TextLine] = field(default_factory=list)
    rotation: int = 0
    """The page's rotation (degrees clockwise): the picture stands turned by it in `image`."""
    native_scale: float | None = None
    """For an embedded image: its own pixels per page pixel (a pasted screenshot is read at its own
    resolution, as a screenshot file is); None for a vector drawing."""
    relations: list[TextLine] = field(default_factory=list)
    """What the figure's lines and arrows say of its labels ("user_u ← hertzog, lolando"), one line per
    node, made of the labels' words (`indexer.diagrams`)."""


@dataclass
class PageContent:
    """One page as the indexer sees it: size, where its text came from, lines and marks."""

    number: int
    width: int
    height: int
    dpi: float
    text_source: TextSource
    lines: list[TextLine] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    controls: list[Control] = field(default_factory=list)
    ocr_confidence: float | None = None
    image: Image.Image | None = None
    figures: list[Figure] = field(default_factory=list)
    """Pictures of a text page whose words OCR reads (pages OCRed whole have none)."""
    straightening: Straightening | None = None
    """A scan OCRed turned level or upright: `lines`, `marks` and `controls` are in the turned
    page's pixels until its passages are laid out and turned back (`pipeline.extract_pages`)."""


@dataclass
class LineSpan:
    """Where one line of a passage sits, so a quote inside it can be boxed precisely."""

    start: int
    end: int
    bbox: BBox


@dataclass
class PassageDraft:
    text: str
    bbox: BBox
    kind: PassageKind
    lang: str
    section: str
    spans: list[LineSpan]


@dataclass(frozen=True)
class DocumentRecord:
    """A document as users see it in listings and citations."""

    id: int
    filename: str
    sha256: str
    media_type: str
    page_count: int
    size_bytes: int
    languages: str
    added_at: str


@dataclass(frozen=True)
class PassageRecord:
    """A stored passage with what a citation needs: where it is and what it says."""

    id: int
    document: DocumentRecord
    page: int
    page_width: int
    page_height: int
    kind: str
    lang: str
    section: str
    text: str
    bbox: BBox
    spans: list[LineSpan]
