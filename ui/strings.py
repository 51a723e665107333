"""The UI's words in English and Russian, errors included; the language switch picks one set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import DocumentError


@dataclass(frozen=True)
class Strings:
    title: str
    caption: str
    upload_header: str
    upload_label: str
    upload_help: str
    upload_button: str
    """Replaces Streamlit's own "Upload" on the file picker button."""
    upload_drop: str
    """Replaces "Drag and drop files here" while files are dragged over the picker."""
    upload_limit: str
    """Replaces "200MB per file" under the picker; `{size}` is the configured limit."""
    upload_rejected: str
    """Replaces the browser-side error of a file the picker refused (too large, or the upload broke)."""
    select_all: str
    no_results: str
    megabytes: str
    index_button: str
    indexing: str
    indexed: str
    unchanged: str
    failed: str
    documents_header: str
    no_documents: str
    pages: str
    delete: str
    delete_confirm: str
    delete_yes: str
    cancel: str
    deleted: str
    filter_label: str
    filter_placeholder: str
    filter_help: str
    asked_in: str
    question_placeholder: str
    thinking: str
    not_found: str
    sources: str
    sources_count: str
    page: str
    enlarge: str
    document_gone: str
    seconds: str
    seconds_by: str
    """The time an answer took and the model that wrote it (`{generator}`)."""
    fallback: str
    """Under an answer the extractive reader gave because the answering model failed."""
    history_header: str
    history_count: str
    history_empty: str
    history_hidden: str
    history_session_only: str
    clear_history: str
    clear_confirm: str
    clear_yes: str
    cleared: str
    no_workspace: str
    empty_question: str
    question_invalid: str
    error: str
    """Prefix of an error the UI has no words of its own for (the message itself stays as raised)."""
    reasons: Mapping[str, str] = field(default_factory=dict)
    """Error class name -> message in this language; `{page}` is the page, `{detail}` the raised message.

    Empty for English: the project's errors are written in English and say more than a template can.
    """


STRINGS = {
    "en": Strings(
        title="Document assistant",
        caption="Ask about your manuals and screenshots; every answer points at a box on a page.",
        upload_header="Add documents",
        upload_label="PDFs and images (PNG, JPEG, WebP, TIFF)",
        upload_help="Several files at once; files already indexed are recognised by their content.",
        upload_button="Choose files",
        upload_drop="Drop the files here",
        upload_limit="Up to {size} per file · PDF, PNG, JPEG, WebP, TIFF",
        upload_rejected="Not uploaded: the file is over {size} or the upload broke off. "
        "Remove it and try again.",
        select_all="Select all",
        no_results="No document has that name",
        megabytes="{count} MB",
        index_button="Index files",
        indexing="Indexing file {number} of {total}",
        indexed="Indexed {count} file(s): {names}",
        unchanged="Already indexed: {names}",
        failed="Not indexed: {name}: {reason}",
        documents_header="Documents",
        no_documents="No documents yet: add a PDF or a screenshot above.",
        pages="{count} p.",
        delete="Delete",
        delete_confirm="Delete {name}? It is removed for everyone using this workspace.",
        delete_yes="Yes, delete",
        cancel="Cancel",
        deleted="Deleted {name}",
        filter_label="Search in",
        filter_placeholder="All documents",
        filter_help="Pick documents to limit the next questions to them; leave empty to search all.",
        asked_in="In: {names}",
        question_placeholder="Ask about your documents, e.g. How often should the filter be cleaned?",
        thinking="Looking through the documents…",
        not_found="Not found in the documents.",
        sources="Sources",
        sources_count="Sources ({count})",
        page="page {page}",
        enlarge="Enlarge",
        document_gone="{name}, page {page}: the document has been deleted since this answer.",
        seconds="{seconds:.2f} s",
        seconds_by="{seconds:.2f} s · written by the {generator} model; the sources are the documents' own",
        fallback="The answering model failed, so this answer was picked from the documents instead.",
        history_header="Questions",
        history_count="{count} question(s) kept for this workspace.",
        history_empty="No questions yet.",
        history_hidden="{count} earlier question(s) are not shown.",
        history_session_only="Questions are kept in this browser tab only: "
        "the workspace cannot be written ({reason}).",
        clear_history="Clear history",
        clear_confirm="Clear all {count} question(s)? They are removed for everyone using this workspace.",
        clear_yes="Yes, clear",
        cleared="History cleared.",
        no_workspace="Set ASSISTANT_WORKSPACE to a workspace folder "
        "(or run `python -m assistant ui WORKSPACE`).",
        empty_question="Type a question first.",
        question_invalid="The question cannot be asked: {reason}",
        error="Error",
    ),
    "ru": Strings(
        title="Помощник по документам",
        caption="Спрашивайте о руководствах и скриншотах; каждый ответ указывает на область страницы.",
        upload_header="Добавить документы",
        upload_label="PDF и изображения (PNG, JPEG, WebP, TIFF)",
        upload_help="Можно несколько файлов сразу; уже добавленные узнаются по содержимому.",
        upload_button="Выбрать файлы",
        upload_drop="Отпустите файлы здесь",
        upload_limit="До {size} на файл · PDF, PNG, JPEG, WebP, TIFF",
        upload_rejected="Не загружен: файл больше {size} или загрузка прервалась. "
        "Уберите его из списка и попробуйте снова.",
        select_all="Выбрать все",
        no_results="Нет документа с таким названием",
        megabytes="{count} МБ",
        index_button="Проиндексировать",
        indexing="Индексация: файл {number} из {total}",
        indexed="Проиндексировано файлов: {count}: {names}",
        unchanged="Уже были в базе: {names}",
        failed="Не проиндексирован: {name}: {reason}",
        documents_header="Документы",
        no_documents="Документов пока нет: добавьте PDF или скриншот.",
        pages="{count} стр.",
        delete="Удалить",
        delete_confirm="Удалить {name}? Документ исчезнет у всех, кто работает с этой папкой.",
        delete_yes="Да, удалить",
        cancel="Отмена",
        deleted="Удалён {name}",
        filter_label="Искать в",
        filter_placeholder="Во всех документах",
        filter_help="Выберите документы, чтобы искать только в них; пусто — искать во всех.",
        asked_in="В: {names}",
        question_placeholder="Спросите о документах, например: как часто чистить фильтр?",
        thinking="Ищу в документах…",
        not_found="В документах ответа нет.",
        sources="Источники",
        sources_count="Источники ({count})",
        page="страница {page}",
        enlarge="Увеличить",
        document_gone="{name}, страница {page}: документ удалён после этого ответа.",
        seconds="{seconds:.2f} с",
        seconds_by="{seconds:.2f} с · ответ написала модель {generator}; источники — из самих документов",
        fallback="Модель не ответила, поэтому этот ответ взят прямо из документов.",
        history_header="Вопросы",
        history_count="Сохранено вопросов для этой папки: {count}.",
        history_empty="Вопросов пока нет.",
        history_hidden="Ранние вопросы не показаны: {count}.",
        history_session_only="Вопросы сохраняются только в этой вкладке: "
        "в рабочую папку нельзя записать ({reason}).",
        clear_history="Очистить историю",
        clear_confirm="Удалить все вопросы ({count})? Они исчезнут у всех, кто работает с этой папкой.",
        clear_yes="Да, очистить",
        cleared="История очищена.",
        no_workspace="Задайте ASSISTANT_WORKSPACE (или запустите `python -m assistant ui WORKSPACE`).",
        empty_question="Сначала введите вопрос.",
        question_invalid="Вопрос не принят: {reason}",
        error="Ошибка",
        reasons={
            "MissingFile": "файл пропал до индексации; загрузите его снова",
            "UnsupportedFileType": "это не PDF и не изображение; "
            "сохраните его как PDF, PNG, JPEG, WebP или TIFF",
            "CorruptFile": "файл повреждён или обрезан; экспортируйте или скачайте его заново",
            "EncryptedDocument": "файл защищён паролем; сохраните копию без пароля и добавьте её",
            "EmptyDocument": "в файле нечего индексировать (нет страниц)",
            "ImageTooSmall": "изображение слишком маленькое, чтобы на нём читался текст",
            "ImageTooLarge": "изображение слишком большое (защита от «бомб» распаковки); уменьшите его",
            "PageTooLarge": "страница {page} слишком велика: похоже на «бомбу», а не на настоящую страницу",
            "TooManyPages": "слишком много страниц или кадров; разделите файл на части",
            "ResourceLimitExceeded": "файл не удалось прочитать в пределах памяти и времени на один файл",
            "InvalidRequest": "запрос не принят ({detail})",
            "UnknownDocument": "таких документов больше нет; обновите страницу, чтобы увидеть список",
            "NoWorkspace": "рабочей папки нет по указанному пути; проверьте путь",
            "ReadOnlyWorkspace": "рабочая папка открыта только для чтения: "
            "добавлять и удалять документы нельзя",
            "WorkspaceDamaged": "файлы рабочей папки повреждены; "
            "запустите python -m assistant check --repair",
            "CatalogUnavailable": "каталог (база данных) недоступен; проверьте, что сервер базы работает",
            "StorageFull": "диск рабочей папки заполнен; сохранённое не пострадало, освободите место",
            "GeneratorUnavailable": "модель, которая пишет ответы, недоступна или не отвечает ({detail}); "
            "проверьте, что её сервер работает, или задайте вопрос позже",
            "GeneratorRejected": "сервер модели отклонил запрос ({detail})",
            "GeneratorConfigError": "настройки модели, которая пишет ответы, не подходят ({detail}); "
            "исправьте переменные ASSISTANT_GENERATOR* или config.json рабочей папки",
            "GeneratorError": "модель не смогла ответить ({detail})",
        },
    ),
}
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


def explain(error: BaseException, text: Strings) -> str:
    """The error in the chosen language: a message of this language's own, or the raised one as it is."""
    template = next(
        (text.reasons[kind.__name__] for kind in type(error).__mro__ if kind.__name__ in text.reasons), None
    )
    detail = error.reason if isinstance(error, DocumentError) else str(error)
    if template is None:
        return detail if not text.reasons else f"{text.error}: {detail}"
    return template.format(page=getattr(error, "page", "?"), detail=detail)


def failure_line(error: DocumentError, text: Strings) -> str:
    """'Not indexed: NAME: why' for one file of an upload."""
    return text.failed.format(name=Path(error.path).name, reason=explain(error, text))
