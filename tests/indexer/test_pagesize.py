"""Page image sizes: a page fits the pixel limits at the highest resolution that allows, never above."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexer.pagesize import (
    MAX_PAGE_SIDE,
    MIN_RENDER_DPI,
    fitted_dpi,
    fitted_size,
    is_render_bomb,
    page_pixels,
)

A4 = (595.28, 841.89)
points = st.floats(0.5, 5_000_000, allow_nan=False, allow_infinity=False)
limits = st.integers(10_000, 200_000_000)


def test_an_a4_page_keeps_the_workspace_dpi() -> None:
    assert fitted_dpi(*A4, 150, 12_000_000) == 150
    assert page_pixels(*A4, 150) == (1241, 1754)


def test_the_largest_page_the_pdf_spec_allows_is_indexed_at_a_lower_dpi() -> None:
    dpi = fitted_dpi(14400, 14400, 150, 12_000_000)
    width, height = page_pixels(14400, 14400, dpi)
    assert 17 < dpi < 18 and not is_render_bomb(dpi)
    assert width == height and 11_900_000 < width * height <= 12_000_000


def test_a_page_of_kilometres_is_a_render_bomb() -> None:
    assert is_render_bomb(fitted_dpi(1e6, 1e6, 150, 12_000_000))
    # A ribbon: few pixels in all, but one side would be millions of pixels long.
    assert is_render_bomb(fitted_dpi(3_000_000, 5, 150, 12_000_000))
    assert MIN_RENDER_DPI > 0


@given(width=points, height=points, dpi=st.floats(1, 1200), limit=limits)
def test_the_rendered_page_never_exceeds_the_limits(
    width: float, height: float, dpi: float, limit: int
) -> None:
    fitted = fitted_dpi(width, height, dpi, limit)
    assert 0 < fitted <= dpi
    if is_render_bomb(fitted):
        return
    columns, rows = page_pixels(width, height, fitted)
    assert columns * rows <= limit
    assert max(columns, rows) <= MAX_PAGE_SIDE


@given(width=points, height=points, dpi=st.floats(1, 1200), limit=limits)
def test_the_resolution_is_only_lowered_when_needed(
    width: float, height: float, dpi: float, limit: int
) -> None:
    columns, rows = page_pixels(width, height, dpi)
    if columns * rows <= limit and max(columns, rows) <= MAX_PAGE_SIDE:
        assert fitted_dpi(width, height, dpi, limit) == dpi
    else:
        # Lowered, but not by more than a few percent beyond what the limit asks for.
        fitted = fitted_dpi(width, height, dpi, limit)
        columns, rows = page_pixels(width, height, fitted * 1.05)
        assert columns * rows > limit or max(columns, rows) > MAX_PAGE_SIDE or fitted < 1


@given(width=st.integers(1, 200_000), height=st.integers(1, 200_000), limit=limits)
def test_a_raster_page_is_scaled_down_to_fit_keeping_its_shape(width: int, height: int, limit: int) -> None:
    columns, rows = fitted_size(width, height, limit)
    assert columns <= width and rows <= height
    assert columns * rows <= max(limit, 1) or min(columns, rows) == 1
    assert max(columns, rows) <= MAX_PAGE_SIDE
    if (columns, rows) != (width, height) and min(columns, rows) > 50:
        assert columns / rows == pytest.approx(width / height, rel=0.05)


def test_nonsense_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        fitted_dpi(0, 842, 150, 1000)
    with pytest.raises(ValueError, match="positive"):
        fitted_size(100, -1, 1000)
