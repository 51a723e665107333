"""What the postgres index store's tests share: a fresh database per test on the real server that
`scripts/start-postgres.sh` starts (PostgreSQL 18 + pgvector), and replicas that serve it.

Import the fixture by its *_fixture name (the tests ask for it by its plain name).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import URL, make_url

from assistant import Assistant

URL_VARIABLE = "ASSISTANT_TEST_DATABASE_URL"


def base_url() -> URL:
    """The test server's URL; in CI a missing server fails the test instead of skipping it."""
    raw = os.environ.get(URL_VARIABLE)
    if not raw:
        message = f'{URL_VARIABLE} is not set; run: eval "$(bash scripts/start-postgres.sh)"'
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return make_url(raw)


def admin_connection() -> Any:
    import psycopg2

    url = base_url()
    connection = psycopg2.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    )
    connection.autocommit = True
    return connection


@contextmanager
def fresh_database(template: str = "template1") -> Iterator[str]:
    """A new database (pgvector comes with template1) for one test, dropped afterwards."""
    name = f"assistant_store_{uuid.uuid4().hex[:10]}"
    admin = admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield base_url().set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@dataclass
class Cluster:
    """One corpus served by replicas: a database, a shared store, a directory per replica."""

    url: str
    shared: Path
    home: Path
    opened: list[Assistant] = field(default_factory=list)

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {
            "index_backend": "postgres",
            "database_url": self.url,
            "shared_store": str(self.shared),
            "deep_embedder": "off",
            **extra,
        }

    def replica(self, name: str, **extra: Any) -> Assistant:
        """An `Assistant` in its own directory (as on its own machine), closed after the test."""
        extra.setdefault("background_enrichment", False)
        assistant = Assistant(self.home / name, **self.settings(**extra))
        self.opened.append(assistant)
        return assistant

    def environment(self, **extra: str) -> dict[str, str]:
        """The same configuration as ASSISTANT_* variables, for the CLI in a child process."""
        variables = {f"ASSISTANT_{key.upper()}": str(value) for key, value in self.settings().items()}
        return {**variables, **extra}

    def sql(self, statement: str, *parameters: Any) -> list[tuple[Any, ...]]:
        """Run one statement as the application's role (to damage or inspect the store)."""
        import psycopg2

        url = make_url(self.url)
        connection = psycopg2.connect(
            host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
        )
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(statement, parameters)
                return list(cursor.fetchall()) if cursor.description else []
        finally:
            connection.close()


@pytest.fixture(name="cluster")
def cluster_fixture(tmp_path: Path) -> Iterator[Cluster]:
    with fresh_database() as url:
        cluster = Cluster(url, tmp_path / "shared", tmp_path / "replicas")
        try:
            yield cluster
        finally:
            for assistant in cluster.opened:
                assistant.close()
