"""Property tests for the anyres slicing geometry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from omnifusion.slicing import (
    Grid,
    candidate_grids,
    evidence_tiles,
    plan_slices,
    select_grid,
    slice_image,
    tiles_covering,
)

sides = st.integers(min_value=1, max_value=30000)
tile_sizes = st.sampled_from([14, 224, 336, 448])
max_tiles = st.integers(min_value=1, max_value=36)


def _coverage(boxes: list[tuple[int, int, int, int]], size: tuple[int, int]) -> np.ndarray:
    counts = np.zeros((size[1], size[0]), dtype=np.int32)
    for x0, y0, x1, y1 in boxes:
        counts[y0:y1, x0:x1] += 1
    return counts


def test_a4_page_at_150_dpi_is_four_columns_by_six_rows() -> None:
    plan = plan_slices(1240, 1754, tile_size=336, max_tiles=24)
    assert plan.grid == Grid(rows=6, cols=4)
    assert len(plan.tiles) == 1 + 24
    assert plan.global_view.is_global and plan.global_view.box == (0, 0, 1240, 1754)
    assert [(t.row, t.col) for t in plan.grid_tiles[:5]] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]


def test_candidate_grids_are_every_grid_within_the_budget() -> None:
    grids = candidate_grids(6)
    assert len(grids) == len(set(grids)) == 14  # 6 + 3 + 2 + 1 + 1 + 1
    assert all(g.n_tiles <= 6 for g in grids)
    assert Grid(2, 3) in grids and Grid(3, 2) in grids and Grid(1, 6) in grids


@pytest.mark.parametrize(
    "call",
    [
        lambda: select_grid(0, 10),
        lambda: select_grid(10, -1),
        lambda: select_grid(10, 10, tile_size=0),
        lambda: select_grid(10, 10, max_tiles=0),
        lambda: plan_slices(10.5, 10),  # type: ignore[arg-type]
        lambda: plan_slices(True, 10),  # type: ignore[arg-type]
        lambda: candidate_grids(-3),
        lambda: Grid(0, 2),
    ],
)
def test_bad_arguments_raise_value_error(call: object) -> None:
    with pytest.raises(ValueError):
        call()  # type: ignore[operator]


@settings(max_examples=150, deadline=None)
@given(width=sides, height=sides, tile_size=tile_sizes, budget=max_tiles)
def test_tiles_partition_the_resized_image_and_the_original(
    width: int, height: int, tile_size: int, budget: int
) -> None:
    plan = plan_slices(width, height, tile_size, budget)
    assert plan.grid.n_tiles <= budget
    assert plan.canvas_size == (plan.grid.cols * tile_size, plan.grid.rows * tile_size)
    # the resized image sits inside the canvas, and the tiles' canvas boxes cover the canvas exactly once
    rw, rh = plan.resized_size
    ox, oy = plan.offset
    assert min(ox, oy) >= 0 and ox + rw <= plan.canvas_size[0] and oy + rh <= plan.canvas_size[1]
    canvas_edges_x = sorted(
        {t.canvas_box[0] for t in plan.grid_tiles} | {t.canvas_box[2] for t in plan.grid_tiles}
    )
    assert canvas_edges_x == [c * tile_size for c in range(plan.grid.cols + 1)]
    canvas_edges_y = sorted(
        {t.canvas_box[1] for t in plan.grid_tiles} | {t.canvas_box[3] for t in plan.grid_tiles}
    )
    assert canvas_edges_y == [r * tile_size for r in range(plan.grid.rows + 1)]
    assert len({t.canvas_box for t in plan.grid_tiles}) == plan.grid.n_tiles
    # in original pixels: adjacent tiles share edges, so the boxes tile the image without gap or overlap
    if width * height <= 4_000_000:
        counts = _coverage([t.box for t in plan.grid_tiles], plan.image_size)
        assert counts.min() == 1 and counts.max() == 1
    else:
        assert sum(t.area for t in plan.grid_tiles) == width * height
    # the chosen grid never spends a whole row or column on padding
    assert all(t.area > 0 for t in plan.grid_tiles)


@settings(max_examples=150, deadline=None)
@given(width=sides, height=sides, tile_size=tile_sizes, budget=max_tiles)
def test_aspect_ratio_is_kept(width: int, height: int, tile_size: int, budget: int) -> None:
    plan = plan_slices(width, height, tile_size, budget)
    rw, rh = plan.resized_size
    # the limiting side fills the canvas exactly; the other is scaled by the same factor (ceil, >= 1 px)
    assert rw == plan.canvas_size[0] or rh == plan.canvas_size[1]
    assert abs(rw - width * plan.scale) <= 1 and abs(rh - height * plan.scale) <= 1


def test_grid_beats_every_other_candidate_on_effective_resolution() -> None:
    width, height = 1240, 1754
    chosen = select_grid(width, height, 336, 24)

    def effective(g: Grid) -> int:
        scale = min(g.cols * 336 / width, g.rows * 336 / height)
        return min(int(width * scale) * int(height * scale), width * height)

    assert all(effective(chosen) >= effective(g) for g in candidate_grids(24))


def test_extreme_images() -> None:
    tiny = plan_slices(1, 1)
    assert tiny.grid == Grid(1, 1) and tiny.grid_tiles[0].box == (0, 0, 1, 1)
    wide = plan_slices(20000, 300)
    assert wide.grid.rows == 1 and wide.grid.cols == 24
    assert wide.resized_size[1] >= 1
    tall = plan_slices(300, 20000)
    assert tall.grid.cols == 1 and tall.grid.rows == 24


@pytest.mark.parametrize("size", [(1, 1), (200, 50), (1240, 1754), (3000, 40)])
def test_slice_image_gives_square_tiles_without_stretching(size: tuple[int, int]) -> None:
    width, height = size
    # a black rectangle on white: its aspect ratio must survive in the global view
    image = Image.new("RGB", size, (0, 0, 0))
    plan = plan_slices(width, height, tile_size=56, max_tiles=6)
    views = slice_image(image, plan)
    assert len(views) == 1 + plan.grid.n_tiles
    assert all(v.size == (56, 56) for v in views)
    dark = np.asarray(views[0].convert("L")) < 128
    ys, xs = np.nonzero(dark)
    drawn_w, drawn_h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert max(drawn_w, drawn_h) == 56
    expected_short = 56 * min(width, height) / max(width, height)
    assert abs(min(drawn_w, drawn_h) - expected_short) <= 1
    assert (drawn_w >= drawn_h) == (width >= height)


def test_slice_image_rejects_an_image_of_another_size() -> None:
    with pytest.raises(ValueError, match="plan_slices"):
        slice_image(Image.new("RGB", (10, 10)), plan_slices(20, 10))


def test_tiles_covering_finds_the_evidence_tiles() -> None:
    plan = plan_slices(1240, 1754)
    first = plan.grid_tiles[0]
    inside = tiles_covering(plan, (first.box[0] + 5, first.box[1] + 5, first.box[0] + 20, first.box[1] + 20))
    assert inside == [first]
    # a line straddling the first vertical tile boundary touches two tiles
    edge = first.box[2]
    assert [(t.row, t.col) for t in tiles_covering(plan, (edge - 10, 10, edge + 10, 20))] == [(0, 0), (0, 1)]
    assert len(tiles_covering(plan, (0, 0, 1240, 1754))) == 24
    # points, including the far corner, land in exactly one tile
    assert len(tiles_covering(plan, (1240, 1754, 1240, 1754))) == 1
    assert len(tiles_covering(plan, (-50, -50, 10, 10))) == 1


@settings(max_examples=100, deadline=None)
@given(
    width=st.integers(1, 5000),
    height=st.integers(1, 5000),
    fx=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    fy=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_tiles_covering_matches_brute_force(
    width: int, height: int, fx: tuple[float, float], fy: tuple[float, float]
) -> None:
    plan = plan_slices(width, height)
    x0, x1 = sorted(int(f * width) for f in fx)
    y0, y1 = sorted(int(f * height) for f in fy)
    found = tiles_covering(plan, (x0, y0, x1, y1))
    assert found, "every box inside the image touches at least one tile"
    if x0 < x1 and y0 < y1:
        expected = [
            t for t in plan.grid_tiles if t.box[0] < x1 and x0 < t.box[2] and t.box[1] < y1 and y0 < t.box[3]
        ]
        assert found == expected


@pytest.mark.parametrize("box", [(10, 0, 5, 5), (2000, 0, 2100, 10), (0, -20, 10, -10)])
def test_tiles_covering_rejects_bad_boxes(box: tuple[int, int, int, int]) -> None:
    with pytest.raises(ValueError):
        tiles_covering(plan_slices(1240, 1754), box)


def test_evidence_tiles_pick_where_the_evidence_is() -> None:
    plan = plan_slices(1240, 1754)
    tiles = plan.grid_tiles
    # a big box over tile (2, 1) and a sliver reaching into (2, 2), plus a box in the last tile
    middle = tiles[2 * 4 + 1].box
    boxes = [(middle[0] + 5, middle[1] + 5, middle[2] + 3, middle[3] - 5), (1200, 1700, 1230, 1750)]
    chosen = evidence_tiles(plan, boxes, limit=2)
    assert [(t.row, t.col) for t in chosen] == [(2, 1), (5, 3)]  # the sliver loses to the last box
    assert [(t.row, t.col) for t in evidence_tiles(plan, boxes, limit=3)] == [(2, 1), (2, 2), (5, 3)]
    assert evidence_tiles(plan, []) == []
    with pytest.raises(ValueError):
        evidence_tiles(plan, boxes, limit=0)
