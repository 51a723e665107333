"""The UI's words in English and Russian; the language switch picks one set."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Strings:
    title: str
    caption: str
    language: str
    upload_header: str
    upload_label: str
    upload_help: str
    index_button: str
    indexing: str
    indexed: str
    unchanged: str
    failed: str
    documents_header: str
    no_documents: str
    pages: str
    delete: str
    deleted: str
    question_label: str
    question_placeholder: str
    ask_button: str
    answer_header: str
    not_found: str
    sources: str
    page: str
    enlarge: str
    history_header: str
    seconds: str
    no_workspace: str
    empty_question: str


STRINGS = {
    "en": Strings(
        title="Document assistant",
        caption="Ask about your manuals and screenshots; every answer points at a box on a page.",
        language="Language",
        upload_header="Add documents",
        upload_label="PDFs and images (PNG, JPEG, WebP, TIFF)",
        upload_help="Several files at once; files already indexed are recognised by their content.",
        index_button="Index files",
        indexing="Indexing {name} ({number} of {total})",
        indexed="Indexed {count} file(s): {names}",
        unchanged="Already indexed: {names}",
        failed="Not indexed: {name} {reason}",
        documents_header="Documents",
        no_documents="No documents yet: add a PDF or a screenshot above.",
        pages="{count} p.",
        delete="Delete",
        deleted="Deleted {name}",
        question_label="Your question",
        question_placeholder="How often should the filter be cleaned?",
        ask_button="Ask",
        answer_header="Answer",
        not_found="Not found in the documents",
        sources="Sources",
        page="page {page}",
        enlarge="Enlarge",
        history_header="Earlier questions",
        seconds="{seconds:.2f} s",
        no_workspace="Set ASSISTANT_WORKSPACE to a workspace folder "
        "(or run `python -m assistant ui WORKSPACE`).",
        empty_question="Type a question first.",
    ),
    "ru": Strings(
        title="Помощник по документам",
        caption="Спрашивайте о руководствах и скриншотах; каждый ответ указывает на область страницы.",
        language="Язык",
        upload_header="Добавить документы",
        upload_label="PDF и изображения (PNG, JPEG, WebP, TIFF)",
        upload_help="Можно несколько файлов сразу; уже добавленные узнаются по содержимому.",
        index_button="Проиндексировать",
        indexing="Индексация {name} ({number} из {total})",
        indexed="Проиндексировано файлов: {count}: {names}",
        unchanged="Уже были в базе: {names}",
        failed="Не проиндексирован: {name} {reason}",
        documents_header="Документы",
        no_documents="Документов пока нет: добавьте PDF или скриншот.",
        pages="{count} стр.",
        delete="Удалить",
        deleted="Удалён {name}",
        question_label="Ваш вопрос",
        question_placeholder="Как часто чистить фильтр?",
        ask_button="Спросить",
        answer_header="Ответ",
        not_found="В документах ответа нет",
        sources="Источники",
        page="страница {page}",
        enlarge="Увеличить",
        history_header="Предыдущие вопросы",
        seconds="{seconds:.2f} с",
        no_workspace="Задайте ASSISTANT_WORKSPACE (или запустите `python -m assistant ui WORKSPACE`).",
        empty_question="Сначала введите вопрос.",
    ),
}
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}
