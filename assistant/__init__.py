"""Document assistant: cited answers from manuals and screenshots, in English and Russian."""

from __future__ import annotations

from assistant.answering import Answer, Citation
from assistant.retrieval import Evidence, PageHit
from assistant.sdk import Assistant
from indexer.errors import (
    AssistantError,
    CorruptFile,
    DocumentError,
    EmptyDocument,
    EncryptedDocument,
    ImageTooLarge,
    ImageTooSmall,
    IngestFailed,
    MissingFile,
    UnsupportedFileType,
    WorkspaceError,
)
from indexer.records import DocumentRecord

__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "Citation",
    "CorruptFile",
    "DocumentError",
    "DocumentRecord",
    "EmptyDocument",
    "EncryptedDocument",
    "Evidence",
    "ImageTooLarge",
    "ImageTooSmall",
    "IngestFailed",
    "MissingFile",
    "PageHit",
    "UnsupportedFileType",
    "WorkspaceError",
]
