"""Paths, file names and identifiers in Russian UI text: settled segment by segment between scripts."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from indexer.ocr import (
    merge_segments,
    path_shaped,
    recognize,
    repair_path_segments,
    segmented_words,
    word_counts,
)
from indexer.pipeline import extract_document
from indexer.records import TextLine, Word
from indexer.settings import IndexSettings
from tests.conftest import font, text_image, write_scanned_pdf


def gtk_crop(lines: list[str], size: int = 13) -> Image.Image:
    """A GTK-like dialog crop: DejaVu Sans at UI size, dark grey on the theme's light grey."""
    image = Image.new("RGB", (540, 30 * len(lines) + 20), (246, 245, 244))
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        draw.text((12, 12 + 30 * index), line, font=font(size), fill=(40, 40, 40))
    return image


def searchable(image: Image.Image) -> list[str]:
    return [word.text for line in recognize(image).lines for word in line.words]


def test_a_russian_file_name_in_a_latin_path_is_read_in_both_scripts() -> None:
    # eng+rus read these as "/поте/иван/документы/отчёт.р#" and "—/черновик.+х+"-like mixtures.
    words = searchable(gtk_crop(["Имя файла: /home/иван/документы/отчёт.pdf", "Сохранить в: ~/черновик.txt"]))
    assert "/home/иван/документы/отчёт.pdf" in words
    assert "~/черновик.txt" in words


def test_a_windows_path_and_a_russian_folder_under_a_latin_one() -> None:
    words = searchable(gtk_crop(["Папка: /var/log/журнал", "Файл: C:\\Users\\Анна\\фото.png"]))
    assert "/var/log/журнал" in words
    assert "C:\\Users\\Анна\\фото.png" in words


def test_a_path_tesseract_was_unsure_of_is_kept_and_settled() -> None:
    # Read with confidence 0 ("Ктр/вывод.р$"), the path used to be dropped from the page altogether.
    words = searchable(gtk_crop(["Печать в файл: /tmp/вывод.ps"]))
    assert "/tmp/вывод.ps" in words


def test_a_latin_acronym_joined_to_a_russian_word_keeps_both_scripts() -> None:
    words = searchable(gtk_crop(["Подключите USB-накопитель к порту"]))
    assert "USB-накопитель" in words


def test_latin_acronyms_joined_to_russian_words_stay_latin() -> None:
    # The segment settling took the mixed reading's look-alikes: "ВСВ-профиль", "СМУК-профиль", "НОВ-...".
    words = searchable(gtk_crop(["RGB-профиль: sRGB", "CMYK-профиль: Coated", "Формат HDR-изображения"]))
    assert "RGB-профиль:" in words
    assert "CMYK-профиль:" in words
    assert "HDR-изображения" in words


def test_english_paths_options_and_units_stay_as_they_are() -> None:
    words = searchable(
        gtk_crop(
            ["Путь: /usr/share/doc/readme.txt", "Параметр --verbose включает журнал", "Разрешение: 300 dpi"]
        )
    )
    assert "/usr/share/doc/readme.txt" in words
    assert "--verbose" in words
    assert "dpi" in words


def test_segments_take_the_reading_that_makes_a_word_of_their_script() -> None:
    english = [("~/BbIBOA.ps", 0.0)]
    russian = [("—/вывод.р$", 69.0)]
    assert merge_segments("—/вывод.р$", english, russian) == "~/вывод.ps"
    assert merge_segments("USB-HakonuTenb", [("USB-HakonuTenb", 47.0)], [("Ч5В-накопитель", 28.0)]) == (
        "USB-накопитель"
    )
    # Russian alone loses the drive's head: the readings are paired from the end.
    assert merge_segments(
        "C:\\Users\\AHHa\\cboTo.png",
        [("C:\\Users\\AHHa\\dboTo.png", 33.0)],
        [("СУзегз\\Анна\\фото.рпд", 0.0)],
    ) == ("C:\\Users\\Анна\\фото.png")
    # A Russian segment both the mixed and the Russian reading gave wins over Latin lowercase garbage.
    assert merge_segments(
        "—/загрузки/архив.=1р", [("~/3arpy3Ku/apxues.zip", 40.0)], [("—/загрузки/архив.21р", 44.0)]
    ) == ("~/загрузки/архив.zip")
    # A Latin letter is not swapped for a Russian reading of another length ("PDF/A" in a Russian dialog).
    assert merge_segments("PDF/A:", [("PDF/A:", 80.0)], [("РОЕИА:", 50.0)]) is None
    assert merge_segments(
        "(umnoptuposaHo)-1", [("(umnoptuposaHo)-1", 50.0)], [("(импортировано)-1", 80.0)]
    ) == ("(импортировано)-1")
    # Readings that do not cut into as many segments are not guessed at.
    assert merge_segments("/usr/share", [("/usr/share", 90.0)], [("/чэг/зВаге/4ос", 30.0)]) is None


def test_only_words_of_doubtful_script_are_read_again() -> None:
    assert path_shaped("/tmp/out.ps") and path_shaped("--verbose") and path_shaped("key=value")
    assert not path_shaped("Файл:") and not path_shaped("3.5")
    sure = Word("/usr/share/doc/readme.txt", (0, 0, 10, 10), 91.0, 10)
    mixed = Word("/тр/вывод.р$", (0, 0, 10, 10), 81.0, 10)
    plain = Word("Печать", (0, 0, 10, 10), 96.0, 10)
    assert segmented_words([sure, mixed, plain]) == [mixed]


def _words_line(*texts: str) -> TextLine:
    return TextLine([Word(text, (0.0, 0.0, 10.0, 10.0), 90.0) for text in texts])


def test_a_thin_letter_a_scan_lost_in_a_path_comes_back_from_the_documents_other_words() -> None:
    # A scanned fstab(5) page: "/etc/fstab" read "/etc/stab", while the page names fstab again and again.
    lines = [
        _words_line("The", "file", "fstab", "contains", "descriptive", "information"),
        _words_line("/etc/stab"),
        _words_line("see", "fstab(5)", "and", "/usr/share/locales"),
        _words_line("each", "line", "of", "fstab", "names", "the", "locale"),
    ]
    seen = word_counts(lines)
    assert repair_path_segments(lines, seen) == 1
    assert lines[1].words[0].text == "/etc/fstab"
    # "locales" is a word of its own (no thin letter missing from "locale"): it stays.
    assert lines[2].words[3].text == "/usr/share/locales"


def test_a_path_segment_is_left_alone_when_the_document_gives_no_single_answer() -> None:
    once = [_words_line("/var/ib/apt"), _words_line("apt", "libs")]
    # "lib" is never written elsewhere: nothing vouches for it (and "ib" is too short to guess at).
    assert repair_path_segments(once, word_counts(once)) == 0
    # Two words one thin letter away, each written twice ("tale", "lale" from "ale"): ambiguous, kept.
    ambiguous = [_words_line("/srv/ale/x"), _words_line("tale", "tale", "lale", "lale")]
    assert repair_path_segments(ambiguous, word_counts(ambiguous)) == 0
    # A segment the document writes elsewhere is a word in its own right.
    written = [_words_line("/opt/ocale/bin"), _words_line("ocale", "locale", "locale")]
    assert repair_path_segments(written, word_counts(written)) == 0
    # Plain prose is never touched, only path-shaped words.
    prose = [_words_line("ocale", "locale", "locale")]
    assert repair_path_segments(prose, word_counts(prose)) == 0


def test_a_scanned_page_of_a_manual_takes_a_paths_lost_letter_from_its_text_pages(tmp_path: Path) -> None:
    # Page 1 has a text layer naming the file; page 2 is a picture whose path lost its "f" (as a scan's
    # blur does beside a slash). The pipeline checks the scanned page's paths against the words before.
    text_page = ("Mount table", ["The file fstab lists the file systems.", "Edit fstab as root."])
    pdf = write_scanned_pdf(
        tmp_path / "mount.pdf", text_page, text_image(["The table is kept in /etc/stab on every host."])
    )
    document = extract_document(pdf, IndexSettings())
    scanned_text = " ".join(passage.text for passage in document.pages[1].passages)
    assert "/etc/fstab" in scanned_text and "/etc/stab" not in scanned_text


def test_an_identifier_read_surely_in_english_and_hardly_in_russian_stays_latin() -> None:
    # A scanned man page's example output: English reads the variable at 90, Russian makes look-alike
    # capitals of it with no conviction; the quotes around the value pair up and are the text's own.
    english = [('PGDATABASE="sales_RU"', 88.0)]
    russian = [('РСОАТАВАЗЕ="за1ез_КО"', 4.0)]
    assert merge_segments('PGDATABASE="sales_RU"', english, russian) is None  # kept as read
    assert merge_segments('PGDATABASE="sales_RU', english, russian) == 'PGDATABASE="sales_RU"'
    # When Russian is the surer reading, a Russian word in capitals still wins over Latin look-alikes.
    assert merge_segments("BbIBOA-PDF", [("BbIBOA-PDF", 40.0)], [("ВЫВОД-РОЕ", 80.0)]) == "ВЫВОД-PDF"
