"""Two REST services on the postgres index backend, as docker-compose runs them: each in its own directory,
one database and one shared store between them; what a client does through one, the other serves at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer.stores.local import CONFIG_FILE, WRITTEN
from tests.indexer.postgres_harness import fresh_database

from .conftest import FrontFiles, stop_server
from .service_process import serve_rest

pytestmark = pytest.mark.postgres

API_KEY = "replica-key"
QUESTION = "How do I descale the coffee machine?"


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with fresh_database() as url:
        env = {
            "ASSISTANT_INDEX_BACKEND": "postgres",
            "ASSISTANT_DATABASE_URL": url,
            "ASSISTANT_SHARED_STORE": str(tmp_path / "shared"),
            "ASSISTANT_DEEP_EMBEDDER": "off",
        }
        servers, clients = [], []
        try:
            for name in ("a", "b"):
                server = serve_rest(tmp_path / name, tmp_path / f"{name}.log", "--api-key", API_KEY, env=env)
                servers.append(server)
                clients.append(httpx.Client(base_url=server.url, headers={"X-API-Key": API_KEY}, timeout=60))
            yield clients[0], clients[1]
        finally:
            for client in clients:
                client.close()
            for server in servers:
                stop_server(server)


def test_an_upload_to_one_replica_is_answered_and_deleted_through_the_other(
    replicas: tuple[httpx.Client, httpx.Client], front_files: FrontFiles, tmp_path: Path
) -> None:
    first, second = replicas
    files = [("files", (path.name, path.read_bytes(), "application/pdf")) for path in front_files.good]
    assert first.post("/v1/documents", files=files).status_code == 201
    listed = {d["filename"]: d["id"] for d in second.get("/v1/documents").json()}
    assert set(listed) == {"coffee-machine.pdf", "пылесос.pdf"}
    answer = second.post("/v1/ask", json={"question": QUESTION, "k": 3}).json()
    [citation, *_] = answer["citations"]
    assert citation["filename"] == "coffee-machine.pdf"
    # The page image comes from the shared store, rendered by whichever replica is asked first.
    image = second.get(f"/v1/documents/{citation['document_id']}/pages/{citation['page']}/image")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    # Neither replica keeps a copy of the index or the originals in its own directory.
    for name in ("a", "b"):
        own = {p.name for p in (tmp_path / name).rglob("*")}
        assert not own & (set(WRITTEN) - {CONFIG_FILE} | {"dense.faiss", "deep.faiss"}), own
        assert not list((tmp_path / name).rglob("*.pdf"))
    assert len(list((tmp_path / "shared" / "originals").rglob("*"))) >= 2

    assert second.delete(f"/v1/documents/{listed['coffee-machine.pdf']}").status_code in (200, 204)
    assert [d["filename"] for d in first.get("/v1/documents").json()] == ["пылесос.pdf"]
    after = first.post("/v1/search", json={"question": QUESTION, "k": 5}).json()
    assert after["hits"] and all(hit["document"]["filename"] == "пылесос.pdf" for hit in after["hits"])
