"""Tesseract OCR (eng+rus): words, boxes where the text was drawn, confidences; decided page by page."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from PIL import Image, ImageDraw

from indexer.ocr import (
    OcrResult,
    OcrSettings,
    OcrUnavailable,
    blank_regions,
    cased_by_height,
    choose_reading,
    choose_russian_reading,
    cyrillic_in_latin_phrases,
    glyph_extents,
    latin_among_russian,
    latin_between_russian,
    latin_lookalikes,
    latin_specifiers,
    parse_tsv,
    recognize,
    suspicious_words,
    without_frame,
    words_among_russian,
)
from indexer.pipeline import extract_document
from indexer.records import TextLine, Word
from indexer.settings import IndexSettings
from tests.conftest import font

if TYPE_CHECKING:
    from conftest import Corpus, Maker


def read_lines(image: Image.Image) -> list[str]:
    return [line.text for line in recognize(image).lines]


def test_english_lines_are_read_with_boxes_where_they_were_drawn(make: Maker) -> None:
    shot = make.screenshot("prefs.png", ["Suction power: High", "Auto shut-off after 30 minutes"])
    with Image.open(shot.path) as image:
        result = recognize(image.convert("RGB"))
    assert [line.text for line in result.lines] == ["Suction power: High", "Auto shut-off after 30 minutes"]
    assert result.mean_confidence is not None and result.mean_confidence > 80
    for line in result.lines:
        drawn = shot.labels[line.text]
        box = line.bbox
        # Boxes come back in the image's pixels although tesseract saw an upscaled copy.
        assert box == pytest.approx(drawn, abs=4)


def test_russian_text_is_read(make: Maker) -> None:
    shot = make.screenshot("ru.png", ["Мощность всасывания: Высокая", "Меняйте мешок каждые 4 недели"])
    with Image.open(shot.path) as image:
        assert read_lines(image.convert("RGB")) == [
            "Мощность всасывания: Высокая",
            "Меняйте мешок каждые 4 недели",
        ]


def test_light_text_on_a_dark_selection_is_read_too(make: Maker) -> None:
    image = Image.new("RGB", (520, 160), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), "Brush speed: Normal", font=make.font(18), fill=(20, 20, 20))
    draw.rectangle((10, 80, 400, 112), fill=(40, 70, 160))
    draw.text((20, 86), "Filter reminder: On", font=make.font(18), fill=(255, 255, 255))
    lines = read_lines(image)
    assert "Brush speed: Normal" in lines
    assert "Filter reminder: On" in lines


def test_blank_image_has_no_lines() -> None:
    result = recognize(Image.new("RGB", (300, 200), "white"))
    assert result.lines == []


def test_tsv_coordinates_are_scaled_back_and_noise_dropped() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t100\t40\t80\t20\t96.5\tReplace",
        "5\t1\t1\t1\t1\t2\t190\t40\t60\t20\t91.0\tbag",
        "5\t1\t1\t1\t1\t3\t260\t40\t10\t20\t12.0\t|",
        "5\t1\t2\t1\t1\t1\t100\t200\t90\t20\t88.0\tweekly",
        "4\t1\t2\t1\t1\t0\t100\t200\t90\t20\t-1\t",
    ]
    result = parse_tsv("\n".join([header, *rows]), scale=2.0)
    assert [line.text for line in result.lines] == ["Replace bag", "weekly"]
    assert result.lines[0].words[0].bbox == (50.0, 20.0, 90.0, 30.0)
    assert result.lines[0].block != result.lines[1].block
    assert result.mean_confidence == pytest.approx((96.5 + 91 + 12 + 88) / 4)


def test_missing_tesseract_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OcrUnavailable, match="apt-get install tesseract-ocr"):
        recognize(Image.new("RGB", (100, 100), "white"))


def test_missing_language_pack_says_how_to_install_it() -> None:
    with pytest.raises(OcrUnavailable, match="lacks language data"):
        recognize(Image.new("RGB", (100, 100), "white"), OcrSettings(languages="xyz"))


def test_ocr_is_decided_per_page(corpus: Corpus, make: Maker) -> None:
    document = extract_document(corpus.mixed, IndexSettings())
    text_page, scanned = document.pages
    assert text_page.content.text_source == "pdf" and text_page.content.ocr_confidence is None
    assert scanned.content.text_source == "ocr" and (scanned.content.ocr_confidence or 0) > 80
    assert [p.text for p in scanned.passages] == ["\n".join(make.scan_text)]
    for passage in scanned.passages:
        x0, y0, x1, y1 = passage.bbox
        assert 0 <= x0 < x1 <= scanned.content.width and 0 <= y0 < y1 <= scanned.content.height


def test_screenshots_and_tiff_frames_are_ocred(corpus: Corpus) -> None:
    document = extract_document(corpus.tiff, IndexSettings())
    assert [page.content.text_source for page in document.pages] == ["ocr", "ocr"]
    texts = [" ".join(p.text for p in page.passages) for page in document.pages]
    assert "Charge it for 5 hours" in texts[0] and "Empty it after use" in texts[1]


DATA = Path(__file__).resolve().parents[1] / "data"


def test_latin_words_in_a_russian_dialog_keep_their_script() -> None:
    # LibreOffice's Russian PDF options: "Версия PDF/A:" came out as "Bepcua PDF/A:" and "FDF" as "ЕОЕ".
    with Image.open(DATA / "lo_ru_pdf_options_forms.png") as image:
        texts = read_lines(image.convert("RGB"))
    assert "Версия PDF/A: PDF/A-3b" in texts
    assert "Формат передачи: FDF" in texts
    assert "Создать форму PDF" in texts


def test_acronyms_in_drawn_russian_ui_text(make: Maker) -> None:
    shot = make.screenshot("ru_acronyms.png", ["Подключение по USB: разрешено", "Режим HDR: выключен"])
    with Image.open(shot.path) as image:
        text = " ".join(read_lines(image.convert("RGB")))
    assert "USB" in text and "HDR" in text and "Режим" in text


def test_suspicious_words_are_acronyms_mixed_tokens_and_cyrillic_on_english_screens() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    russian = [Word(t, box) for t in ["Формат", "передачи:", "ЕОЕ", "ВСВ-профиль", "А4", "Сжатие", "и"]]
    assert [w.text for w in suspicious_words(russian)] == ["ЕОЕ", "ВСВ-профиль", "А4"]
    english = [Word(t, box) for t in ["Reduce", "image", "resolution", "Радез:", "to", "у"]]
    assert [w.text for w in suspicious_words(english)] == ["Радез:"]
    assert [
        w.text
        for w in latin_lookalikes(
            [Word(t, box) for t in ["Bepcua", "PDF", "Liberation", "Формат", "передачи", "Создать", "форму"]]
        )
    ] == ["Bepcua"]
    assert latin_lookalikes(english) == []


@pytest.mark.parametrize(
    ("word", "confidence", "english", "latin_screen", "expected"),
    [
        ("ЕОЕ", 69, [("FDF", 92.7)], False, "FDF"),
        ("ОР!", 93, [("DPI", 91.2)], False, "DPI"),
        ("РОЕ/А:", 88, [("PDF/A:", 92.4)], False, "PDF/A:"),
        # The capitals are replaced, the Russian word beside them is kept whatever English made of it.
        ("ВСВ-профиль:", 78, [("RGB-npodunb:", 26.5)], False, "RGB-профиль:"),
        ("1СС-профиль", 78, [("ICC-npogunb", 70.1)], False, "ICC-профиль"),
        # A confident word with a letter no Latin letter resembles is Russian ("МБ", "ГОСТ")...
        ("ГОСТ", 95, [("TOCT", 90.0)], False, None),
        # ...unless the whole screen is English: there it is a misread English word.
        ("Радез:", 91, [("Pages:", 96.6)], True, "Pages:"),
        ("Радез:", 91, [("Pages:", 96.6)], False, None),
        ("Р052", 87, [("PO52", 59.7)], False, None),  # English is less sure: keep
        ("Ета", 47, [("Find)", 76.5)], True, "Find"),  # a bracket without its partner is dropped
        ("Сжатие", 96, [("Cxatue", 40.0)], False, None),
        ("ЕОЕ", 69, [], False, None),
    ],
)
def test_the_better_reading_is_kept(
    word: str, confidence: float, english: list[tuple[str, float]], latin_screen: bool, expected: str | None
) -> None:
    assert choose_reading(Word(word, (0, 0, 10, 10), confidence), english, latin_screen) == expected


def test_a_russian_reading_replaces_a_latin_lookalike_only_when_clearly_surer() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    assert choose_russian_reading(Word("Bepcua", box, 88), [("Версия", 96.9)]) == "Версия"
    assert choose_russian_reading(Word("Mono", box, 97), [("Мопо", 90.4)]) is None
    assert choose_russian_reading(Word("Bepcua", box, 88), [("Вер", 96.0), ("сия", 90.0)]) is None


def test_latin_words_inside_russian_phrases_are_read_again() -> None:
    box = (0.0, 0.0, 10.0, 10.0)
    lines = [
        TextLine([Word("Смещение", box, 93), Word("no", box, 91), Word("Y", box, 91)]),
        TextLine([Word("user", box, 78), Word("фона", box, 85)]),
        # names stay: acronyms, words with digits, a confident English word, Latin with no Russian beside it
        TextLine([Word("Справка", box, 97), Word("OK", box, 80)]),
        TextLine([Word("Чересстрочность", box, 95), Word("Adam7", box, 70)]),
        TextLine([Word("Обработка", box, 96), Word("Clamp", box, 93)]),
        TextLine([Word("Generic", box, 60), Word("Printer", box, 70)]),
        TextLine(
            [Word(t, box, 95) for t in ["Параметры", "смешивания", "Предпросмотр", "Сравнение", "до/после"]]
        ),
    ]
    assert [w.text for w in latin_among_russian(lines)] == ["no", "user"]
    english = [TextLine([Word(t, box, 60) for t in ["Offset", "no", "X"]])]
    assert latin_among_russian(english) == []
    # a short Russian function word read confidently is taken; a longer word needs clear gain
    assert choose_russian_reading(Word("no", box, 91), [("по", 92.7)]) == "по"
    assert choose_russian_reading(Word("user", box, 78), [("Цвет", 96.3)]) == "Цвет"
    assert choose_russian_reading(Word("Clamp", box, 93), [("Сатр", 88.0)]) is None


def test_por_read_as_no_in_gimps_dark_russian_ui_is_searchable_as_russian() -> None:
    # GIMP 2.10 «Пикселизация» (dark theme): «Смещение по X», «Коэффициент размера по Y»; eng+rus
    # reads «по» as the Latin look-alike «no».
    with Image.open(Path(__file__).resolve().parents[1] / "data" / "gimp_ru_pixelize_offsets.png") as image:
        words = [w.text for line in recognize(image.convert("RGB")).lines for w in line.words]
    assert "no" not in words
    assert words.count("по") >= 3


def test_frame_lines_around_boxed_text_are_whitened_and_letters_kept() -> None:
    paper = np.full((30, 120), 255.0)
    paper[2, 5:115] = 0  # a solid top edge
    paper[27, 5:115:2] = 0  # a dotted bottom edge (a focus frame)
    paper[2:28, 5] = 0  # the left side
    paper[10:22, 20:23] = 0  # the stem of a letter
    paper[10, 30:60:5] = 0  # tops of letters: short runs far apart, not a dotted line
    cleaned = without_frame(paper)
    assert (cleaned[2] == 255).all() and (cleaned[27] == 255).all() and (cleaned[:, 5] == 255).all()
    assert (cleaned[10:22, 20:23] == 0).all() and (cleaned[10, 30:60:5] == 0).all()


def test_the_layouts_blank_regions_of_a_line_or_a_few_are_read_again() -> None:
    word = Word("Orientation:", (10, 40, 100, 52), 96)
    result = OcrResult(
        [TextLine([word])],
        96.0,
        blanks=[(0, 0, 400, 30), (160, 36, 390, 62), (20, 80, 380, 82), (0, 100, 300, 400)],
    )
    # The title bar and the drop-down; not a one-pixel rule, not a picture.
    assert blank_regions(result) == [(0, 0, 400, 30), (160, 36, 390, 62)]


def _line(*words: tuple[str, float, float], height: float = 11.0) -> TextLine:
    """A line of words given as (text, left, right) at one height, confidence 95."""
    return TextLine([Word(text, (left, 0.0, right, height), 95.0) for text, left, right in words])


def test_a_cyrillic_word_alone_among_an_english_phrase_is_read_again_in_english() -> None:
    lines = [
        # the label stands apart from its field's value: the value is a phrase of its own
        _line(
            ("Подпись:", 10, 70), ("НЕ", 200, 214), ("will", 218, 240), ("be", 244, 256), ("back", 260, 290)
        ),
        # a Russian phrase holding one English name is Russian: nothing to read again
        _line(("Открыть", 10, 60), ("в", 64, 70), ("Firefox", 74, 120)),
        # two Cyrillic words in the phrase: no longer one stray word
        _line(("Модуль", 10, 60), ("для", 64, 84), ("Gnome", 88, 130), ("Shell", 134, 160)),
    ]
    assert [w.text for w in cyrillic_in_latin_phrases(lines)] == ["НЕ"]
    word = Word("ОЙ", (0, 0, 20, 11), 95)
    # Capitals read among English words take a plain English reading of some confidence...
    assert choose_reading(word, [("|", 56.0), ("Off", 56.0)], latin_phrase=True) == "Off"
    # ...which outside such a phrase would not replace a confident word with a distinctly Russian letter.
    assert choose_reading(word, [("|", 56.0), ("Off", 56.0)]) is None
    # Small letters need an English reading surer than the Russian one; garble never replaces.
    assert choose_reading(Word("мод", (0, 0, 20, 11), 90), [("mod", 70.0)], latin_phrase=True) is None
    assert choose_reading(Word("ОЙ", (0, 0, 20, 11), 95), [("OwW", 90.0)], latin_phrase=True) is None


def test_latin_lookalikes_between_russian_words_are_read_in_russian_even_on_an_english_screen() -> None:
    lines = [
        _line(("Файл", 0, 30), ("OKHO", 50, 90), ("Справка", 110, 160)),
        _line(("He", 0, 16), ("удалось", 20, 70)),
        # an English phrase: the look-alike word stays
        _line(("Cope", 0, 30), ("with", 34, 60), ("it", 64, 72)),
        # a real acronym between Russian words is taken up, but Russian reads it in capitals too
        _line(("Нажмите", 0, 50), ("OK", 54, 70), ("чтобы", 74, 110)),
    ]
    assert [w.text for w in latin_between_russian(lines)] == ["OKHO", "He", "OK"]
    box = (0.0, 0.0, 10.0, 10.0)
    assert choose_russian_reading(Word("OKHO", box, 96), [("Окно", 82.0)], between_russian=True) == "Окно"
    assert choose_russian_reading(Word("OKHO", box, 96), [("Окно", 82.0)]) is None
    assert choose_russian_reading(Word("OK", box, 96), [("ОК", 95.0)], between_russian=True) is None
    # Russian words whose neighbours are Russian are not put to English for the screen's sake.
    assert [w.text for w in words_among_russian([_line(("Файл", 0, 30), ("Окно", 50, 90))])] == [
        "Файл",
        "Окно",
    ]


def test_a_russian_menu_bar_over_an_english_window_stays_russian() -> None:
    # A Russian menu bar over English items (a program's untranslated plug-in menu): the screen is
    # mostly English, yet "Окно" must not become "OKHO" (eng+rus alone reads it right; English, wrong).
    image = Image.new("RGB", (520, 300), (237, 237, 235))
    draw = ImageDraw.Draw(image)
    left = 10.0
    for item in ["Файл", "Правка", "Вид", "Окно", "Справка"]:
        draw.text((left, 8), item, font=font(13), fill=(30, 30, 30))
        left += font(13).getlength(item) + 18
    items = ["Export Selection", "Import Palette", "Keyboard Shortcuts", "Text Events", "User Commands"]
    for index, item in enumerate([*items, "Dialog Buttons", "Window opacity", "Recent Files"]):
        draw.text((30, 40 + 28 * index), item, font=font(13), fill=(30, 30, 30))
    lines = read_lines(image)
    assert "Окно" in lines[0].split() and "Справка" in lines[0].split()
    assert "Keyboard Shortcuts" in lines


def test_the_case_of_a_format_strings_letters_is_measured_in_the_image() -> None:
    # Geany's «Данные шаблонов» (GTK 3, Russian UI): date formats typed in English in the fields;
    # tesseract read "%d.%m.%Y" as "%d.%M.%Y" and another field's "%m" as the Cyrillic "%т".
    with Image.open(Path(__file__).resolve().parents[1] / "data" / "geany_ru_templates.png") as image:
        words = [w.text for line in recognize(image.convert("RGB")).lines for w in line.words]
    assert "%d.%m.%Y" in words and "%H:%M:%S" in words
    assert not any("%M.%Y" in w or "%т" in w for w in words)


def test_letters_told_by_their_height_on_a_drawn_format_string() -> None:
    image = Image.new("L", (200, 40), 250)
    ImageDraw.Draw(image).text((10, 10), "%y-%m %S", font=font(14), fill=20)
    gray = np.asarray(image, dtype=np.float32)
    ink = np.flatnonzero((gray < 128).any(axis=0))
    rows = np.flatnonzero((gray < 128).any(axis=1))
    box = (float(ink[0]), float(rows[0]), float(ink[-1] + 1), float(rows[-1] + 1))
    glyphs = glyph_extents(gray, box)
    assert cased_by_height("%Y-%M %s", glyphs) == "%y-%m %S"
    # glyphs that do not match the characters one to one: nothing is changed
    assert cased_by_height("%Y-%M", glyphs) is None
    # nothing of capital height in the token: no line to measure against
    assert cased_by_height("ms", [(5, 12), (5, 12)]) is None
    assert latin_specifiers("%а %Н:%М дата") == "%a %H:%M дата"


def _plot_window(y_label: str, x_label: str, dark: bool) -> Image.Image:
    """A plot program's window: tick numbers on two axes, a horizontal x label, a y label turned to run
    up the image (as plotting programs draw it), grid lines; light lettering on black when `dark`."""
    ink, paper = ("white", "black") if dark else ("black", "white")
    image = Image.new("RGB", (640, 420), paper)
    draw = ImageDraw.Draw(image)
    for step in range(6):
        y = 40 + step * 60
        draw.line((120, y, 620, y), fill="grey", width=1)
        draw.text((70, y - 8), f"{(5 - step) * 20}", fill=ink, font=font(16))
    for step in range(6):
        x = 120 + step * 100
        draw.line((x, 40, x, 340), fill="grey", width=1)
        draw.text((x - 8, 348), f"{step * 2}", fill=ink, font=font(16))
    draw.line((120, 330, 620, 60), fill=(0, 200, 0), width=3)
    draw.text((300, 380), x_label, fill=ink, font=font(18))
    label = Image.new("RGB", (200, 26), paper)
    ImageDraw.Draw(label).text((4, 2), y_label, fill=ink, font=font(18))
    image.paste(label.transpose(Image.Transpose.ROTATE_90), (20, 90))
    return image


@pytest.mark.parametrize(
    ("y_label", "x_label", "dark"),
    [("Pressure kPa", "Elapsed time", False), ("Скорость ветра", "Высота, м", True)],
)
def test_a_line_running_up_the_image_is_read_upright_and_boxed_where_it_stands(
    y_label: str, x_label: str, dark: bool
) -> None:
    result = recognize(_plot_window(y_label, x_label, dark))
    texts = [line.text for line in result.lines]
    assert y_label in texts, texts
    turned = next(line for line in result.lines if line.text == y_label)
    x0, y0, x1, y1 = turned.bbox
    # where the label stands: a narrow column at the left edge, taller than wide
    assert x0 >= 15 and x1 <= 50 and y1 - y0 > 3 * (x1 - x0)
    # the grid, the curve and the tick numbers give no sideways line of their own
    standing = [
        line.text
        for line in result.lines
        if sum(ch.isalpha() for ch in line.text) >= 4
        and all(w.bbox[3] - w.bbox[1] > w.bbox[2] - w.bbox[0] for w in line.words)
    ]
    assert standing == [y_label]


def test_no_sideways_reading_without_a_turned_line() -> None:
    image = Image.new("RGB", (500, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), "Tolerance settings", fill="black", font=font(18))
    # a vertical rule and a thick bar: not a line of letters
    draw.line((300, 10, 300, 190), fill="black", width=2)
    draw.rectangle((400, 10, 420, 190), fill="black")
    assert [line.text for line in recognize(image).lines] == ["Tolerance settings"]


def test_a_doubted_cyrillic_word_beside_one_english_word_on_an_english_picture_is_read_in_english() -> None:
    # A toolbar of an English program pasted into a Russian book: "Send Later" read "Send Датег"
    lines = [_line(("Send", 10, 40), ("Ла1ег", 44, 80)), _line(("Откр", 200, 230), ("Files", 234, 270))]
    assert [w.text for w in cyrillic_in_latin_phrases(lines)] == []
    assert [w.text for w in cyrillic_in_latin_phrases(lines, latin_screen=True)] == ["Ла1ег", "Откр"]
    doubted = Word("тай", (0, 0, 20, 11), 70)
    assert choose_reading(doubted, [("Later", 58.0)], latin_screen=True, latin_phrase=True) is None  # 3 vs 5
    assert choose_reading(doubted, [("Mail", 58.0)], latin_screen=True, latin_phrase=True) == "Mail"
    # a Russian reading tesseract was sure of stays, and so it does on a Russian picture
    assert choose_reading(Word("тай", (0, 0, 20, 11), 92), [("Mail", 58.0)], True, True) is None
    assert choose_reading(doubted, [("Mail", 58.0)], latin_screen=False, latin_phrase=True) is None
