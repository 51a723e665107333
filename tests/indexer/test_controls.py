"""Dialog controls read from pixels: state of check boxes and radio buttons, field values, labels, groups.

Real crops of GIMP and LibreOffice dialogs (tests/data, see PROVENANCE.md) in three themes, and
widgets drawn here the way Tk, Qt and GTK draw them, at several sizes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from indexer.controls import (
    MENU_HEADINGS,
    Phrase,
    _put_rereadings,
    _tint_fill,
    arrow_debris,
    compound_name,
    detect_controls,
    drop_arrow,
    find_frame,
    frame_inner_side,
    frame_inside,
    indicator_shape,
    indicator_state,
    label_value_pairs,
    menu_items,
    phrases,
    recover_values,
    settle_value_scripts,
    shortcut_text,
    tab_strip,
    text_height,
    title_bar_row,
    unpaired_edges,
    whole_word,
)
from indexer.layout import build_passages
from indexer.ocr import latin_twin, recognize
from indexer.pipeline import extract_document
from indexer.records import Control, PageContent, TextLine, Word
from indexer.settings import IndexSettings

DATA = Path(__file__).resolve().parents[1] / "data"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def controls_of(name: str) -> list[Control]:
    with Image.open(DATA / name) as image:
        rgb = image.convert("RGBA").convert("RGB")  # palette PNGs with transparency
    return detect_controls(rgb, recognize(rgb).lines)


def by_value(controls: list[Control]) -> dict[str, Control]:
    return {control.value: control for control in controls}


def gray_crop(name: str, box: tuple[int, int, int, int]) -> np.ndarray:
    with Image.open(DATA / name) as image:
        return np.asarray(image.convert("L").crop(box), dtype=np.float32)


# --- state of one indicator, on real crops ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "box", "kind", "on"),
    [
        # LibreOffice (GTK Adwaita): a blue disc with a white dot vs a grey ring.
        ("lo_en_page_style_orientation.png", (105, 39, 121, 55), "radio", True),
        ("lo_en_page_style_orientation.png", (105, 14, 121, 30), "radio", False),
        # LibreOffice: a blue square with a white tick vs an empty square.
        ("lo_en_find_replace_options.png", (21, 153, 37, 169), "checkbox", True),
        ("lo_en_find_replace_options.png", (21, 85, 37, 101), "checkbox", False),
        # GIMP dark theme: a ring with a light dot vs a flat grey disc; a cross vs a flat square.
        ("gimp_en_indexed_colors_colormap.png", (30, 29, 43, 42), "radio", True),
        ("gimp_en_indexed_colors_colormap.png", (30, 92, 43, 105), "radio", False),
        ("gimp_en_indexed_colors_colormap.png", (30, 213, 43, 226), "checkbox", True),
        ("gimp_en_indexed_colors_colormap.png", (30, 316, 43, 329), "checkbox", False),
        # GIMP classic (Clearlooks): a black dot in a white disc vs an empty one.
        ("gimp_ru_layer_mask_options.png", (31, 34, 43, 46), "radio", True),
        ("gimp_ru_layer_mask_options.png", (31, 57, 43, 69), "radio", False),
    ],
)
def test_state_is_read_from_the_pixels_of_real_widgets(
    name: str, box: tuple[int, int, int, int], kind: str, on: bool
) -> None:
    crop = gray_crop(name, box)
    state, _ = indicator_state(crop, kind)  # type: ignore[arg-type]
    assert state is on


def draw_check_box(draw: ImageDraw.ImageDraw, x: int, y: int, side: int, ticked: bool, style: str) -> None:
    if style == "tk":  # Tk: sunken white square, black tick
        draw.rectangle((x, y, x + side, y + side), fill="white", outline=(90, 90, 90), width=2)
        if ticked:
            draw.line(
                (x + 3, y + side // 2, x + side // 2, y + side - 3, x + side - 3, y + 3),
                fill="black",
                width=2,
            )
    elif style == "qt":  # Qt Fusion: light square, dark cross-like check
        draw.rectangle((x, y, x + side, y + side), fill=(252, 252, 252), outline=(120, 120, 120))
        if ticked:
            draw.line((x + 3, y + 3, x + side - 3, y + side - 3), fill=(30, 30, 30), width=2)
            draw.line((x + 3, y + side - 3, x + side - 3, y + 3), fill=(30, 30, 30), width=2)
    else:  # GTK-like: accent-filled square with a white tick
        draw.rectangle(
            (x, y, x + side, y + side),
            fill=(53, 132, 228) if ticked else "white",
            outline=(53, 132, 228) if ticked else (150, 150, 150),
        )
        if ticked:
            draw.line(
                (x + 3, y + side // 2, x + side // 2, y + side - 3, x + side - 3, y + 3),
                fill="white",
                width=2,
            )


def draw_radio(draw: ImageDraw.ImageDraw, x: int, y: int, side: int, on: bool, style: str) -> None:
    if style == "gtk":
        draw.ellipse(
            (x, y, x + side, y + side),
            fill=(53, 132, 228) if on else "white",
            outline=(53, 132, 228) if on else (150, 150, 150),
        )
        if on:
            inset = side * 0.35
            draw.ellipse((x + inset, y + inset, x + side - inset, y + side - inset), fill="white")
    else:  # Tk / Qt: white disc, dark dot
        draw.ellipse((x, y, x + side, y + side), fill="white", outline=(80, 80, 80), width=1)
        if on:
            inset = side * 0.3
            draw.ellipse((x + inset, y + inset, x + side - inset, y + side - inset), fill=(20, 20, 20))


@pytest.mark.parametrize("style", ["tk", "qt", "gtk"])
@pytest.mark.parametrize("side", [11, 14, 18, 24])
def test_drawn_widgets_of_other_toolkits_and_sizes(style: str, side: int) -> None:
    for ticked in (True, False):
        image = Image.new("RGB", (side + 8, side + 8), (236, 236, 236))
        draw_check_box(ImageDraw.Draw(image), 4, 4, side, ticked, style)
        crop = np.asarray(image.convert("L"), dtype=np.float32)[4 : side + 5, 4 : side + 5]
        assert indicator_shape(np.ones((side + 1, side + 1), dtype=bool)) == "checkbox"
        assert indicator_state(crop, "checkbox")[0] is ticked, (style, side, ticked)
        image = Image.new("RGB", (side + 8, side + 8), (236, 236, 236))
        draw_radio(ImageDraw.Draw(image), 4, 4, side, ticked, style)
        crop = np.asarray(image.convert("L"), dtype=np.float32)[4 : side + 5, 4 : side + 5]
        assert indicator_state(crop, "radio")[0] is ticked, (style, side, ticked)


def test_shapes_tell_discs_from_squares_and_reject_letters() -> None:
    yy, xx = np.mgrid[0:16, 0:16]
    disc = (yy - 7.5) ** 2 + (xx - 7.5) ** 2 <= 8**2
    assert indicator_shape(disc) == "radio"
    assert indicator_shape(np.ones((16, 16), dtype=bool)) == "checkbox"
    assert indicator_shape(np.ones((16, 40), dtype=bool)) is None  # a button or a field, not a box
    letter_a = np.zeros((16, 14), dtype=bool)
    for row in range(16):
        half = row * 7 // 16
        letter_a[row, 7 - half : 7 + half + 1] = True  # a filled triangle: the silhouette of an A
    assert indicator_shape(letter_a) is None


# --- whole crops: options, groups, fields -------------------------------------------------------


def test_radio_group_answers_with_the_selected_option_and_its_row_label() -> None:
    controls = by_value(controls_of("lo_en_page_style_orientation.png"))
    assert controls["Landscape"].on is True and controls["Portrait"].on is False
    assert {c.label for c in controls.values()} == {"Orientation"}
    assert controls["Landscape"].kind == "radio"


def test_check_boxes_under_a_section_heading() -> None:
    controls = by_value(controls_of("lo_en_find_replace_options.png"))
    ticked = [value for value, control in controls.items() if control.on]
    assert ticked == ["Diacritic-sensitive"]
    assert controls["Diacritic-sensitive"].group == "Other options"
    assert controls["Regular expressions"].on is False
    assert all(control.kind == "checkbox" for control in controls.values())


def test_dark_theme_radios_and_boxes_where_off_is_a_flat_disc() -> None:
    controls = by_value(controls_of("gimp_en_indexed_colors_colormap.png"))
    radios = {value: c.on for value, c in controls.items() if c.kind == "radio"}
    assert radios == {
        "Generate optimum palette": True,
        "Use web-optimized palette": False,
        "Use black and white (1-bit) palette": False,
        "Use custom palette": False,
    }
    assert controls["Remove unused and duplicate colors from colormap"].on is True
    assert controls["Enable dithering of transparency"].on is False
    assert controls["255"].label == "Maximum number of colors"
    assert controls["None"].label == "Color dithering" and controls["None"].group == "Dithering"


def test_russian_radio_column_under_a_question_heading() -> None:
    controls = [c for c in controls_of("gimp_ru_layer_mask_options.png") if c.kind == "radio"]
    assert len(controls) >= 5
    assert [c.on for c in controls].count(True) == 1
    selected = next(c for c in controls if c.on)
    assert selected.value.startswith("Белый цвет")
    assert {c.group for c in controls} == {"С чем инициализировать маску слоя"}


def test_fields_take_their_label_and_section_and_the_value_box() -> None:
    controls = {c.label: c for c in controls_of("lo_ru_page_style_margins.png")}
    assert controls["Сверху"].value == "1,80 см"
    assert controls["Слева"].value == "2,50 см"
    assert controls["Сверху"].group == "Поля"
    x0, y0, x1, _ = controls["Сверху"].value_bbox
    # The value's own box: inside the field, right of the label, on the label's row.
    assert controls["Сверху"].label_bbox is not None
    assert x0 > controls["Сверху"].label_bbox[2] and y0 < controls["Сверху"].label_bbox[3]
    assert x1 - x0 < 80


def test_a_drop_down_under_its_heading_takes_the_heading_as_label() -> None:
    controls = by_value(controls_of("lo_en_paragraph_line_spacing.png"))
    assert controls["Single"].label == "Line Spacing"
    assert controls["Single"].kind == "dropdown"
    assert controls["Activate page line-spacing"].on is False


def label_words(texts: list[tuple[str, tuple[float, float, float, float]]]) -> list[TextLine]:
    return [TextLine([Word(text, box) for text, box in texts])]


def test_phrases_split_where_a_column_gap_is() -> None:
    line = label_words(
        [
            ("Left:", (28, 299, 56, 309)),
            ("0.98”", (120, 299, 152, 309)),
            ("Page", (385, 297, 418, 312)),
            ("layout:", (422, 297, 466, 312)),
        ]
    )
    assert [p.text for p in phrases(line, 12.0)] == ["Left:", "0.98”", "Page layout:"]


def test_a_field_frame_is_found_and_a_button_is_not_a_field() -> None:
    image = Image.new("RGB", (400, 120), (242, 242, 242))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    draw.rectangle((100, 20, 300, 50), fill="white", outline=(160, 160, 160))
    draw.text((108, 27), "Letter", font=font, fill=(30, 30, 30))
    draw.rectangle((100, 70, 200, 100), fill=(225, 225, 225), outline=(160, 160, 160))
    draw.text((132, 77), "Help", font=font, fill=(30, 30, 30))
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    field = find_frame(gray, (108, 29, 152, 42), 14.0)
    assert field is not None and field.kind == "field"
    assert field.bbox == pytest.approx((100, 20, 301, 51), abs=1)
    button = find_frame(gray, (132, 79, 166, 92), 14.0)
    assert button is not None and button.kind == "button"
    assert find_frame(gray, (20, 60, 60, 75), 14.0) is None  # plain text on the dialog


def drawn_dialog() -> Image.Image:
    """A Tk-looking dialog: a radio column with its label, two check boxes, a labelled field."""
    image = Image.new("RGB", (520, 260), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 15)
    draw.text((20, 20), "Colour mode:", font=font, fill="black")
    for row, (label, on) in enumerate([("Grayscale", False), ("RGB", True), ("CMYK", False)]):
        y = 20 + row * 30
        draw_radio(draw, 140, y + 1, 16, on, "tk")
        draw.text((166, y), label, font=font, fill="black")
    draw.text((20, 120), "Output", font=font, fill="black")
    for row, (label, on) in enumerate([("Embed fonts", True), ("Compress images", False)]):
        y = 150 + row * 30
        draw_check_box(draw, 30, y + 1, 16, on, "tk")
        draw.text((56, y), label, font=font, fill="black")
    draw.text((300, 150), "Resolution:", font=font, fill="black")
    draw.rectangle((400, 143, 500, 173), fill="white", outline=(120, 120, 120))
    draw.text((408, 150), "300", font=font, fill="black")
    return image


def test_a_drawn_dialog_end_to_end_becomes_control_passages() -> None:
    image = drawn_dialog()
    result = recognize(image)
    controls = detect_controls(image, result.lines)
    found = {c.value: c for c in controls}
    assert found["RGB"].on is True and found["RGB"].label == "Colour mode"
    assert found["Grayscale"].on is False and found["CMYK"].on is False
    assert found["Embed fonts"].on is True and found["Compress images"].on is False
    assert found["Embed fonts"].group == "Output"
    assert found["300"].label == "Resolution"
    page = PageContent(1, image.width, image.height, 72.0, "ocr", lines=result.lines, controls=controls)
    passages, _ = build_passages(page)
    texts = {p.text for p in passages if p.kind == "control"}
    assert "Colour mode: RGB (selected)" in texts
    assert "Output › Embed fonts (ticked, enabled)" in texts
    assert "Resolution: 300" in texts
    control = next(p for p in passages if p.text == "Resolution: 300")
    # Label span first, value span last, each with its own box.
    assert [control.text[s.start : s.end] for s in control.spans] == ["Resolution", "300"]
    assert control.spans[1].bbox[0] > 400


def test_a_photo_or_a_text_page_has_no_controls() -> None:
    noise = np.random.default_rng(7).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    image = Image.fromarray(noise)
    assert detect_controls(image, recognize(image).lines) == []
    assert detect_controls(image, []) == []


def test_a_screenshot_is_indexed_with_its_controls(tmp_path: Path) -> None:
    path = tmp_path / "dialog.png"
    drawn_dialog().save(path)
    [page] = extract_document(path, IndexSettings()).pages
    assert any(c.value == "RGB" and c.on for c in page.content.controls)
    assert any(p.kind == "control" and p.text == "Colour mode: RGB (selected)" for p in page.passages)


def test_a_label_ocr_lost_beside_its_radio_button_is_read_again() -> None:
    # LibreOffice's PDF Options: tesseract reads "( ) JPEG compression" as "compression" alone.
    with Image.open(DATA / "lo_en_pdf_options_images.png") as image:
        rgb = image.convert("RGBA").convert("RGB")  # palette PNGs with transparency
    lines = recognize(rgb).lines
    assert "JPEG" not in " ".join(line.text for line in lines)
    controls = by_value(detect_controls(rgb, lines))
    assert controls["JPEG compression"].kind == "radio" and controls["JPEG compression"].on is True
    assert controls["Lossless compression"].on is False
    assert controls["90%"].label == "JPEG compression Quality"
    # The recovered words join the page's lines, so its text passages can be searched for them too.
    assert "JPEG compression Quality:" in [line.text for line in lines]


# --- GIMP 2.10's dark theme (our screenshots, see PROVENANCE.md) ---------------------------------


def test_bars_that_hold_their_label_and_value_are_fields() -> None:
    # GEGL filter dialogs: spin scales "Amplitude ... 25.0" and combo boxes "Wave type ... Sine ▾",
    # label and value inside one faintly outlined bar.
    controls = {c.label: c for c in controls_of("gimp_en_ripple_bars.png")}
    expected = {
        "Amplitude": "25.0",
        "Period": "200.0",
        "Phase shift": "0.000",
        "Angle": "0.00",
        "Resampling method": "Cubic",
        "Wave type": "Sine",
        "Abyss policy": "None",
    }
    assert {label: controls[label].value for label in expected if label in controls} == expected
    assert all(c.kind in ("field", "dropdown") for c in controls.values())
    # the value's box is the value's, at the bar's right end, not the label's
    assert controls["Abyss policy"].value_bbox[0] > controls["Abyss policy"].label_bbox[2] + 100  # type: ignore[index]


def test_thin_ring_radios_and_the_label_ocr_lost_in_a_focus_frame() -> None:
    # "Merge Layers": 1-px anti-aliased rings; the selected one's grey label sits in a dotted
    # focus frame that the page's OCR drops entirely.
    radios = [c for c in controls_of("gimp_en_merge_layers_radios.png") if c.kind == "radio"]
    assert [(c.value, c.on) for c in radios] == [
        ("Expanded as necessary", True),
        ("Clipped to image", False),
        ("Clipped to bottom layer", False),
    ]
    assert {c.group for c in radios} == {"Final, Merged Layer should be"}


def test_the_o_of_an_ok_button_is_not_a_radio_button() -> None:
    controls = controls_of("gimp_en_desaturate_buttons.png")
    assert [c for c in controls if c.kind in ("radio", "checkbox")] == []


def test_a_notebooks_row_of_tabs_is_one_control_listing_them() -> None:
    # LibreOffice "PDF Options": six tab captions over the notebook's edge; "General" also heads a
    # column below, and the tab row must not become that column's section.
    controls = controls_of("lo_en_pdf_options_tabs.png")
    [tabs] = [c for c in controls if c.kind == "tabs"]
    assert tabs.value == "General, Initial View, User Interface, Links, Security, Digital Signatures"
    assert tabs.value_bbox[3] < 70
    assert all(c.group != "Initial View" for c in controls)


def test_a_label_whose_bar_a_red_mark_erased_heads_no_section(tmp_path: Path) -> None:
    # Someone framed "Resampling method" in red: erasing the stroke takes the bar's edges with it,
    # so the label is left alone on its row; it is not the heading of the bars below it.
    with Image.open(DATA / "gimp_en_ripple_bars.png") as image:
        marked = image.convert("RGB")
    ImageDraw.Draw(marked).rectangle((6, 112, 170, 140), outline=(230, 20, 20), width=3)
    marked.save(tmp_path / "ripple_marked.png")
    [page] = extract_document(tmp_path / "ripple_marked.png", IndexSettings()).pages
    controls = [p.text for p in page.passages if p.kind == "control"]
    assert "Wave type: Sine" in controls and "Abyss policy: None" in controls
    assert not any(text.startswith("Resampling method ›") for text in controls)


def test_a_tables_row_of_short_cells_is_no_row_of_tabs() -> None:
    # GIMP's Unit Editor: "inches  1,000000  2  in  inch  inches" over a grid line is a table row.
    assert [c for c in controls_of("gimp_en_unit_editor.png") if c.kind == "tabs"] == []


SHOTS = Path(__file__).resolve().parents[2] / "benchmarks" / "eval" / "heldout" / "docs"


@pytest.mark.parametrize(
    ("name", "crop", "label", "value"),
    [
        ("gimp_en_configure_grid.png", (0, 60, 384, 200), "Line style", "Solid"),
        ("gimp_ru_new_guide.png", None, "Ориентация", "Горизонталь"),
    ],
)
def test_a_drop_downs_value_the_page_layout_skips_is_read_and_paired_with_its_label(
    name: str, crop: tuple[int, int, int, int] | None, label: str, value: str
) -> None:
    # GIMP's dark theme: tesseract's layout takes the framed one-line box for a picture and returns
    # it empty, so "Line style: [Solid ▾]" had lost its value.
    with Image.open(SHOTS / name) as image:
        rgb = image.convert("RGB")
    rgb = rgb.crop(crop) if crop else rgb
    controls = detect_controls(rgb, recognize(rgb).lines)
    assert (label, value) in {(c.label, c.value) for c in controls if c.kind == "dropdown"}


def test_a_property_sheets_plain_values_belong_to_their_labels() -> None:
    # An "Image Properties" sheet: labels in one column, values as plain text in the next, no frames;
    # one value holds a colon of its own.
    image = Image.new("RGB", (520, 200), (246, 246, 246))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    rows = [("Colour model:", "CMYK: coated FOGRA39"), ("File size:", "72.5 kB"), ("Layers:", "3")]
    for index, (label, value) in enumerate(rows):
        y = 20 + 40 * index
        draw.text((170 - draw.textlength(label, font=font), y), label, font=font, fill=(20, 20, 20))
        draw.text((200, y), value, font=font, fill=(20, 20, 20))
    controls = detect_controls(image, recognize(image).lines)
    assert {(c.kind, c.label, c.value) for c in controls} == {
        ("field", "Colour model", "CMYK: coated FOGRA39"),
        ("field", "File size", "72.5 kB"),
        ("field", "Layers", "3"),
    }
    size = next(c for c in controls if c.label == "File size")
    assert size.value_bbox[0] == pytest.approx(200, abs=4)


def test_a_text_page_with_a_colon_here_and_there_is_no_property_sheet() -> None:
    words = [Word("Note:", (10, 80, 50, 92), 95), Word("descale", (60, 80, 120, 92), 95)]
    found = label_value_pairs(phrases([TextLine(words)], 12.0), 12.0, dialog=False)
    assert found == []
    # The same row on a dialog (it has other controls) is a labelled value.
    [pair] = label_value_pairs(phrases([TextLine(words)], 12.0), 12.0, dialog=True)
    assert (pair.label.text, pair.value.text) == ("Note:", "descale")
    # In the window's title bar it names the window.
    title = [Word("Script-Fu:", (10, 4, 80, 14), 95), Word("New Guide", (86, 4, 150, 14), 95)]
    assert label_value_pairs(phrases([TextLine(title)], 12.0), 12.0, dialog=True) == []


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("gimp_ru_export_png.png", "Черезстрочность (Adam7)"),
        ("gimp_en_export_png.png", "Interlacing (Adam7)"),
    ],
)
def test_a_focused_label_that_lost_its_ends_to_the_focus_frame_is_read_again(name: str, label: str) -> None:
    # The focused check box's label sits in a dotted frame: OCR read "ерезстрочность (Adam7" and
    # "nterlacing (Adam", starting later than the labels of the boxes below it.
    with Image.open(SHOTS / name) as image:
        rgb = image.convert("RGB")
    boxes = [c for c in detect_controls(rgb, recognize(rgb).lines) if c.kind == "checkbox"]
    assert boxes[0].value == label and boxes[0].on is False


def test_a_bold_capital_d_is_no_check_box() -> None:
    # "Direction:" in GIMP's dark theme: the filled silhouette of its "D" is square on the left and
    # round on the right, and had been taken for a check box (the label became "irection").
    d = np.ones((10, 9), dtype=bool)  # the silhouette as GIMP draws it at 11 px
    d[0, 7:] = d[9, 7:] = False
    d[1, 8] = d[8, 8] = False
    assert indicator_shape(d) is None
    square = np.ones((14, 14), dtype=bool)
    assert indicator_shape(square) == "checkbox"


# --- lists, stacked radio groups, values in buttons ----------------------------------------------


def draw_list(
    draw: ImageDraw.ImageDraw, x: int, y: int, title: str | None, rows: list[str], chosen: int, style: str
) -> None:
    """A list box the way Qt (flat, dark-blue bar) or GTK (a tree with a column header) draws one."""
    font = ImageFont.truetype(FONT, 14)
    width, pitch = 190, 24
    top = y
    if style == "qt" and title is not None:
        draw.text((x, y), title, font=font, fill="black")
        top = y + 26
    draw.rectangle((x, top, x + width, top + 8 + pitch * (len(rows) + (style == "gtk"))), fill="white")
    draw.rectangle(
        (x, top, x + width, top + 8 + pitch * (len(rows) + (style == "gtk"))), outline=(170, 170, 170)
    )
    first = top + 4
    if style == "gtk" and title is not None:
        draw.text((x + 8, first + 3), title, font=font, fill=(90, 90, 90))
        draw.line((x + 1, first + pitch, x + width - 1, first + pitch), fill=(200, 200, 200))
        first += pitch + 2
    bar = (48, 84, 160) if style == "qt" else (53, 132, 228)
    for index, row in enumerate(rows):
        row_y = first + index * pitch
        if index == chosen:
            draw.rectangle((x + 1, row_y, x + width - 1, row_y + pitch - 1), fill=bar)
        draw.text((x + 8, row_y + 4), row, font=font, fill="white" if index == chosen else "black")


@pytest.mark.parametrize("style", ["qt", "gtk"])
def test_the_highlighted_row_of_a_list_is_its_value_under_the_lists_title(style: str) -> None:
    image = Image.new("RGB", (520, 300), (239, 239, 239))
    draw = ImageDraw.Draw(image)
    draw.text((12, 6), "Units and Grid", font=ImageFont.truetype(FONT, 14), fill="black")
    rows = ["Millimetres", "Centimetres", "Inches", "Points"]
    draw_list(draw, 20, 40, "Measurement", rows, 2, style)
    # A coloured button is no list: nothing is written flush with it above or below.
    draw.rectangle((300, 60, 440, 90), fill=(53, 132, 228))
    draw.text((330, 67), "Apply now", font=ImageFont.truetype(FONT, 14), fill="white")
    controls = detect_controls(image, recognize(image).lines)
    chosen = [c for c in controls if c.kind == "list"]
    assert [(c.label, c.value) for c in chosen] == [("Measurement", "Inches")]
    x0, y0, x1, y1 = chosen[0].value_bbox
    assert x0 >= 20 and x1 < 220 and y1 - y0 < 30  # the row's own words, not the whole list
    page = PageContent(
        1, image.width, image.height, 72.0, "ocr", lines=recognize(image).lines, controls=controls
    )
    passages, _ = build_passages(page)
    assert "Units and Grid › Measurement: Inches" in {p.text for p in passages if p.kind == "control"}


def test_a_tall_rowed_lists_chosen_row_is_its_value_even_first_in_the_list() -> None:
    # A dark theme's big list (EFL, Qt sidebars): rows five text heights apart, the chosen one first,
    # on a bar as tall as its row; the bar's edge under it is no header line.
    image = Image.new("RGB", (640, 420), (40, 40, 40))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    draw.text((20, 12), "Colour scheme", font=font, fill=(230, 230, 230))
    draw.rectangle((16, 40, 600, 400), fill=(52, 52, 52))
    rows = ["Solarized Dark (Warm)", "Solarized Light", "Gruvbox Material", "Nord Frost", "Tango Classic"]
    for index, row in enumerate(rows):
        top = 48 + index * 56
        if index == 0:
            draw.rectangle((18, top, 598, top + 54), fill=(51, 142, 238))
        draw.text((30, top + 20), row, font=font, fill=(20, 20, 20) if index == 0 else (190, 190, 190))
    controls = detect_controls(image, recognize(image).lines)
    chosen = [c for c in controls if c.kind == "list"]
    assert len(chosen) == 1
    assert chosen[0].value.startswith("Solarized Dark") and chosen[0].label == ""


def test_a_heading_between_two_radio_columns_parts_their_groups() -> None:
    # Two groups stacked in one column, close enough to be read as one: each has its own choice.
    image = Image.new("RGB", (420, 300), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 15)
    draw.text((10, 10), "Print quality", font=font, fill="black")
    for row, (label, on) in enumerate([("Draft", False), ("Normal", True)]):
        draw_radio(draw, 26, 40 + row * 28 + 1, 16, on, "tk")
        draw.text((50, 40 + row * 28), label, font=font, fill="black")
    draw.text((10, 100), "Duplex mode", font=font, fill="black")
    for row, (label, on) in enumerate([("Off", False), ("Long edge", True), ("Short edge", False)]):
        draw_radio(draw, 26, 130 + row * 28 + 1, 16, on, "tk")
        draw.text((50, 130 + row * 28), label, font=font, fill="black")
    found = by_value(detect_controls(image, recognize(image).lines))
    assert found["Normal"].on is True and found["Long edge"].on is True
    assert found["Draft"].group == "Print quality" and found["Normal"].group == "Print quality"
    assert found["Off"].group == "Duplex mode" and found["Long edge"].group == "Duplex mode"


def test_an_options_own_words_keep_a_lowercase_ending_and_a_one_letter_word() -> None:
    from indexer.controls import Phrase, _option_text

    def words(*texts: str) -> tuple[Word, ...]:
        return tuple(Word(t, (i * 60.0, 0.0, i * 60.0 + 50, 14.0), 95.0) for i, t in enumerate(texts))

    # "Restart after: [5 s]" goes on with the option; "Quality:" labels the next field.
    assert _option_text(Phrase(words("Restart", "after:")))[0] == "Restart after"
    assert _option_text(Phrase(words("JPEG", "compression", "Quality:")))[0] == "JPEG compression"
    # A one-letter word ("с", "o") written at word spacing inside a label belongs to it.
    line = TextLine(
        [
            Word("Связь", (0, 0, 40, 14), 95),
            Word("с", (45, 3, 50, 14), 96),
            Word("базой", (55, 0, 100, 14), 95),
        ],
        1,
    )
    assert [p.text for p in phrases([line], 14.0)] == ["Связь с базой"]


def test_a_button_right_after_a_label_shows_that_labels_value() -> None:
    # A file chooser draws the chosen file as a button's caption: "Save to: [ report.pdf ]".
    image = Image.new("RGB", (460, 120), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 15)
    draw.text((10, 8), "Export", font=font, fill="black")
    draw.text((16, 56), "Save to:", font=font, fill="black")
    draw.rectangle((100, 44, 260, 80), fill=(232, 232, 231), outline=(180, 180, 180))
    draw.text((140, 54), "report.pdf", font=font, fill="black")
    found = by_value(detect_controls(image, recognize(image).lines))
    assert found["report.pdf"].label == "Save to" and found["report.pdf"].kind == "field"


# --- toolkits no tuned set had: Tk (git gui), GTK 3 light and dark, shot under Xvfb ---------------


def test_tk_check_boxes_read_ticked_when_filled_and_plain_when_not() -> None:
    # git gui «Настройки» (Tk): a ticked box is a sunken square filled dark, an unticked one white.
    boxes = {c.value: c.on for c in controls_of("gitgui_ru_options_repo.png") if c.kind == "checkbox"}
    ticked = {value for value, on in boxes.items() if on}
    assert ticked == {
        "Показать отчет об изменениях после слияния",
        "Использовать Textconv для просмотра различий и авторства",
        "Показать неотслеживаемые файлы",
    }
    assert len(boxes) >= 8
    assert boxes["Суммарное сообщение при слиянии"] is False


def test_spin_boxes_far_right_of_a_forms_long_labels_are_those_labels_values() -> None:
    fields = {c.label: c.value for c in controls_of("gitgui_ru_options_repo.png") if c.kind == "field"}
    assert fields["Уровень детальности сообщений при слиянии"] == "2"
    assert fields["Максимальная длинна списка недавних репозиториев"] == "10"
    # The spin box's arrows are no value, and a number labels no bar.
    assert not any(label.isdigit() for label in fields)


def test_a_font_written_between_its_label_and_a_change_button_is_the_labels_value() -> None:
    fields = {c.label: c.value for c in controls_of("gitgui_ru_options_fonts.png") if c.kind == "field"}
    assert fields["Шрифт интерфейса"].startswith("DejaVu Sans")
    assert fields["Шрифт консоли и изменений (diff)"].startswith("DejaVu Sans")


def test_tk_list_boxes_grey_selection_bar_with_dark_letters_is_the_chosen_row() -> None:
    # Tk's font chooser: the chosen family, style and size sit on a grey bar, black letters.
    chosen = {c.value for c in controls_of("gitgui_ru_font_chooser.png") if c.kind == "list"}
    assert "DejaVu Sans" in chosen
    assert "10" in chosen


@pytest.mark.parametrize("name", ["gtk3_ru_form_light.png", "gtk3_ru_form_dark.png"])
def test_a_form_reads_alike_in_a_light_and_a_dark_theme(name: str) -> None:
    # GTK 3 Adwaita and Adwaita:dark: "Ориентация:" stands far left of its radio column, the dark
    # theme's unselected rings are 30 grey levels off the window.
    controls = controls_of(name)
    radios = {c.value.upper(): (c.label, c.on) for c in controls if c.kind == "radio"}
    assert radios["АЛЬБОМНАЯ"] == ("Ориентация", True)
    assert radios["КНИЖНАЯ"] == ("Ориентация", False)
    assert len(radios) == 3
    boxes = {c.value: c.on for c in controls if c.kind == "checkbox"}
    assert boxes == {"Двусторонняя печать": True, "Экономия тонера": False, "Печать в файл": True}
    valued = {c.label: c.value for c in controls if c.kind in ("field", "dropdown")}
    assert valued["Моноширинный шрифт"].startswith("DejaVu Sans Mono")
    [tabs] = [c for c in controls if c.kind == "tabs"]
    assert tabs.value == "Страница, Качество"


def test_dark_theme_check_boxes_and_radios_are_found_on_and_off() -> None:
    controls = controls_of("gtk3_dark_buttons.png")
    for kind in ("checkbox", "radio"):
        column = sorted((c for c in controls if c.kind == kind), key=lambda c: c.value_bbox[1])
        assert len(column) == 6
        assert [c.on for c in column[:2]] == [True, False]


def test_two_tabs_are_a_strip_when_the_open_one_is_marked_a_two_column_header_is_not(tmp_path: Path) -> None:
    with Image.open(DATA / "gtk3_dark_tabs.png") as image:
        two = image.convert("RGB").crop((0, 0, 150, 80))
    two.save(tmp_path / "two_tabs.png")
    [tabs] = [c for c in detect_controls(two, recognize(two).lines) if c.kind == "tabs"]
    assert tabs.value == "page 1, page 2"
    header = Image.new("RGB", (360, 90), (250, 250, 250))
    draw = ImageDraw.Draw(header)
    font = ImageFont.truetype(FONT, 14)
    draw.text((20, 20), "Name", font=font, fill="black")
    draw.text((200, 20), "Value", font=font, fill="black")
    draw.line((10, 44, 350, 44), fill=(120, 120, 120))
    draw.text((20, 54), "Width", font=font, fill="black")
    assert [c for c in detect_controls(header, recognize(header).lines) if c.kind == "tabs"] == []


def test_a_drop_downs_arrow_stands_apart_at_the_frames_right_end() -> None:
    zone = np.full((12, 120), 240.0, dtype=np.float32)
    zone[4:8, 104:114] = 40.0  # an arrow (or Tk's raised bar) near the right end
    assert drop_arrow(zone, 240.0, 12.0)
    text_on = zone.copy()
    text_on[3:9, 2:40] = 30.0  # letters OCR missed, right after the words read
    assert not drop_arrow(text_on, 240.0, 12.0)
    dotted = np.full((12, 120), 240.0, dtype=np.float32)
    dotted[0, ::2] = 20.0  # a focus ring's dotted line along the frame
    dotted[::2, 118] = 20.0
    assert not drop_arrow(dotted, 240.0, 12.0)


def test_a_colon_set_apart_from_its_label_still_ends_the_label() -> None:
    # Tk's "Font Face :", French "Taille :": tesseract reads the colon as a word of its own.
    words = [
        Word("Font", (10, 10, 40, 22), 95.0),
        Word("Face", (45, 10, 80, 22), 95.0),
        Word(":", (86, 12, 89, 22), 90.0),
    ]
    [label] = phrases([TextLine(words)], 12.0)
    assert label.text == "Font Face:"
    assert label.bbox == (10, 10, 89, 22)


# --- menus dropped open -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "heading", "title", "first", "with_shortcut"),
    [
        # Qt 5 (FeatherPad): disabled items in light grey, icons in a gutter, "Ctrl+Shift+Z".
        (
            "qt_en_featherpad_edit_menu.png",
            "Menu",
            "Edit",
            ["Undo", "Redo", "Cut", "Copy"],
            "Redo (Ctrl+Shift+Z)",
        ),
        # GTK 2 (amsynth), the toolkit of HexChat: a highlighted title, GTK's "Shift+Ctrl+R".
        ("gtk2_en_amsynth_preset_menu.png", "Menu", "Preset", ["Copy", "Paste"], "Rename... (Shift+Ctrl+R)"),
        # GTK 3 (Geany, Russian UI): the open title only underlined, separators, check items.
        ("gtk3_ru_geany_document_menu.png", "Меню", "Документ", ["перенос строк", "Перенос строк"], ""),
    ],
)
def test_an_open_menu_is_one_control_listing_its_items_in_order(
    name: str, heading: str, title: str, first: list[str], with_shortcut: str
) -> None:
    menus = [c for c in controls_of(name) if c.group in MENU_HEADINGS.values()]
    assert len(menus) == 1
    menu = menus[0]
    assert (menu.group, menu.label) == (heading, title)
    # Items are parted by commas, the sections that separator lines cut the menu into by " | ".
    items = [item.removeprefix("✓ ") for part in menu.value.split(" | ") for item in part.split(", ")]
    assert len(items) >= 8
    for item, expected in zip(items, first, strict=False):
        assert item.split(" (")[0].lower().endswith(expected.lower())
    if with_shortcut:
        assert with_shortcut in items
    # The menu's items are its own: none of them became a label, a value or a tab of the window behind.
    others = [c for c in controls_of(name) if c is not menu and c.kind != "checkbox"]
    assert not any(c.kind == "tabs" for c in others)


@pytest.mark.parametrize(
    "name", ["gtk2_en_amsynth_config.png", "tk_en_scanner_settings.png", "gtk3_ru_form_light.png"]
)
def test_a_dialog_with_no_menu_open_has_no_menu(name: str) -> None:
    assert not [c for c in controls_of(name) if c.group in MENU_HEADINGS.values()]


@pytest.mark.parametrize(
    ("name", "heading", "checked", "first"),
    [
        ("tk_en_popup_menu.png", "Menu", ["Word Wrap", "Status Bar", "Large Text"], "Open..."),
        (
            "tk_ru_popup_menu.png",
            "Меню",
            ["Перенос строк", "Строка состояния", "Крупный шрифт"],
            "Открыть...",
        ),
    ],
)
def test_a_popup_menu_is_read_with_its_check_marks_and_sections(
    name: str, heading: str, checked: list[str], first: str
) -> None:
    # No menu bar item above it: the menu is found by its column of items in a bordered flat box.
    menus = [c for c in controls_of(name) if c.group in MENU_HEADINGS.values()]
    assert len(menus) == 1
    menu = menus[0]
    assert menu.group == heading
    sections = [part.split(", ") for part in menu.value.split(" | ")]
    # Separators part it in four: file commands, check items, radio items, close.
    assert len(sections) == 4
    assert sections[0][0].split(" (")[0] == first
    ticked = [item.removeprefix("✓ ") for part in sections for item in part if item.startswith("✓ ")]
    # The marks OCR reads as "v" or "у" are states, not words of the items.
    assert ticked == checked
    assert all(not item.startswith(("v ", "у ", "V ")) for part in sections for item in part)


def test_a_dialog_title_bar_is_no_row_of_tabs() -> None:
    # A title centred at the top with the window's buttons at the end, the bar's edge under it, and
    # the notebook's tabs below: only the tabs are the strip.
    image = Image.new("L", (600, 300), 235)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 13)
    draw.rectangle((0, 0, 599, 22), fill=200)
    draw.line((0, 23, 599, 23), fill=90)
    draw.text((270, 4), "Options", font=font, fill=0)
    draw.text((550, 4), "_ x", font=font, fill=0)
    captions = ["General", "Editor", "Display", "Keys"]
    x = 12
    for caption in captions:
        draw.text((x, 40), caption, font=font, fill=0)
        x += 90
    draw.line((4, 62, 595, 62), fill=90)
    lines = recognize(image.convert("RGB")).lines
    gray = np.asarray(image, dtype=np.float32)
    row_phrases = phrases(lines, 13.0, gray)
    found = tab_strip(gray, row_phrases, 13.0)
    assert [p.text for p in found] == captions
    title = [p for p in row_phrases if p.text == "Options"]
    assert title and title_bar_row(title, 600, 13.0)
    assert not title_bar_row([p for p in row_phrases if p.text == "General"], 600, 13.0)


def test_a_menu_item_keeps_its_shortcut_apart_and_loses_its_icon() -> None:
    words = [
        Word("%", (10, 12, 20, 24), 90),  # the icon, in the gutter left of the texts' column
        Word("Preferences", (26, 12, 110, 24), 95),
        Word("Ctri+P", (200, 12, 240, 24), 20),  # a shortcut OCR was unsure of
        Word("Quit", (26, 40, 56, 52), 96),
        Word("Ctrl+Q", (200, 40, 240, 52), 90),
        Word("About", (26, 68, 70, 80), 96),
        Word("Reload", (26, 96, 76, 108), 96),
        Word("Ctril+G", (200, 96, 240, 108), 29),  # its "l" read as "il", and unsure
    ]
    items = menu_items(words, 12.0)
    assert [(i.text, i.shortcut) for i in items] == [
        ("Preferences", "Ctrl+P"),
        ("Quit", "Ctrl+Q"),
        ("About", ""),
        ("Reload", "Ctrl+G"),
    ]


def test_a_values_reread_starts_inside_its_frame_and_keeps_a_whole_word_tesseract_doubts() -> None:
    # A drop-down drawn right of its label: a grey side, then the value on a lighter face.
    image = Image.new("L", (300, 40), 245)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 5, 200, 34), fill=238, outline=200)
    band = np.asarray(image, dtype=np.float32)
    assert frame_inner_side(band, (52, 12, 290, 28), 10.0) == 63.0
    assert frame_inner_side(np.full((40, 300), 245, dtype=np.float32), (52, 12, 290, 28), 10.0) is None
    assert whole_word("Нормальный") and whole_word("Normal")
    # Widget debris, mixed scripts and short scraps stay out.
    assert not any(whole_word(text) for text in ("Ww", "‚:", "Hopмaльный", "ab1c", "wv"))
    assert all(arrow_debris(text) for text in ("Ww", "wv", "v", "▾"))
    assert not arrow_debris("Wave")


def test_a_latin_program_name_in_a_russian_forms_field_is_read_in_latin() -> None:
    # yad (GTK 3) in Russian: eng+rus reads the field's "mupdf" as look-alike Cyrillic ("тира?");
    # the value's own crop, read in each script, is sure in English and poor in Russian.
    fields = {c.label: c for c in controls_of("yad_ru_form.png") if c.kind == "field"}
    assert fields["Просмотр"].value == "mupdf"
    assert fields["Графика"].value == "mtpaint"
    boxes = {c.value: c.on for c in controls_of("yad_ru_form.png") if c.kind == "checkbox"}
    assert boxes == {
        "Скрывать панель инструментов": True,
        "Запоминать размер окна": False,
        "Open links in new tab": True,
        "Показывать строку состояния": True,
    }


def test_a_russian_value_stays_russian_when_read_again_in_each_script() -> None:
    image = Image.new("RGB", (420, 60), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 14)
    draw.text((10, 20), "Кодировка:", font=font, fill="black")
    draw.rectangle((120, 12, 330, 44), fill="white", outline=(150, 150, 150))
    draw.text((128, 20), "Западная", font=font, fill="black")
    fields = [c for c in detect_controls(image, recognize(image).lines) if c.kind == "field"]
    assert [(c.label, c.value) for c in fields] == [("Кодировка", "Западная")]


def test_a_short_word_ocr_doubted_between_two_words_stays_in_their_phrase() -> None:
    # Tesseract gave "in" 30 % in "Start in current folder": no debris sits between words at word spacing.
    line = [
        TextLine(
            [
                Word("Start", (50, 120, 84, 132), 30.0),
                Word("in", (88, 120, 99, 131), 30.0),
                Word("current", (104, 121, 156, 132), 95.0),
                Word("folder", (160, 120, 201, 132), 96.0),
                Word("Sine", (300, 120, 330, 132), 95.0),
                Word("vv", (334, 120, 345, 131), 20.0),
            ]
        )
    ]
    assert [p.text for p in phrases(line, 11.5)] == ["Start in current folder", "Sine"]


def test_a_ticked_box_ocr_read_as_letters_is_found_and_heads_no_section() -> None:
    image = Image.new("RGB", (420, 110), (234, 232, 227))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 13)
    draw.text((10, 6), "Параметры", font=font, fill="black")
    for row, (text, ticked) in enumerate([("Сохранять историю", True), ("Проверять почту", False)]):
        y = 34 + row * 30
        draw_check_box(draw, 12, y, 13, ticked, "tk")
        draw.text((34, y - 1), text, font=font, fill="black")
    # OCR as tesseract gave it for FOX's ticked box: a word "‘SJ" over the box, beside its label.
    lines = [
        TextLine([Word("Параметры", (10, 8, 86, 19), 95.0)]),
        TextLine(
            [
                Word("‘SJ", (12, 34, 25, 47), 70.0),
                Word("Сохранять", (34, 35, 108, 46), 96.0),
                Word("историю", (113, 35, 176, 49), 96.0),
            ]
        ),
        TextLine([Word("Проверять", (34, 65, 110, 76), 96.0), Word("почту", (115, 65, 160, 79), 96.0)]),
    ]
    controls = detect_controls(image, lines)
    boxes = {c.value: (c.on, c.group) for c in controls if c.kind == "checkbox"}
    assert boxes == {"Сохранять историю": (True, "Параметры"), "Проверять почту": (False, "Параметры")}


def test_the_letter_o_of_a_word_in_a_larger_font_is_no_radio_button() -> None:
    # A code sample in a bigger monospace font above small labels: its "o" of "or" is a disc as big
    # as a radio button beside the page's text, and OCR reads the word whole.
    image = Image.new("RGB", (480, 220), (36, 36, 36))
    draw = ImageDraw.Draw(image)
    mono = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 26)
    small = ImageFont.truetype(FONT, 11)
    lines = []
    for x, word in [(10, "_Emphasis_"), (190, "or"), (250, "*Emphasis*")]:
        draw.text((x, 14), word, font=mono, fill=(220, 220, 220))
        lines.append(TextLine([Word(word, draw.textbbox((x, 14), word, font=mono), 90.0)]))
    for row, text in enumerate(
        ["Show line numbers", "Highlight current line", "Wrap long lines", "Tab width"]
    ):
        draw.text((14, 70 + 30 * row), text, font=small, fill=(230, 230, 230))
        lines.append(TextLine([Word(text, draw.textbbox((14, 70 + 30 * row), text, font=small), 95.0)]))
    controls = detect_controls(image, lines)
    assert [c for c in controls if c.kind == "radio"] == []


def test_the_selected_row_of_a_tk_list_is_its_only_chosen_row() -> None:
    # A wish script's list box (tests/data/tk_font_list.tcl): the first row, white between the list's
    # frame and the grey selection bar below it, is the list's ground, not a second selection.
    lists = [c for c in controls_of("tk_font_list.png") if c.kind == "list"]
    assert [(c.label, c.value) for c in lists] == [("Font Family", "Noto Sans")]


def test_list_rows_ocr_lost_are_read_again_between_the_rows_it_read() -> None:
    # Tesseract's page layout skips a highlighted row and its neighbours at times (IDLE's font list):
    # the column's pitch says where they are due, and each is read on its own.
    with Image.open(DATA / "tk_font_list.png") as image:
        rgb = image.convert("RGB")
    lost = {"Noto Sans", "Noto Serif"}
    read = recognize(rgb).lines
    lines = [line for line in read if " ".join(w.text for w in line.words) not in lost]
    assert len(lines) == len(read) - 2
    [chosen] = [c for c in detect_controls(rgb, lines) if c.kind == "list"]
    # Read on its own, the row may come back with a space inside a word ("Noto Sa ns"): its place and
    # letters are what the reread recovers.
    assert chosen.label == "Font Family" and chosen.value.replace(" ", "") == "NotoSans"
    assert chosen.value_bbox[1] >= 74 and chosen.value_bbox[3] <= 93


def test_a_label_and_a_text_beyond_a_panels_side_are_no_pair() -> None:
    # "Size:" ends its panel's row; the sample text right of the two panels' sides is another panel's.
    # A value in a frame of its own ("Weight: [Bold]") is still its label's: that side ends with the row.
    image = Image.new("RGB", (400, 120), (230, 230, 230))
    draw = ImageDraw.Draw(image)
    draw.line((150, 0, 150, 119), fill=(120, 120, 120))
    draw.line((160, 0, 160, 119), fill=(120, 120, 120))
    draw.rectangle((94, 66, 136, 80), outline=(120, 120, 120))
    gray = np.asarray(image.convert("L"), dtype=np.float32)
    row = [
        TextLine([Word("Size:", (20, 42, 60, 54), 95.0)]),
        TextLine([Word("Sample", (170, 42, 220, 54), 95.0)]),
        TextLine([Word("Weight:", (20, 67, 70, 79), 95.0), Word("Bold", (100, 67, 130, 79), 95.0)]),
    ]
    pairs = label_value_pairs(phrases(row, 12.0), 12.0, True, gray)
    assert [(p.label.text, p.value.text) for p in pairs] == [("Weight:", "Bold")]
    assert len(label_value_pairs(phrases(row, 12.0), 12.0, True)) == 2


# --- values of fields in forms of other toolkits -----------------------------------------------


def fields_of(controls: list[Control]) -> dict[str, tuple[str, str, str]]:
    """label -> (kind, value, section) of a screen's fields and drop-downs."""
    return {c.label: (c.kind, c.value, c.group) for c in controls if c.kind in ("field", "dropdown")}


def test_a_gtk_forms_column_of_fields_takes_labels_without_colons_far_left_of_it() -> None:
    # GTK lays a form out in a grid: "Compression" ends far left of its combo box, no colon after it;
    # the fields' shared left edge says each row's label and field belong together.
    fields = fields_of(controls_of("gtk3_en_backup_prefs.png"))
    assert fields["Backup frequency"] == ("dropdown", "Weekly", "Schedule")
    assert fields["Compression"] == ("dropdown", "zstd", "Schedule")
    # A command's value is whole, its one-letter options included, not cut at its first space.
    assert fields["Copy command"][1:] == ("rsync -a -z --delete", "Transfer")
    # A font button in the column shows the value of the label on its row.
    assert fields["Log font"][1] == "Monospace Bold"
    russian = controls_of("gtk3_ru_backup_prefs.png")
    fields = fields_of(russian)
    assert fields["Частота копирования"] == ("dropdown", "Еженедельно", "Расписание")
    # In a Russian form a command stays Latin: its "-а", read with a Cyrillic look-alike, goes back.
    assert fields["Команда копирования"][1] == "rsync -a -z --delete"
    assert fields["Пропускать файлы с окончанием"][1] == ".exe"
    assert fields["Шрифт журнала"][1] == "Monospace Bold"
    boxes = {c.value: (c.on, c.group) for c in russian if c.kind == "checkbox"}
    assert boxes["Продолжать прерванное копирование"] == (True, "Запуск")


def test_widgets_packed_at_the_right_end_of_their_rows_take_the_labels_far_left_of_them() -> None:
    # Each row packs its widget at its right end (GTK 2 does so in its option dialogs): option menus of
    # different widths share no left edge, they share their right one, a form's column all the same.
    fields = fields_of(controls_of("tk_en_scan_options.png"))
    assert fields["Preview quality"][:2] == ("dropdown", "Draft")
    assert fields["Device name"][:2] == ("field", "scanner-2")
    fields = fields_of(controls_of("tk_ru_scan_options.png"))
    assert fields["Качество просмотра"][:2] == ("dropdown", "Черновое")
    assert fields["Источник бумаги"][:2] == ("dropdown", "Автоподатчик")


def test_a_one_digit_spin_value_glued_to_its_frame_side_is_a_value() -> None:
    # "Lines skipped per pass  [slider]  |5": OCR reads the field's left side with the digit.
    line = [
        TextLine(
            [
                Word("Lines", (19, 285, 47, 295), 96.0),
                Word("skipped", (52, 284, 110, 298), 95.0),
                Word("|5", (387, 285, 394, 295), 96.0),
            ]
        )
    ]
    assert [p.text for p in phrases(line, 11.0)] == ["Lines skipped", "|5"]
    # A frame side or cursor alone, or a digit read unsurely beside one, is no value.
    line = [TextLine([Word("Lines", (19, 285, 47, 295), 96.0), Word("|5", (387, 285, 394, 295), 40.0)])]
    assert [p.text for p in phrases(line, 11.0)] == ["Lines"]


def test_tk_entries_under_their_labels_take_them_whole_frame_lines_and_cursor_left_out() -> None:
    # OCR boxed "make" with the entry's top and bottom lines and glued the frame's side to "|~/src":
    # the frame is found around the letters, and the value is the text inside it.
    fields = fields_of(controls_of("tk_en_run_command.png"))
    assert fields["Command to run"][1] == "make -j4 install"
    assert fields["Working directory"][1] == "~/src/project"
    boxes = {c.value: c.on for c in controls_of("tk_en_run_command.png") if c.kind == "checkbox"}
    assert boxes == {"Run in terminal": False, "Keep window open": True}


def test_a_combo_box_value_ocr_lost_beside_a_label_without_colon_is_read_again() -> None:
    fields = fields_of(controls_of("galculator_ru_number_base.png"))
    assert fields["Система счисления"][:2] == ("dropdown", "Десятичная")


def test_a_field_value_keeps_its_own_brackets_and_loses_the_frames_and_the_cursors() -> None:
    assert unpaired_edges("vim]") == "vim"
    assert unpaired_edges("[POSIX catgets") == "POSIX catgets"
    assert unpaired_edges("|~/src/project") == "~/src/project"
    assert unpaired_edges("Crate [0-9]+|") == "Crate [0-9]+"
    assert unpaired_edges("(none)") == "(none)"
    assert unpaired_edges("<stdio.h>") == "<stdio.h>"
    assert unpaired_edges("[0-9]") == "[0-9]"


def test_a_leading_dot_and_command_options_stay_in_the_value_they_start_or_sit_in() -> None:
    line = label_words(
        [
            ("Suffix:", (20, 100, 70, 112)),
            (".", (120, 108, 123, 112)),
            ("bak", (127, 100, 150, 112)),
        ]
    )
    assert [p.text for p in phrases(line, 12.0)] == ["Suffix:", ".bak"]
    line = label_words(
        [
            ("ssh", (120, 100, 142, 112)),
            ("-p", (148, 100, 160, 112)),
            ("2222", (166, 100, 196, 112)),
            ("-v", (202, 100, 214, 112)),
        ]
    )
    assert [p.text for p in phrases(line, 12.0)] == ["ssh -p 2222 -v"]
    # A dash a column away is no option of the word before it.
    line = label_words([("Margins", (20, 100, 80, 112)), ("-x", (140, 100, 152, 112))])
    assert [p.text for p in phrases(line, 12.0)] == ["Margins"]


def test_letters_alike_in_both_scripts_are_read_in_the_screens_script() -> None:
    assert latin_twin("схх") == "cxx" and latin_twin(".ехе") == ".exe"
    assert latin_twin("Сжатие") is None and latin_twin("cxx") is None
    # A field of an English dialog holds ".cxx"; eng+rus read it "схх", each letter a Cyrillic twin.
    image = Image.new("RGB", (300, 60), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((100, 15, 280, 45), fill="white", outline=(120, 120, 120))
    draw.text((108, 21), ".cxx", font=ImageFont.truetype(FONT, 15), fill="black")
    misread = Phrase((Word("схх", (113, 24, 140, 37), 60.0),))
    assert settle_value_scripts(image, [misread], latin_screen=True) == 1
    assert misread.words[0].text == "cxx"


def test_an_instruction_above_a_forms_fields_heads_no_section() -> None:
    # Right-aligned labels: the instruction's lines start left of the shorter label, as a heading would.
    image = Image.new("RGB", (560, 240), (236, 236, 236))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 15)
    draw.text((70, 20), "Exclusions", font=font, fill="black")
    draw.text((80, 50), "List the files to leave out of the archive, or keep the", font=font, fill="black")
    draw.text((80, 72), "list empty to pack everything.", font=font, fill="black")
    for row, (label, value) in enumerate([("Skip files:", "*.bak"), ("Temp:", "~/tmp")]):
        y = 110 + row * 40
        width = draw.textlength(label, font=font)
        draw.text((150 - width, y), label, font=font, fill="black")
        draw.rectangle((160, y - 7, 420, y + 23), fill="white", outline=(120, 120, 120))
        draw.text((168, y), value, font=font, fill="black")
    fields = fields_of(detect_controls(image, recognize(image).lines))
    assert fields["Skip files"][2] == "Exclusions" and fields["Temp"][2] == "Exclusions"
    # A heading asking what its options choose is one.
    draw.rectangle((0, 40, 560, 100), fill=(236, 236, 236))
    draw.text((40, 72), "Which files should be skipped?", font=font, fill="black")
    fields = fields_of(detect_controls(image, recognize(image).lines))
    assert fields["Skip files"][2] == "Which files should be skipped?"


# --- X toolkit forms: raised label boxes, pale framed fields on grey (tests/data/xaw_form.py) -------


def test_a_compound_name_is_one_value_word() -> None:
    assert (
        compound_name("lab-plotter-2nd-wing")
        and compound_name("sides=two-sided")
        and compound_name("usr/local/bin")
    )
    assert not compound_name("Plotter") and not compound_name("two-sided") and not compound_name("-o")


def test_the_inside_of_a_pale_field_is_read_without_the_label_box_and_frame_before_it() -> None:
    # "Queue Options [-o sides=two-sided]": the band starts just inside the label box's edge; the
    # field's own border follows, and the inside starts after it and ends before its right side.
    with Image.open(DATA / "xaw_form_en.png") as image:
        gray = np.asarray(image.convert("L"), dtype=np.float32)
    inside = frame_inside(gray, (113, 63, 412, 85), 14.0)
    assert inside is not None
    x0, y0, x1, y1 = inside
    field = gray[round(y0) : round(y1), round(x0) : round(x1)]
    assert 122 < x0 < 128 and 300 < x1 < 314  # the text starts at 128, the right side stands at 313
    # Nothing of a frame left inside: the pale fill holds the letters alone.
    assert float(np.median(field)) > 235 and float(field[:, :2].min()) > 200


@pytest.mark.parametrize(
    ("name", "label_words", "value"),
    [
        ("xaw_form_en.png", ("Queue", "Options"), "sides=two-sided"),
        ("xaw_form_ru.png", ("Параметры", "очереди"), "media=a3-roll"),
    ],
)
def test_a_value_lost_in_a_field_is_read_again_inside_its_frame(
    name: str, label_words: tuple[str, ...], value: str
) -> None:
    # OCR's page pass loses a value inside an X toolkit's field now and then (xfig's printer name):
    # the labels alone are left, and the field right of each is read on its own.
    with Image.open(DATA / name) as image:
        rgb = image.convert("RGB")
    lines = recognize(rgb).lines
    labels = [
        TextLine([w for w in line.words if w.text.strip("|") in label_words], line.block) for line in lines
    ]
    labels = [line for line in labels if line.words]
    height = text_height([w for line in lines for w in line.words])
    assert recover_values(rgb, labels, height)
    read = [w for line in labels for w in line.words if w.text not in label_words]
    assert [w.text for w in read][-1] == value  # the caret under its end is no letter of it
    assert all(w.bbox[0] > 120 for w in read)  # nothing of the label box's edge or the field's side


def test_a_label_box_and_its_field_are_a_pair_not_a_row_of_tabs() -> None:
    # "Плоттер [kyocera-otdel-7]": a raised label and a framed field over the panel's edge looked
    # like two tabs; a compound name is a value, never a tab's caption.
    controls = controls_of("xaw_form_ru.png")
    assert not [c for c in controls if c.kind == "tabs"]
    assert by_value(controls)["kyocera-otdel-7"].label == "Плоттер"
    assert not [c for c in controls_of("xaw_form_en.png") if c.kind == "tabs"]


@pytest.mark.parametrize(
    ("name", "chosen", "neighbour"),
    [("web_en_storage.png", "Storage", "Privacy"), ("web_ru_storage.png", "Хранилище", "Конфиденциальность")],
)
def test_a_web_side_menus_tinted_pill_marks_its_chosen_item(name: str, chosen: str, neighbour: str) -> None:
    # A pale tint (16 grey levels off white) behind one item of a web page's side menu: that item is the
    # menu's chosen one, written as a menu with it checked; the item above is no section heading.
    menus = [c for c in controls_of(name) if c.group in MENU_HEADINGS.values()]
    assert len(menus) == 1
    items = menus[0].value.split(", ")
    assert f"✓ {chosen}" in items and neighbour in items
    assert sum(item.startswith("✓") for item in items) == 1


def test_a_row_read_faintly_is_not_replaced_by_a_second_reading_no_longer_than_it() -> None:
    # The tinted row's first word was read a little above its row with low confidence, the second in
    # place: a second reading of the row's slot must replace both, never stand beside the first word.
    first = Word("Внешний", (69.0, 437.0, 127.5, 448.0), 31.9, 11.0)
    lines = [TextLine([first, Word("вид", (132.0, 440.0, 156.0, 450.5), 31.9, 10.5)], 0)]
    fresh = [
        Word("внешнии", (69.0, 444.0, 127.0, 455.0), 60.0, 11.0),
        Word("вид", (132.0, 444.0, 156.0, 455.0), 60.0, 11.0),
    ]
    assert not _put_rereadings(lines, [((65.0, 444.0, 209.0, 459.0), fresh)], [first])
    assert [w.text for w in lines[0].words] == ["Внешний", "вид"]


def test_a_word_boxed_back_to_front_on_a_tinted_pill_is_no_selection_and_breaks_nothing() -> None:
    # A word whose box ends left of where it starts (a re-reading clipped at a picture's edge) has the
    # pill's plain stretch beside it but no letters: it is no chosen item, and reading it raised (a
    # figure of a manual was left unread by it).
    with Image.open(DATA / "web_en_storage.png") as image:
        rgb = image.convert("RGB")
    gray = np.asarray(rgb.convert("L"), dtype=np.float32)
    word = next(w for line in recognize(rgb).lines for w in line.words if w.text == "Storage")
    x0, y0, x1, y1 = word.bbox
    assert _tint_fill(gray, word.bbox, y1 - y0) is not None
    assert _tint_fill(gray, (x1, y0, x0, y1), y1 - y0) is None


# --- Qt 5 two-column forms and menus (QFormLayout, shortcuts column) -----------------------------


@pytest.mark.parametrize(
    ("name", "values"),
    [
        (
            "qt_en_form_prefs.png",
            {"Columns": "3", "Width of preview thumbnails": "240.00 px", "Undo steps": "9"},
        ),
        (
            "qt_ru_form_prefs.png",
            {"Столбцы": "3", "Шаги отмены": "9", "Предел памяти": "256 МБ"},
        ),
    ],
)
def test_a_qt_forms_values_stand_beside_their_labels_across_the_column_gap(
    name: str, values: dict[str, str]
) -> None:
    # A QFormLayout sets every field right of its longest label: a short label's spin box or combo box
    # stands far off, and a one-digit value there is no stroke of a widget.
    read = {c.label: c.value for c in controls_of(name)}
    for label, value in values.items():
        assert read.get(label) == value, (label, read)


@pytest.mark.parametrize(
    ("name", "labels"),
    [
        ("qt_en_form_prefs.png", ("Columns:", "Width", "of", "preview", "thumbnails:", "Memory", "limit:")),
        ("qt_ru_form_prefs.png", ("Столбцы:", "Ширина", "миниатюр", "предпросмотра:", "Предел", "памяти:")),
    ],
)
def test_values_lost_far_right_of_their_labels_are_read_inside_their_frames(
    name: str, labels: tuple[str, ...]
) -> None:
    # The page pass loses values inside frames a column away from their labels now and then: with the
    # labels alone left, each frame on the label's row is found and read on its own.
    with Image.open(DATA / name) as image:
        rgb = image.convert("RGB")
    lines = recognize(rgb).lines
    height = text_height([w for line in lines for w in line.words])
    kept = [TextLine([w for w in line.words if w.text in labels], line.block) for line in lines]
    kept = [line for line in kept if line.words]
    assert recover_values(rgb, kept, height)
    rows = [
        " ".join(w.text for w in line.words) for line in kept if all(w.text not in labels for w in line.words)
    ]
    # (The unit's script, "МБ" on the Russian screen, is settled with the controls: see the test above.)
    assert "3" in rows and any(row.startswith("256 ") for row in rows), rows
    assert any(row.startswith("240") and row.endswith(" px") for row in rows), rows


def test_a_qt_fields_command_keeps_its_placeholders() -> None:
    # "nvim +%4 %f": the argument placeholders are mostly signs, yet words of the value.
    assert by_value(controls_of("qt_ru_form_prefs.png"))["nvim +%4 %f"].label == "Команда просмотра"
    values = [c.value for c in controls_of("qt_en_form_prefs.png") if c.label == "Viewer command"]
    assert values and "+%4" in values[0].split()


def test_placeholders_and_options_go_on_a_command_phrase() -> None:
    words = [
        Word("Editor:", (10, 10, 60, 22), 96),
        Word("less", (200, 10, 230, 22), 92),
        Word("+%3", (236, 10, 262, 22), 90),
        Word("$1", (268, 10, 282, 22), 90),
    ]
    found = phrases([TextLine(words, 1)], 12.0)
    assert [p.text for p in found] == ["Editor:", "less +%3 $1"]


@pytest.mark.parametrize(
    ("read", "shortcut"),
    [("Fll", "F11"), ("F1l", "F11"), ("Ctri+l", "Ctrl+L"), ("Ctrl+Shift+!", "Ctrl+Shift+I"), ("F12", "F12")],
)
def test_a_shortcut_is_written_as_menus_write_it(read: str, shortcut: str) -> None:
    assert shortcut_text(read) == shortcut


@pytest.mark.parametrize(
    ("name", "shortcuts"),
    [
        ("qt_en_edit_menu.png", {"Join lines": "Ctrl+J", "Word count": "F7", "Insert date": "Shift+F5"}),
        (
            "qt_ru_edit_menu.png",
            {"Объединить строки": "Ctrl+J", "Подсчёт слов": "F7", "Вставить дату": "Shift+F5"},
        ),
    ],
)
def test_an_open_qt_menus_shortcuts_are_read_in_latin_letters(name: str, shortcuts: dict[str, str]) -> None:
    # Read with Russian, a menu's shortcut column loses keys ("F7", "Ctrl+J" garbled): it is read
    # again in English alone, as shortcuts are written whatever the menu's language.
    menus = [c for c in controls_of(name) if c.group in MENU_HEADINGS.values()]
    assert len(menus) == 1
    items = menus[0].value.replace(" | ", ", ").split(", ")
    for item, key in shortcuts.items():
        assert f"{item} ({key})" in items, items
