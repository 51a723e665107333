"""LLaVA-NeXT "anyres" geometry: pick a tile grid for an image, cut it into tiles plus a global view."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

DEFAULT_TILE_SIZE = 336  # CLIP ViT-L/14-336, the OmniFusion 1.1 tower
DEFAULT_MAX_TILES = 24  # an A4 page at 150 DPI fits a 4x6 grid
WHITE = (255, 255, 255)

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Grid:
    """A tile grid: ``rows`` tiles down, ``cols`` tiles across."""

    rows: int
    cols: int

    def __post_init__(self) -> None:
        if not (_is_int(self.rows) and _is_int(self.cols)) or self.rows < 1 or self.cols < 1:
            raise ValueError(f"a grid needs at least one row and one column, got {self.rows}x{self.cols}")

    @property
    def n_tiles(self) -> int:
        return self.rows * self.cols


@dataclass(frozen=True)
class TileBox:
    """One view of a page: the global thumbnail (``row == col == -1``) or the tile at (row, col).

    ``box`` is (x0, y0, x1, y1) in original image pixels, clipped to the image; ``canvas_box`` is the
    same rectangle on the resized, padded canvas (the whole canvas for the global view).
    """

    index: int
    row: int
    col: int
    box: Box
    canvas_box: Box

    @property
    def is_global(self) -> bool:
        return self.row == -1 and self.col == -1

    @property
    def area(self) -> int:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


@dataclass(frozen=True)
class SlicePlan:
    """How one image is cut: the image is scaled by ``scale`` to ``resized_size``, pasted at ``offset``
    on a ``canvas_size`` canvas of ``grid`` tiles of ``tile_size`` pixels; ``tiles`` holds the global
    view first, then the grid tiles row-major."""

    image_size: tuple[int, int]
    grid: Grid
    tile_size: int
    canvas_size: tuple[int, int]
    scale: float
    resized_size: tuple[int, int]
    offset: tuple[int, int]
    tiles: tuple[TileBox, ...]

    @property
    def global_view(self) -> TileBox:
        return self.tiles[0]

    @property
    def grid_tiles(self) -> tuple[TileBox, ...]:
        return self.tiles[1:]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_positive(**values: object) -> None:
    for name, value in values.items():
        if not _is_int(value) or value < 1:  # type: ignore[operator]
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def candidate_grids(max_tiles: int) -> list[Grid]:
    """All grids with ``rows * cols <= max_tiles``, ordered by rows then cols."""
    _check_positive(max_tiles=max_tiles)
    return [Grid(rows, cols) for rows in range(1, max_tiles + 1) for cols in range(1, max_tiles // rows + 1)]


def _fit(width: int, height: int, canvas_w: int, canvas_h: int) -> tuple[float, int, int]:
    """Scale keeping aspect ratio so the image fits the canvas; the limiting side fills it exactly."""
    scale_w, scale_h = canvas_w / width, canvas_h / height
    if scale_w <= scale_h:
        return scale_w, canvas_w, max(1, min(canvas_h, math.ceil(height * scale_w)))
    return scale_h, max(1, min(canvas_w, math.ceil(width * scale_h))), canvas_h


def select_grid(
    width: int, height: int, tile_size: int = DEFAULT_TILE_SIZE, max_tiles: int = DEFAULT_MAX_TILES
) -> Grid:
    """The grid whose canvas keeps most of the image's resolution, then wastes least canvas.

    As LLaVA-NeXT's ``select_best_resolution``: the effective resolution of a canvas is the area of the
    image scaled to fit it, capped at the original area (upscaling adds no detail); ties go to the
    canvas with the least padding, then to fewer rows.
    """
    _check_positive(width=width, height=height, tile_size=tile_size, max_tiles=max_tiles)
    original_area = width * height
    best: Grid | None = None
    best_key: tuple[int, int] = (-1, 0)
    for grid in candidate_grids(max_tiles):
        canvas_w, canvas_h = grid.cols * tile_size, grid.rows * tile_size
        scale = min(canvas_w / width, canvas_h / height)
        effective = min(int(width * scale) * int(height * scale), original_area)
        wasted = canvas_w * canvas_h - effective
        key = (effective, -wasted)
        if key > best_key:
            best, best_key = grid, key
    assert best is not None  # candidate_grids is never empty for max_tiles >= 1
    return best


def _to_original(edge: int, offset: int, scale: float, limit: int) -> int:
    """Map a canvas edge back to the original image; monotone, so adjacent tiles share edges."""
    return min(limit, max(0, round((edge - offset) / scale)))


def plan_slices(
    width: int, height: int, tile_size: int = DEFAULT_TILE_SIZE, max_tiles: int = DEFAULT_MAX_TILES
) -> SlicePlan:
    """Plan the global view and the grid tiles of a ``width`` x ``height`` image."""
    grid = select_grid(width, height, tile_size, max_tiles)
    canvas_w, canvas_h = grid.cols * tile_size, grid.rows * tile_size
    scale, resized_w, resized_h = _fit(width, height, canvas_w, canvas_h)
    off_x, off_y = (canvas_w - resized_w) // 2, (canvas_h - resized_h) // 2
    tiles = [TileBox(0, -1, -1, (0, 0, width, height), (0, 0, canvas_w, canvas_h))]
    for row in range(grid.rows):
        for col in range(grid.cols):
            cx0, cy0 = col * tile_size, row * tile_size
            cx1, cy1 = cx0 + tile_size, cy0 + tile_size
            box = (
                _to_original(cx0, off_x, scale, width),
                _to_original(cy0, off_y, scale, height),
                _to_original(cx1, off_x, scale, width),
                _to_original(cy1, off_y, scale, height),
            )
            tiles.append(TileBox(len(tiles), row, col, box, (cx0, cy0, cx1, cy1)))
    return SlicePlan(
        image_size=(width, height),
        grid=grid,
        tile_size=tile_size,
        canvas_size=(canvas_w, canvas_h),
        scale=scale,
        resized_size=(resized_w, resized_h),
        offset=(off_x, off_y),
        tiles=tuple(tiles),
    )


def letterbox(image: Image.Image, size: tuple[int, int], fill: tuple[int, int, int]) -> Image.Image:
    """Resize ``image`` to fit ``size`` keeping its aspect ratio, centred on a ``fill`` background."""
    from PIL import Image

    _, new_w, new_h = _fit(image.width, image.height, size[0], size[1])
    canvas = Image.new("RGB", size, fill)
    resized = image.convert("RGB").resize((new_w, new_h), Image.Resampling.BICUBIC)
    canvas.paste(resized, ((size[0] - new_w) // 2, (size[1] - new_h) // 2))
    return canvas


def slice_image(image: Image.Image, plan: SlicePlan, fill: tuple[int, int, int] = WHITE) -> list[Image.Image]:
    """Cut ``image`` as ``plan`` says: the global thumbnail first, then the grid tiles row-major.

    Every view is ``tile_size`` x ``tile_size`` RGB; the aspect ratio is kept and the rest padded
    with ``fill`` (white by default because pages are white: black bars would read as content).
    """
    if (image.width, image.height) != plan.image_size:
        raise ValueError(
            f"the plan is for a {plan.image_size[0]}x{plan.image_size[1]} image, "
            f"got {image.width}x{image.height}: call plan_slices on this image's size"
        )
    side = plan.tile_size
    views = [letterbox(image, (side, side), fill)]
    canvas = letterbox(image, plan.canvas_size, fill)
    views.extend(canvas.crop(tile.canvas_box) for tile in plan.grid_tiles)
    return views


def _clip_span(lo: float, hi: float, limit: int) -> tuple[int, int] | None:
    """The integer span of [lo, hi] inside [0, limit], or None when it misses the image."""
    start, stop = max(0, math.floor(lo)), min(limit, math.ceil(hi))
    if start > stop or (start == stop and lo != hi):
        return None
    return start, stop


def _overlaps(span: tuple[int, int], tile_lo: int, tile_hi: int, limit: int) -> bool:
    lo, hi = span
    if lo == hi:  # a zero-width evidence line belongs to the tile it lies in; the far edge to the last
        return tile_lo <= lo < tile_hi or (lo == limit == tile_hi and tile_lo < tile_hi)
    return tile_lo < hi and lo < tile_hi


def tiles_covering(plan: SlicePlan, box: tuple[float, float, float, float]) -> list[TileBox]:
    """The grid tiles that intersect ``box`` (x0, y0, x1, y1 in original image pixels), row-major.

    Used to crop the 1-3 tiles that hold an answer's evidence. Parts of ``box`` outside the image are
    ignored; a box entirely outside it is an error.
    """
    x0, y0, x1, y1 = box
    if x0 > x1 or y0 > y1:
        raise ValueError(f"box must be (x0, y0, x1, y1) with x0 <= x1 and y0 <= y1, got {box!r}")
    width, height = plan.image_size
    x_span, y_span = _clip_span(x0, x1, width), _clip_span(y0, y1, height)
    if x_span is None or y_span is None:
        raise ValueError(f"box {box!r} lies outside the {width}x{height} image")
    return [
        tile
        for tile in plan.grid_tiles
        if _overlaps(x_span, tile.box[0], tile.box[2], width)
        and _overlaps(y_span, tile.box[1], tile.box[3], height)
    ]


def evidence_tiles(
    plan: SlicePlan, boxes: Sequence[tuple[float, float, float, float]], limit: int = 3
) -> list[TileBox]:
    """At most ``limit`` grid tiles holding the most evidence area, row-major.

    OmniFusion 1.1 saw 2048-token contexts and 576 tokens per view, so a prompt fits the global view
    plus 1-3 tiles: the ones where the evidence boxes (original pixels) lie.
    """
    _check_positive(limit=limit)
    weight: dict[int, float] = {}
    for box in boxes:
        x0, y0, x1, y1 = box
        for tile in tiles_covering(plan, box):
            tx0, ty0, tx1, ty1 = tile.box
            overlap = max(0.0, min(x1, tx1) - max(x0, tx0)) * max(0.0, min(y1, ty1) - max(y0, ty0))
            # a zero-area box (a point, a line) still counts for the tile it touches
            weight[tile.index] = weight.get(tile.index, 0.0) + max(overlap, 1e-6)
    ranked = sorted(weight, key=lambda index: (-weight[index], index))[:limit]
    return [plan.tiles[index] for index in sorted(ranked)]
