"""Labels picked by where they stand in their figure: the label at a place the question says ("the
right end of the bottom row", "справа в верхнем ряду"), the one of several labels naming the asked noun
that stands there ("the lowest level"), the heading of the box holding what the question lists, and a
heading asked for, which stands over what it heads.

The figures are invented here (PIL with a real font, pasted into a text PDF): a paint maker's colour
chart, a tank's level gauge, a Russian weather station's block diagram and a quota table drawn as a
picture. The manual is indexed for real (pdfium, tesseract) and asked through the assistant, so every
answer comes out of the pictures' pixels.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PIL import Image, ImageDraw

from assistant import Assistant
from assistant.generators.diagrams import (
    CONTAINER_QUESTION,
    Place,
    asked_noun,
    asked_place,
    container_title,
    headed_by,
    placed,
)
from assistant.generators.figures import is_origin
from tests.assistant.generators.figure_manuals import (
    STYLES,
    FigurePage,
    figure_manual,
    figure_text,
    gallery_image,
)
from tests.conftest import font

SWATCHES = [["AMBER", "COBALT", "SAFFRON"], ["OLIVE", "CRIMSON", "TEAL"], ["UMBER", "IVORY", "MAUVE"]]
LEVELS = ["Level 0.0", "Level 1.5", "Level 3.0"]
BLOCKS = {"Питание": ["Аккумулятор", "Стабилизатор"], "Связь": ["Радиомодем", "Антенна"]}


def chart_image() -> Image.Image:
    """A paint maker's colour chart: three rows of three swatches, each colour's name under its swatch."""
    image = Image.new("RGB", (1500, 1000), "white")
    draw = ImageDraw.Draw(image)
    for row, names in enumerate(SWATCHES):
        for column, name in enumerate(names):
            x, y = 120 + column * 460, 60 + row * 310
            draw.rectangle((x, y, x + 280, y + 170), fill=(90 + 50 * column, 120, 160 - 40 * row))
            draw.text((x + 140, y + 215), name, font=font(34), fill="black", anchor="mm")
    return image


def gauge_image() -> Image.Image:
    """A tank's level gauge: a scale whose marks are named at the left, the depth between two of them
    written between their marks, the tank's outline at the right."""
    image = Image.new("RGB", (1400, 1000), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((700, 80, 1300, 940), outline="black", width=5)
    for index, name in enumerate(LEVELS):
        y = 120 + index * 380
        draw.text((60, y), name, font=font(34), fill="black", anchor="lm")
        draw.line((360, y, 1300, y), fill="black", width=3)
    draw.text((80, 690), "Depth 2.0", font=font(34), fill="black", anchor="lm")
    draw.line((150, 520, 150, 660), fill="black", width=3)
    draw.line((150, 720, 150, 860), fill="black", width=3)
    return image


def station_image() -> Image.Image:
    """A weather station's block diagram: two boxes, each headed by its name over the parts it holds."""
    image = Image.new("RGB", (1500, 700), "white")
    draw = ImageDraw.Draw(image)
    for index, (name, parts) in enumerate(BLOCKS.items()):
        x = 80 + index * 760
        draw.rectangle((x, 80, x + 600, 560), outline="black", width=5)
        draw.text((x + 50, 130), name, font=font(38), fill="black")
        for row, part in enumerate(parts):
            draw.text((x + 50, 260 + row * 110), part, font=font(32), fill="black")
    draw.line((680, 320, 840, 320), fill="black", width=5)
    return image


def quota_image() -> Image.Image:
    """A quota table drawn as a picture: its one column heading over the rows' limits."""
    image = Image.new("RGB", (900, 800), "white")
    draw = ImageDraw.Draw(image)
    draw.text((320, 60), "Quota", font=font(40), fill="black")
    draw.rectangle((80, 160, 820, 740), outline="black", width=4)
    for row, limits in enumerate(["soft 10G", "hard 12G", "grace 7d"]):
        draw.text((140, 240 + row * 160), limits, font=font(32), fill="black")
    return image


PAGES: list[FigurePage] = [
    (
        "2. Colour chart",
        "Every colour of the range is shown on the chart; order paint by the name printed under its swatch.",
        chart_image(),
        "Figure 2. Colour chart of the interior range",
    ),
    (
        "3. Level gauge",
        "The gauge on the side of the tank shows how much water is left. Read it at eye level.",
        gauge_image(),
        "Figure 3. Level gauge of the tank",
    ),
    (
        "4. Устройство станции",
        "Метеостанция собрана из двух блоков, соединённых кабелем; каждый блок можно заменить отдельно.",
        station_image(),
        "Рисунок 4. Блок-схема метеостанции",
    ),
    (
        "5. Quotas",
        "Each user may store files up to the limits below; past the soft limit a grace period starts.",
        quota_image(),
        "Figure 5. Storage quota of a user",
    ),
    (
        "6. Frame styles",
        "Every frame style of the toolkit is drawn on the panel below; pick one by its name.",
        gallery_image(),
        "Figure 6. Frame styles of the toolkit",
    ),
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("figure-places")
    manual = figure_manual(folder / "paint-and-tank-guide.pdf", PAGES, small_width=120)
    assistant = Assistant(folder / "ws", background_enrichment=False)
    assistant.add([manual])
    yield assistant
    assistant.close()


def test_the_drawings_labels_are_read(assistant: Assistant) -> None:
    # Without them every answer below fails for a reason other than the one it tests.
    assert all(name in figure_text(assistant, 1) for row in SWATCHES for name in row)
    assert all(level in figure_text(assistant, 2) for level in LEVELS)
    assert "Связь" in figure_text(assistant, 3) and "Радиомодем" in figure_text(assistant, 3)
    assert "Quota" in figure_text(assistant, 4)
    # Small letters on a blue panel: OCR may miss one of the upper names, not the bottom row asked about.
    assert all(name in figure_text(assistant, 5) for name in STYLES[2])
    assert sum(name in figure_text(assistant, 5) for row in STYLES for name in row) >= 7


@pytest.mark.parametrize(
    ("question", "page", "label"),
    [
        # A place in the grid: the row first, then its end.
        ("Which colour is shown at the left end of the bottom row of the colour chart?", 1, "UMBER"),
        ("Which colour is printed in the top right-hand corner of the colour chart?", 1, "SAFFRON"),
        ("Какой цвет показан справа в верхнем ряду на рисунке с таблицей цветов?", 1, "SAFFRON"),
        # Of the labels naming the asked noun, the one at the place asked; the only one naming it.
        ("At which level is the lowest mark of the tank gauge drawn?", 2, "Level 3.0"),
        ("In the level gauge figure, which level is marked at the top?", 2, "Level 0.0"),
        ("What depth is marked between the second and third marks of the level gauge?", 2, "Depth 2.0"),
        # The box holding the parts the question lists is named by its heading.
        ("В каком блоке схемы метеостанции находятся радиомодем и антенна?", 3, "Связь"),
        # A heading stands over what it heads.
        ("What column heading is shown in the storage quota figure?", 4, "Quota"),
        # A row of the gallery read as one line: its names are its cells.
        (
            "Which frame style is drawn at the right end of the bottom row of the frame styles figure?",
            5,
            "XB_DASHED",
        ),
        ("Какой стиль рамки нарисован слева в среднем ряду на рисунке стилей рамок?", 5, ""),
    ],
)
def test_a_label_is_picked_by_its_place(assistant: Assistant, question: str, page: int, label: str) -> None:
    answer = assistant.ask(question)
    if not label:
        # "The middle row" is no place this reader knows: it must not answer with an end row's label.
        assert not any(name in answer.text for name in STYLES[0] + STYLES[2]), answer.text
        return
    assert answer.found, answer.text
    assert label.lower() in answer.text.lower(), answer.text
    assert answer.citations[0].page == page
    # The one label, not the row it was read in.
    assert len(answer.text.split()) <= len(label.split()) + 1, answer.text


def test_a_place_that_belongs_to_a_named_label_picks_nothing(assistant: Assistant) -> None:
    # "the top row" says where COBALT is, the question asks about COBALT's neighbour by name: the place
    # alone must not answer it with the row's end.
    answer = assistant.ask("In the colour chart, which swatch of the top row stands right of COBALT?")
    assert "AMBER" not in answer.text


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("Which box type is at the right end of the bottom row?", Place(1, 1)),
        ("What is in the top left corner of the panel?", Place(-1, -1)),
        ("Which entry is at the bottom of the left column?", Place(1, -1, rows_first=False)),
        ("Что написано внизу справа?", Place(1, 1)),
        ("Какая кнопка в левой колонке верхняя?", Place(-1, -1, rows_first=False)),
        ("What column heading does the figure show?", Place(-1, 0)),
        # No place: a top-level diagram, upper case letters, the right value.
        ("What does the top-level diagram show?", None),
        ("Which key types the upper case letters?", None),
        ("What is the right value for the timeout?", None),
        ("Какое правило задаёт нижний предел?", None),
    ],
)
def test_the_place_a_question_says(question: str, place: Place | None) -> None:
    assert asked_place(question) == place


def test_labels_are_picked_in_a_grid_and_a_column() -> None:
    # A 2 x 3 grid of label boxes (x0, y0, x1, y1), rows 100 px apart, labels 20 px high.
    grid = [(x, y, x + 80, y + 20) for y in (0, 100) for x in (0, 200, 400)]
    assert placed(grid, Place(1, 1)) == 5
    assert placed(grid, Place(-1, -1)) == 0
    assert placed(grid, Place(1, 0)) is None  # three labels on the bottom row, no side said
    assert placed(grid, Place(0, 1, rows_first=False)) is None
    assert placed(grid, Place(1, 0), among=[0, 1, 4]) == 4
    # A box's heading over its items (left edges in line), a label of another box beside them.
    boxes = [(10, 0, 120, 20), (10, 40, 150, 60), (10, 80, 140, 100), (300, 0, 400, 20)]
    assert container_title(boxes, [1, 2]) == 0
    assert container_title(boxes, [1, 3]) is None  # not one column
    assert container_title(boxes, []) is None


def test_the_asked_noun_and_the_labels_naming_it() -> None:
    assert asked_noun("At which location is the bottom line drawn?") == "locat"
    assert asked_noun("Какой тип счётчика подписан внизу?") == "тип"
    texts = ["Location 0.0", "Width 1.0", "Location 1.5", "Locations", "Interval"]
    assert headed_by("locat", texts) == [0, 2]
    assert headed_by("width", texts) == [1]
    assert headed_by("", texts) == []
    assert CONTAINER_QUESTION.search("Which box of the diagram holds the loader and the parser?")
    assert CONTAINER_QUESTION.search("В каком блоке находятся драйверы?")
    assert not CONTAINER_QUESTION.search("Which box should be ticked to keep the log?")


def test_where_an_arrow_starts_is_no_answer_to_where_it_leads() -> None:
    assert is_origin("What does the dashed arrow from the sensor hub box lead to?", "sensor hub")
    assert is_origin("Куда ведёт стрелка от блока Питание?", "Питание")
    assert not is_origin("What does the arrow from the sensor hub lead to?", "radio modem")
    assert not is_origin("Which list is built from the sources?", "sources list")
