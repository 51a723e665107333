"""docker-compose.yml read as Compose reads it (no Docker engine here): services, profiles, GPUs, wiring."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from assistant.cli import build_parser as assistant_parser
from assistant.generators import GeneratorSettings
from assistant.service import DEFAULT_MAX_UPLOAD
from indexer.settings import IndexSettings, merge_settings
from indexer.stores import open_store
from indexer.stores.postgres import PostgresStore
from omnifusion.cli import build_parser as omnifusion_parser

from .conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"
VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
FRONT_DOORS = ("api", "ui", "batch")
MODEL_SERVERS = {"model": "gpu", "omnifusion": "omnifusion"}
DEFAULT_STACK = {"postgres", "api", "proxy", "ui"}
RAY_NODES = ("ray-head", "ray-worker")


class MissingVariable(Exception):
    """What `${NAME:?message}` makes Compose stop with."""


def interpolate(value: str, environment: Mapping[str, str]) -> str:
    """Compose's variable substitution: `${X}`, `${X:-default}`, `${X-default}`, `${X:?error}`, `$$`."""

    def one(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        present = environment.get(name)
        if op in (":-", ":?") and not present:
            present = None
        if present is not None:
            return present
        if op in (":?", "?"):
            raise MissingVariable(f"{name}: {arg}")
        return arg if op in (":-", "-") else ""

    return VARIABLE.sub(one, value)


def resolved(node: Any, environment: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, environment)
    if isinstance(node, list):
        return [resolved(item, environment) for item in node]
    if isinstance(node, dict):
        return {key: resolved(value, environment) for key, value in node.items()}
    return node


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    # PyYAML's safe loader follows anchors and `<<` merge keys as Compose does.
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def services(compose: dict[str, Any], environment: Mapping[str, str]) -> dict[str, Any]:
    return resolved(compose["services"], environment)  # type: ignore[no-any-return]


def started(compose: dict[str, Any], profiles: set[str]) -> set[str]:
    """The services `docker compose [--profile P] up` starts."""
    return {
        name for name, service in compose["services"].items() if set(service.get("profiles", [])) <= profiles
    }


def flag(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def gpu_reservation(service: dict[str, Any]) -> list[dict[str, Any]]:
    return service.get("deploy", {}).get("resources", {}).get("reservations", {}).get("devices", [])


BASE_ENV = {"ASSISTANT_API_KEY": "k"}


def test_the_default_stack_needs_no_gpu_and_answers_with_the_reader(compose: dict[str, Any]) -> None:
    assert started(compose, set()) == DEFAULT_STACK
    found = services(compose, BASE_ENV)
    for name in DEFAULT_STACK:
        assert not gpu_reservation(found[name]), name
    for name in FRONT_DOORS:
        assert found[name]["environment"]["ASSISTANT_GENERATOR"] == "extractive", name
    # The front doors start without a model server (required: false) and wait for one that runs.
    for name in ("api", "ui"):
        for server in MODEL_SERVERS:
            dependency = compose["services"][name]["depends_on"][server]
            assert dependency == {"condition": "service_healthy", "required": False}, (name, server)


def test_the_api_refuses_to_start_keyless_and_the_ui_stays_on_loopback(compose: dict[str, Any]) -> None:
    with pytest.raises(MissingVariable, match="ASSISTANT_API_KEY"):
        services(compose, {})
    with pytest.raises(MissingVariable, match="ASSISTANT_API_KEY"):
        services(compose, {"ASSISTANT_API_KEY": ""})
    found = services(compose, BASE_ENV)
    # The key is the replicas'; the proxy in front of them publishes their port.
    assert "ports" not in found["api"] and found["proxy"]["ports"] == ["8000:8000"]
    assert all(port.startswith("127.0.0.1:") for port in found["ui"]["ports"])
    ui = assistant_parser().parse_args(found["ui"]["command"][3:])
    assert (ui.command, ui.host, ui.port, ui.insecure) == ("ui", "0.0.0.0", 8501, True)
    for server in MODEL_SERVERS:  # no key of their own: reachable on the compose network only
        assert "ports" not in found[server], server


def test_each_model_server_has_its_profile_a_gpu_offline_weights_and_a_healthcheck(
    compose: dict[str, Any],
) -> None:
    found = services(compose, BASE_ENV)
    for name, profile in MODEL_SERVERS.items():
        service = found[name]
        assert service["profiles"] == [profile]
        assert started(compose, {profile}) == DEFAULT_STACK | {name}
        [device] = gpu_reservation(service)
        assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"] and device["count"] == 1
        assert service["environment"]["HF_HUB_OFFLINE"] == "1"
        [volume] = service["volumes"]
        assert volume == "./models:/models:ro"
        test = service["healthcheck"]["test"]
        assert test[0] == "CMD" and "http://127.0.0.1:8000/health" in " ".join(test)
        assert service["healthcheck"]["start_period"].endswith("s")
    assert found["model"]["image"].startswith("vllm/vllm-openai:")
    assert found["model"]["ipc"] == "host"


def test_the_vllm_server_serves_the_mounted_model(compose: dict[str, Any]) -> None:
    model = services(compose, BASE_ENV)["model"]
    command = model["command"]
    assert model["entrypoint"] == ["python3", "-m", "vllm.entrypoints.openai.api_server"]
    assert flag(command, "--model") == "/models/Qwen2.5-VL-7B-Instruct"
    assert (flag(command, "--host"), flag(command, "--port")) == ("0.0.0.0", "8000")
    assert yaml.safe_load(flag(command, "--limit-mm-per-prompt")) == {"image": 2}
    moved = services(compose, {**BASE_ENV, "ASSISTANT_MODELS": "/srv/weights", "VLLM_MODEL": "Qwen2-VL-2B"})
    assert flag(moved["model"]["command"], "--model") == "/models/Qwen2-VL-2B"
    assert moved["model"]["volumes"] == ["/srv/weights:/models:ro"]


def test_the_omnifusion_server_command_is_one_the_cli_accepts(compose: dict[str, Any]) -> None:
    service = services(compose, BASE_ENV)["omnifusion"]
    command = service["command"]
    assert command[:3] == ["python", "-m", "omnifusion"]
    args = omnifusion_parser().parse_args(command[3:])
    assert (args.command, args.checkpoint, args.encoder) == ("serve", "/models/omnifusion", "/models/clip")
    assert (args.host, args.port, args.device, args.dtype) == ("0.0.0.0", 8000, "cuda", "bfloat16")
    # Built from the project's Dockerfile with CUDA torch instead of the CPU build.
    assert service["build"]["context"] == "."
    assert "whl/cu" in service["build"]["args"]["TORCH_INDEX"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in dockerfile
    assert 'pip install --index-url "$TORCH_INDEX"' in dockerfile


def _generator_of(service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> GeneratorSettings:
    """The generator settings the assistant in that container would load from its environment."""
    for name in GeneratorSettings.names():
        monkeypatch.delenv(f"ASSISTANT_{name.upper()}", raising=False)
    for name, value in service["environment"].items():
        if name.startswith("ASSISTANT_GENERATOR"):
            monkeypatch.setenv(name, str(value))
    return GeneratorSettings.load()


@pytest.mark.parametrize(
    ("profile", "chosen"),
    [
        ("gpu", {"ASSISTANT_GENERATOR": "openai"}),
        (
            "omnifusion",
            {"ASSISTANT_GENERATOR": "openai", "ASSISTANT_GENERATOR_URL": "http://omnifusion:8000/v1"},
        ),
    ],
)
def test_the_front_doors_reach_the_chosen_model_server(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, profile: str, chosen: dict[str, str]
) -> None:
    """The operator's steps of docs/GENERATORS.md: the variables named there reach a running server."""
    found = services(compose, {**BASE_ENV, **chosen})
    running = started(compose, {profile})
    for name in FRONT_DOORS:
        settings = _generator_of(found[name], monkeypatch)
        assert settings.generator == "openai"
        address = urlsplit(settings.generator_url)
        assert address.hostname in running and address.hostname in MODEL_SERVERS, (name, address)
        server = found[address.hostname]
        command = server["command"]
        port = flag(command, "--port")
        assert address.port == int(port) and address.path == "/v1"
        assert str(port) in " ".join(server["healthcheck"]["test"])


def test_every_generator_variable_is_a_setting_the_assistant_reads(compose: dict[str, Any]) -> None:
    names = {f"ASSISTANT_{name.upper()}" for name in GeneratorSettings.names()}
    text = COMPOSE.read_text(encoding="utf-8")
    used = {
        match["name"]
        for match in VARIABLE.finditer(text)
        if (match["name"] or "").startswith("ASSISTANT_GEN")
    }
    assert used and used <= names, used - names
    env = compose["services"]["api"]["environment"]
    assert {key for key in env if key.startswith("ASSISTANT_GEN")} <= names
    # Secrets stay variables: nothing in the file holds a key's value.
    assert env["ASSISTANT_GENERATOR_API_KEY"] == "${ASSISTANT_GENERATOR_API_KEY:-}"


def test_the_operator_guide_shows_the_same_commands(compose: dict[str, Any]) -> None:
    guide = (ROOT / "docs" / "GENERATORS.md").read_text(encoding="utf-8")
    front_doors = (ROOT / "docs" / "FRONT_DOORS.md").read_text(encoding="utf-8")
    for profile in MODEL_SERVERS.values():
        assert f"docker compose --profile {profile} up" in " ".join(guide.replace("\\\n", " ").split())
        assert f"--profile {profile}" in front_doors
    assert "http://omnifusion:8000/v1" in guide and "http://model:8000/v1" in guide
    for variable in ("ASSISTANT_MODELS", "VLLM_MODEL", "OMNIFUSION_CHECKPOINT", "OMNIFUSION_ENCODER"):
        assert variable in guide and variable in COMPOSE.read_text(encoding="utf-8"), variable


# -- the postgres backend, its replicas, the proxy and the ray profile -----------------------------------


def _index_settings_of(service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> IndexSettings:
    """The index settings the assistant in that container would load from its environment."""
    for name in (f.upper() for f in IndexSettings.__dataclass_fields__):
        monkeypatch.delenv(f"ASSISTANT_{name}", raising=False)
    for name, value in service["environment"].items():
        monkeypatch.setenv(name, str(value))
    return merge_settings(IndexSettings, {}, {})  # type: ignore[no-any-return]


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> named volume (or host path) of each of the service's mounts."""
    return {spec.split(":")[1]: spec.split(":")[0] for spec in service.get("volumes", [])}


def test_every_assistant_process_serves_one_shared_index_from_postgres(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    found = services(compose, BASE_ENV)
    assert found["postgres"]["image"].startswith("pgvector/pgvector:")
    for name in (*FRONT_DOORS, *RAY_NODES):
        service = found[name]
        settings = _index_settings_of(service, monkeypatch)
        assert settings.index_backend == "postgres", name
        assert urlsplit(settings.database_url).hostname == "postgres", name
        # Each process's store keeps its files in the volume every replica and Ray node mounts.
        store = open_store(tmp_path / name, settings)
        assert isinstance(store, PostgresStore)
        assert _mounts(service)[str(store.files)] == "shared", name
        # No index of its own: nothing but the shared store is mounted from a volume (questions aside).
        assert set(_mounts(service)) - {"/data/questions"} == {"/data/shared"}, name
    assert set(compose["volumes"]) == {"catalog", "shared"}
    assert _mounts(found["postgres"]) == {"/var/lib/postgresql/data": "catalog"}
    # A named volume takes its mount point's owner from the image: the runtime user must own it there.
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"mkdir -p [^\n]*/data/shared", dockerfile)
    assert re.search(r"chown assistant [^\n]*/data/shared", dockerfile)


def test_the_api_runs_two_replicas_behind_the_proxy_by_default(compose: dict[str, Any]) -> None:
    found = services(compose, BASE_ENV)
    assert found["api"]["deploy"]["replicas"] == "2"
    assert services(compose, {**BASE_ENV, "API_REPLICAS": "4"})["api"]["deploy"]["replicas"] == "4"
    assert found["api"]["expose"] == ["8000"]
    proxy = found["proxy"]
    assert proxy["image"].startswith("nginx:")
    [config] = proxy["configs"]
    assert config["target"] == "/etc/nginx/conf.d/default.conf"
    nginx = resolved(compose["configs"][config["source"]]["content"], {})
    # Compose's `$$` reaches nginx as its own `$` variables.
    assert "$remote_addr" in nginx and "$$" not in nginx
    [upstream] = re.findall(r"upstream (\w+) \{", nginx)
    assert f"proxy_pass http://{upstream};" in nginx
    [server] = re.findall(r"^\s*server ([\w.-]+:\d+)", nginx, flags=re.MULTILINE)
    host, port = server.split(":")
    assert host == "api" and port == found["api"]["expose"][0]
    # Docker's DNS answers the service name with every replica; nginx re-resolves it as they change.
    assert re.search(rf"server {server} resolve;", nginx) and "resolver 127.0.0.11" in nginx
    [listen] = re.findall(r"listen (\d+);", nginx)
    assert proxy["ports"] == [f"8000:{listen}"]
    # The REST service answers an upload over its limit with its own typed error, not nginx's page.
    [limit] = re.findall(r"client_max_body_size (\d+)m;", nginx)
    assert int(limit) * 2**20 > DEFAULT_MAX_UPLOAD
    # Streamed answers (server-sent events) pass through unbuffered.
    assert "proxy_buffering off;" in nginx
    assert "http://127.0.0.1:8000/v1/health" in " ".join(proxy["healthcheck"]["test"])


def test_the_ray_profile_adds_a_head_and_workers_the_jobs_can_reach(compose: dict[str, Any]) -> None:
    assert started(compose, {"ray"}) == DEFAULT_STACK | set(RAY_NODES)
    assert started(compose, {"ray", "gpu"}) == DEFAULT_STACK | set(RAY_NODES) | {"model"}
    found = services(compose, BASE_ENV)
    head, worker = found["ray-head"], found["ray-worker"]
    assert head["profiles"] == worker["profiles"] == ["ray"]
    assert head["image"] == worker["image"] == found["api"]["image"]
    assert worker["deploy"]["replicas"] == "2"
    assert services(compose, {**BASE_ENV, "RAY_WORKERS": "5"})["ray-worker"]["deploy"]["replicas"] == "5"

    def option(command: list[str], name: str) -> str:
        [value] = [part.split("=", 1)[1] for part in command if part.startswith(f"--{name}=")]
        return value

    assert head["command"][:3] == ["ray", "start", "--head"] and "--block" in head["command"]
    assert worker["command"][:2] == ["ray", "start"] and "--block" in worker["command"]
    assert option(worker["command"], "address") == f"ray-head:{option(head['command'], 'port')}"
    assert worker["depends_on"]["ray-head"]["condition"] == "service_healthy"
    assert option(head["command"], "port") in " ".join(head["healthcheck"]["test"])
    # The documented batch job reaches the head's Ray client port, and the CLI accepts the command.
    client = f"ray://ray-head:{option(head['command'], 'ray-client-server-port')}"
    text = " ".join(COMPOSE.read_text(encoding="utf-8").replace("\\\n", " ").replace("#", " ").split())
    documented = "docker compose --profile ray run --rm batch /data/questions/questions.jsonl"
    assert f"{documented} --out /data/questions/answers.jsonl --ray {client}" in text
    batch = [*found["batch"]["entrypoint"][3:], "/data/q.jsonl", "--out", "a.jsonl", "--ray", client]
    assert assistant_parser().parse_args(batch).ray == client


def test_the_scaling_guide_shows_the_knobs_the_compose_file_reads(compose: dict[str, Any]) -> None:
    guide = (ROOT / "docs" / "SCALING.md").read_text(encoding="utf-8")
    text = COMPOSE.read_text(encoding="utf-8")
    for variable in ("API_REPLICAS", "RAY_WORKERS", "PG_SHARED_BUFFERS", "ASSISTANT_PG_EF_SEARCH"):
        assert variable in guide and variable in text, variable
    assert "docker compose --profile ray up" in guide
    assert "docs/SCALING.md" in text
