"""docker-compose.yml: valid Compose, and consistent with the files and code it refers to."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from directive.settings import DirectiveSettings
from nazar_platform.cli.topics import build_parser
from nazar_platform.config.secrets import Secret
from nazar_platform.config.settings import PlatformSettings
from nazar_platform.kafka.catalogue import load_catalogue
from roster.settings import RosterSettings
from social_publisher.settings import PublisherSettings
from story_intake.settings import StoryIntakeSettings

from tests.deployfiles import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    METRICS_PORT,
    NAZAR_SERVICES,
    ROOT,
    SERVICE_DATABASES,
    SERVICE_PORT,
    compose,
    interpolate_defaults,
    interpolated_variables,
    kafka_properties,
    variable_defaults,
)

KAFKA_NODES = ("kafka-1", "kafka-2", "kafka-3")
TLS_SECRETS = {"tls_certificate", "tls_key"}
ONE_SHOT = {"topics"}


def check_compose_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def test_compose_file_matches_the_compose_specification() -> None:
    result = check_compose_schema(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_an_invalid_compose_file(tmp_path: Path) -> None:
    # Proves the check above checks something: a misspelt key and a wrong type must fail it.
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("    healthcheck:\n", "    healthchek:\n", 1), encoding="utf-8")
    assert check_compose_schema(broken).returncode != 0
    broken.write_text(text.replace("shm_size: 256m", "shm_size: [256m]"), encoding="utf-8")
    assert check_compose_schema(broken).returncode != 0


def test_every_file_and_folder_mounted_or_built_exists() -> None:
    checked = 0
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
            assert not source.startswith("/"), f"{name} mounts a host path: {source}"
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
                checked += 1
        build = service.get("build")
        if build:
            context = ROOT / build.get("context", ".")
            assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name
            checked += 1
    assert checked >= 5


def host_path(service: dict[str, Any], container_path: str) -> Path:
    """The checked-out file a container sees at `container_path`, through its bind mounts."""
    volumes: list[str] = service.get("volumes", [])
    for volume in volumes:
        source, target = volume.split(":")[:2]
        if source.startswith(".") and container_path.startswith(target.rstrip("/") + "/"):
            return ROOT / source / container_path.removeprefix(target.rstrip("/") + "/")
    raise AssertionError(f"{container_path} is not on a bind mount")


def test_files_named_inside_containers_are_the_mounted_ones() -> None:
    prometheus = services()["prometheus"]
    [config] = [a.split("=", 1)[1] for a in prometheus["command"] if a.startswith("--config.file=")]
    assert host_path(prometheus, config).is_file()
    grafana = services()["grafana"]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert host_path(grafana, home).is_file()


def test_the_postgres_init_scripts_are_executable_shell_scripts() -> None:
    postgres = services()["postgres"]
    [init] = [v for v in postgres["volumes"] if "/docker-entrypoint-initdb.d" in v]
    scripts = sorted((ROOT / init.split(":")[0]).glob("*.sh"))
    assert scripts
    for script in scripts:
        assert script.stat().st_mode & 0o111, f"{script} is not executable"
        assert script.read_text().startswith("#!/usr/bin/env bash\n")
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_kafka_is_three_combined_kraft_nodes_that_lose_nothing() -> None:
    nodes = {name: services()[name] for name in KAFKA_NODES}
    props = {name: kafka_properties(node["environment"]) for name, node in nodes.items()}
    for name, p in props.items():
        assert p["process.roles"] == "broker,controller"
        assert p["default.replication.factor"] == "3"
        assert p["min.insync.replicas"] == "2"
        assert p["unclean.leader.election.enable"] == "false"
        assert p["auto.create.topics.enable"] == "false"
        assert p["offsets.topic.replication.factor"] == "3"
        assert p["transaction.state.log.replication.factor"] == "3"
        assert p["transaction.state.log.min.isr"] == "2"
        assert p["advertised.listeners"] == f"INTERNAL://{name}:9092"
        assert p["inter.broker.listener.name"] == "INTERNAL"
        assert p["controller.listener.names"] == "CONTROLLER"
        assert set(p["listeners"].split(",")) == {"INTERNAL://:9092", "CONTROLLER://:9093"}
    assert sorted(p["node.id"] for p in props.values()) == ["1", "2", "3"]
    voters = {p["controller.quorum.voters"] for p in props.values()}
    assert voters == {",".join(f"{p['node.id']}@{n}:9093" for n, p in props.items())}


def test_kafka_nodes_share_a_valid_cluster_id_and_each_keeps_its_own_volume() -> None:
    nodes = [services()[name] for name in KAFKA_NODES]
    ids = {node["environment"]["CLUSTER_ID"] for node in nodes}
    assert len(ids) == 1
    [cluster_id] = ids
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16  # a UUID, as Kafka wants
    volumes = [node["volumes"][0].split(":") for node in nodes]
    assert len({source for source, _ in volumes}) == 3
    for node, (source, target) in zip(nodes, volumes, strict=True):
        assert source in compose()["volumes"]
        assert target == node["environment"]["KAFKA_LOG_DIRS"]


def test_kafka_image_is_the_version_of_the_local_stack() -> None:
    pom = (ROOT / "deploy" / "kafka" / "pom.xml").read_text()
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom)
    assert match
    for name in KAFKA_NODES:
        assert services()[name]["image"] == f"apache/kafka:{match.group(1)}"


def test_topics_job_runs_the_real_bootstrap_cli_against_all_brokers() -> None:
    topics = services()["topics"]
    command = topics["command"]
    assert command[:3] == ["python", "-m", "nazar_platform.cli.topics"]
    # argparse exits on an unknown or missing flag, so this parse is the check.
    args = build_parser().parse_args(command[3:])
    assert args.command == "bootstrap"
    assert set(args.bootstrap_servers.split(",")) == {f"{n}:9092" for n in KAFKA_NODES}
    assert args.catalogue == "/app/deploy/topics.yaml"
    for node in KAFKA_NODES:
        assert topics["depends_on"][node]["condition"] == "service_healthy"
    assert topics["restart"] == "no"


def test_the_catalogue_the_topics_job_reads_loads_and_fits_the_cluster() -> None:
    args = build_parser().parse_args(services()["topics"]["command"][3:])
    # The image holds deploy/topics.yaml at /app/deploy/topics.yaml (test_dockerfile checks it).
    catalogue = load_catalogue(ROOT / Path(args.catalogue).relative_to("/app"))
    resolved = catalogue.resolve(args.environment, args.replication_factor)
    broker_min_isr = int(
        kafka_properties(services()["kafka-1"]["environment"])["min.insync.replicas"]
    )
    assert resolved
    for topic in resolved:
        assert topic.replication_factor == len(KAFKA_NODES), topic.name
        assert int(topic.config.get("min.insync.replicas", broker_min_isr)) == 2, topic.name


def test_postgres_creates_the_four_service_databases_from_secrets() -> None:
    postgres = services()["postgres"]
    assert postgres["image"] == "postgres:15"
    env = postgres["environment"]
    assert tuple(env["NAZAR_SERVICE_DATABASES"].split()) == SERVICE_DATABASES
    assert env["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert "POSTGRES_PASSWORD" not in env
    given = set(postgres["secrets"])
    assert {f"{db}_password" for db in SERVICE_DATABASES} | {"postgres_password"} <= given
    assert {"postgres-data"} <= {v.split(":")[0] for v in postgres["volumes"]}


def test_secrets_come_from_the_environment_and_no_password_is_written_in_the_file() -> None:
    for name, secret in compose()["secrets"].items():
        if name in TLS_SECRETS:
            # The origin's certificate and key are files named by required variables.
            assert set(secret) == {"file"}, name
            assert re.fullmatch(r"\$\{NAZAR_TLS_[A-Z]+:\?\}", secret["file"]), name
            continue
        assert set(secret) == {"environment"}, name
    for service in services().values():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|SECRET|TOKEN", key) and not key.endswith("_FILE"):
                assert str(value).startswith("${"), f"{key} is written in the file"


SETTINGS: dict[str, type[PlatformSettings]] = {
    "roster": RosterSettings,
    "directive": DirectiveSettings,
    "social-publisher": PublisherSettings,
    "story-intake": StoryIntakeSettings,
}


def secret_marks(name: str) -> dict[str, Secret]:
    """Variable -> its Secret mark, for every secret setting of a Nazar service."""
    return {
        f"NAZAR_{field}".upper(): mark
        for field, info in SETTINGS[name].model_fields.items()
        for mark in info.metadata
        if isinstance(mark, Secret)
    }


def secret_sources() -> dict[str, str]:
    """Compose secret -> the variable of .env it is made from."""
    return {n: s["environment"] for n, s in compose()["secrets"].items() if "environment" in s}


def optional_secret_variables() -> set[str]:
    """Variables of .env behind secrets that only optional settings read."""
    sources = secret_sources()
    required: set[str] = set()
    optional: set[str] = set()
    for name in SETTINGS:
        marks = secret_marks(name)
        for key, value in services()[name]["environment"].items():
            if key.endswith("_FILE") and key.removesuffix("_FILE") in marks:
                secret = str(value).removeprefix("/run/secrets/")
                # The database password is required where, as here, the URL names none.
                needed = key == "NAZAR_DATABASE_PASSWORD_FILE" or not marks[key[:-5]].optional
                (required if needed else optional).add(sources[secret])
    return optional - required


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_every_required_secret_of_a_service_is_a_file_made_from_a_required_variable(
    name: str,
) -> None:
    # The services refuse to start without them (nazar_platform.config.secrets); Compose says so
    # first: the variable behind each file is required in .env.
    service = services()[name]
    env = service["environment"]
    assert env["NAZAR_ENVIRONMENT"] == "production"
    sources, optional = secret_sources(), optional_secret_variables()
    for setting, mark in secret_marks(name).items():
        variable = setting
        if setting == "NAZAR_DATABASE_URL":
            # The URL names no secret; its password is the file the role was made from.
            assert "@" in env[setting] and ":" not in env[setting].split("//")[1].split("@")[0]
            variable = "NAZAR_DATABASE_PASSWORD"
        elif mark.optional:
            continue
        path = env.get(f"{variable}_FILE")
        assert path, f"{name} lacks {variable}_FILE"
        secret = str(path).removeprefix("/run/secrets/")
        assert secret in service["secrets"], f"{name} does not mount {secret}"
        assert sources[secret] not in optional, f"{variable} must come from a required variable"


SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEYS?|_KEKS?)$")


@pytest.mark.parametrize("name", sorted(services()))
def test_no_secret_in_any_environment_block(name: str) -> None:
    """Environment variables show in `docker inspect`, /proc/<pid>/environ and crash reports;
    a secret reaches a container only as a file under /run/secrets/ (issue 18)."""
    service = services()[name]
    env = service.get("environment") or {}
    marks = secret_marks(name) if name in SETTINGS else {}
    secret_variables = set(secret_sources().values())
    for key, value in env.items():
        text = str(value)
        if key.endswith("_FILE") or key.endswith("__FILE"):
            assert text.startswith("/run/secrets/"), f"{name}: {key} points outside /run/secrets"
            assert text.removeprefix("/run/secrets/") in service.get("secrets", []), key
            continue
        # A URL is secret for its password only; the password check below covers it.
        secret = key in marks and not marks[key].dsn
        assert not secret, f"{name}: the secret {key} is in the environment"
        assert not SECRET_NAME.search(key), f"{name}: {key} looks like a secret in the environment"
        used = set(interpolated_variables(text))
        assert not used & secret_variables, f"{name}: {key} interpolates a secret"
        assert not re.search(r"://[^/@\s]+:[^/@\s]+@", text), f"{name}: {key} has a password"


def test_every_variable_is_documented_in_env_example_and_required_ones_have_no_value() -> None:
    # name -> (commented out, value); optional settings are listed commented, with their default.
    example: dict[str, tuple[bool, str]] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(# )?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            example[match.group(2)] = (bool(match.group(1)), match.group(3))
    secrets = {s["environment"] for s in compose()["secrets"].values() if "environment" in s}
    used = interpolated_variables(compose())
    required = secrets | {var for var, ops in used.items() if ops & {":?", "?"}}
    # A bare ${VAR} would silently become empty: every variable is required or has a default.
    optional = {var for var, ops in used.items() if ops <= {":-", "-"}} - required
    assert set(example) == required | optional
    optional_secrets = optional_secret_variables()
    for var in required - optional_secrets:
        assert example[var] == (False, ""), f"{var} must be listed, uncommented and empty"
    for var in optional_secrets:
        # Listed uncommented (Compose makes the secret's file from it) with the empty value.
        assert example[var][0] is False and example[var][1] in {"", "[]"}, var
    defaults = variable_defaults(compose())
    for var in optional:
        assert example[var] == (True, next(iter(defaults[var]))), f"{var}: document the default"
        assert len(defaults[var]) == 1, f"{var} has different defaults: {defaults[var]}"


def test_long_running_containers_have_healthchecks_restart_policies_and_limits() -> None:
    for name, service in services().items():
        if name in ONE_SHOT:
            continue
        assert service["healthcheck"]["test"], name
        assert service["restart"] == "unless-stopped", name
        assert service["deploy"]["resources"]["limits"]["memory"], name
        assert service["networks"] == ["nazar"], name


def test_dependencies_wait_for_health_or_completion() -> None:
    every = services()
    for name, service in every.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            assert dependency in every, f"{name} depends on unknown {dependency}"
            wanted = (
                "service_completed_successfully" if dependency in ONE_SHOT else "service_healthy"
            )
            assert spec["condition"] == wanted, f"{name} -> {dependency}"
            if wanted == "service_healthy":
                assert "healthcheck" in every[dependency]


def test_one_network_named_volumes_and_no_infrastructure_on_the_host() -> None:
    spec = compose()
    assert list(spec["networks"]) == ["nazar"]
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./") or source in spec["volumes"], f"{name}: {source}"
        # The origin is public (providers' webhooks); the rest only on the bind address.
        bind = (
            "NAZAR_PUBLIC_BIND_ADDRESS:-0.0.0.0"
            if name == "proxy"
            else "NAZAR_BIND_ADDRESS:-127.0.0.1"
        )
        for port in service.get("ports", []):
            assert port.startswith("${" + bind + "}:"), f"{name}: {port}"
    for name in (*KAFKA_NODES, "postgres", *NAZAR_SERVICES):
        assert "ports" not in services()[name], f"{name} must not be published on the host"
    published = {n for n, s in services().items() if s.get("ports")}
    assert published == {"grafana", "prometheus", "proxy"}


def test_images_are_pinned() -> None:
    for name, service in services().items():
        image = interpolate_defaults(service["image"])
        assert ":" in image, f"{name}: {image}"
        assert not image.endswith(":latest"), f"{name}: {image}"


def test_service_template_matches_prometheus_and_waits_for_topics_and_postgres() -> None:
    template = compose()["x-nazar-service"]
    assert template["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert template["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert f"127.0.0.1:{SERVICE_PORT}/readyz" in " ".join(template["healthcheck"]["test"])
    assert compose()["x-nazar-env"]["NAZAR_HTTP_PORT"] == str(SERVICE_PORT)
    # /metrics on its own listener, which Prometheus reaches over the compose network.
    assert compose()["x-nazar-env"]["NAZAR_METRICS_PORT"] == str(METRICS_PORT)
    assert compose()["x-nazar-env"]["NAZAR_METRICS_HOST"] == "0.0.0.0"
    bootstrap = compose()["x-nazar-env"]["NAZAR_KAFKA_BOOTSTRAP"]
    assert set(bootstrap.split(",")) == {f"{n}:9092" for n in KAFKA_NODES}
    # Scaled out with --scale: nothing may pin a container name or a host port.
    assert "container_name" not in template
    assert "ports" not in template


@pytest.mark.parametrize("name", ["grafana", "postgres"])
def test_passwords_reach_containers_as_files(name: str) -> None:
    service = services()[name]
    files = [v for k, v in service["environment"].items() if k.endswith("_FILE")]
    assert files
    for path in files:
        assert path.removeprefix("/run/secrets/") in service["secrets"]


def test_the_proxy_is_the_one_origin_in_front_of_every_service() -> None:
    proxy = services()["proxy"]
    assert set(proxy["depends_on"]) == set(NAZAR_SERVICES)
    assert set(proxy["secrets"]) == TLS_SECRETS
    [conf_file] = [
        v.split(":")[0]
        for v in proxy["volumes"]
        if v.split(":")[1] == "/etc/nginx/conf.d/default.conf"
    ]
    conf = (ROOT / conf_file).read_text()
    assert host_path(proxy, "/etc/nginx/nazar/routes.conf").is_file()
    for service in NAZAR_SERVICES:
        assert f"server {service}:{SERVICE_PORT};" in conf
    for secret in TLS_SECRETS:
        assert f"/run/secrets/{secret}" in conf
    env = compose()["x-nazar-env"]
    assert env["NAZAR_AUTH_JWKS_URL"] == (
        f"${{NAZAR_AUTH_JWKS_URL:-http://roster:{SERVICE_PORT}/.well-known/jwks.json}}"
    )
    assert env["NAZAR_PUBLIC_ORIGIN"] == "${NAZAR_PUBLIC_ORIGIN:?}"
    # Every public address is under the origin, at the service's prefix.
    prefixes = {
        "directive": "/directive",
        "social-publisher": "/publisher",
        "story-intake": "/stories",
    }
    for name, prefix in prefixes.items():
        assert services()[name]["environment"]["NAZAR_PUBLIC_BASE_URL"] == (
            "${NAZAR_PUBLIC_ORIGIN:?}" + prefix
        )
