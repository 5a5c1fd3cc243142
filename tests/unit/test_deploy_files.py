"""Static checks of the production files (docker-compose.yml, Dockerfile, deploy/, docs/deploy.md).

No Docker daemon runs where the tests run, so these files are never started here; what can be checked
without one is checked against the code itself: the launcher's real subcommands, the real settings
(`.env.example` and `load_settings`), the Makefile's install recipe.
"""

from __future__ import annotations

import fnmatch
import io
import re
import secrets
import shlex
from collections.abc import Iterator, Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from dotenv import dotenv_values

import bot.launcher
from bot.connectors.settings import CHANNEL_SETTING_NAMES
from bot.settings import Settings, load_settings
from bot.staff.cli import parser as staff_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
PRODUCTION_EXAMPLE = ROOT / "deploy" / "env.production.example"
POSTGRES_INIT = ROOT / "deploy" / "postgres-init"
KUBERNETES = ROOT / "deploy" / "kubernetes"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
ENV_FILE = ".env.production"

# Settings of the replicated-deployment contract; the rest are read from .env.example.
NEW_SETTINGS = {
    "LOCK_STORE_URL",
    "INTERNAL_HOST",
    "ACTION_SERVER_URL",
    *CHANNEL_SETTING_NAMES,
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|AUTH")
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}")


# --- helpers --------------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command") or []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def python_module(command: list[str]) -> tuple[str, list[str]] | None:
    """(`bot.launcher`, [args]) for `python -m bot.launcher args…`, else None."""
    if len(command) >= 3 and command[0] in ("python", "python3") and command[1] == "-m":
        return command[2], command[3:]
    return None


def compose_variables() -> set[str]:
    """The variables docker-compose.yml interpolates (`${NAME…}`)."""
    return {match.group(1) for match in INTERPOLATION.finditer(COMPOSE.read_text())}


def app_services() -> dict[str, dict[str, Any]]:
    """The services that run this project's code (python -m bot.…)."""
    return {
        name: service
        for name, service in services().items()
        if (module := python_module(command_of(service))) and module[0].startswith("bot.")
    }


def role_of(service: Mapping[str, Any]) -> str | None:
    """`rasa`, `actions`, `web` for `serve ROLE`, `migrate`, or None."""
    module = python_module(command_of(service))
    if not module or module[0] != "bot.launcher" or not module[1]:
        return None
    args = module[1]
    return args[1] if args[0] == "serve" and len(args) > 1 else args[0]


def services_with_role(role: str) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in services().items() if role_of(s) == role}


def environment_of(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def accepts(main: Any, argv: list[str]) -> bool:
    """Whether an argparse entry point knows `argv` (its `--help` then exits 0, an unknown word 2)."""
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    return exit_.value.code == 0


def assert_real_command(module: str, args: list[str], where: str) -> None:
    if module == "bot.launcher":
        assert args, f"{where}: no launcher subcommand"
        words = args[:2] if args[0] == "serve" else args[:1]
        assert words != ["serve"], f"{where}: `serve` without a role"
        assert accepts(bot.launcher.main, words), (
            f"{where}: `python -m bot.launcher {' '.join(words)}` does not exist"
        )
    elif module == "bot.staff":
        words = []
        for arg in args[:2]:
            if arg.startswith("-"):
                break
            words.append(arg)
        assert accepts(staff_parser().parse_args, words), (
            f"{where}: `python -m bot.staff {' '.join(words)}` does not exist"
        )
    else:
        pytest.fail(f"{where}: runs an unexpected module {module}")


def known_settings() -> set[str]:
    """Every setting .env.example documents (set or commented out), plus the contract's new ones."""
    names = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE))
    assert {"DATABASE_URL", "SECRET_KEY", "RASA_URLS"} <= names, "could not read .env.example"
    return names | NEW_SETTINGS


def rasa_own_variables() -> set[str]:
    """Rasa's own variables for its tracker-store pool, named as the installed Rasa reads them."""
    from rasa.core.constants import POSTGRESQL_MAX_OVERFLOW, POSTGRESQL_POOL_SIZE

    return {POSTGRESQL_POOL_SIZE, POSTGRESQL_MAX_OVERFLOW}


def example_values() -> dict[str, str]:
    """deploy/env.production.example as an operator would fill it: empty secrets get random hex."""
    values = {k: v or "" for k, v in dotenv_values(PRODUCTION_EXAMPLE).items()}
    return {k: v or secrets.token_hex(32) for k, v in values.items()}


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:?msg}`, `${VAR:-default}` and `$$`."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        value = variables.get(name)
        if operator and operator.endswith("-"):
            return value if value else argument
        if operator and operator.endswith("?"):
            assert value, f"{name} is required by docker-compose.yml but not set"
        return value or ""

    return INTERPOLATION.sub(one, text).replace("$$", "$")


def service_environment(service: Mapping[str, Any]) -> dict[str, str]:
    """What the container's process sees: the env file, overridden by `environment:`."""
    variables = example_values()
    env = dict(variables) if service.get("env_file") else {}
    env.update({k: interpolate(v, variables) for k, v in environment_of(service).items()})
    return env


def settings_of(name: str) -> Settings:
    return load_settings(service_environment(services()[name]))


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """Docker's matching: `*` and `?` stay within one path segment, `**` spans any number."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def docker_ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore excludes `path` (relative to the context); a matched folder takes its files."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        regex = _dockerignore_regex(raw.lstrip("!").strip("/"))
        if any(regex.match(candidate) for candidate in candidates):
            ignored = not negate
    return ignored


def dockerignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def dockerfile_instructions() -> Iterator[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            yield instruction.upper(), rest.strip()


def kubernetes_documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found.append((path.name, document))
    return found


def containers_in(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Containers of a Deployment or Job manifest."""
    spec = document.get("spec", {}).get("template", {}).get("spec", {})
    return list(spec.get("containers", []))


# --- docker-compose.yml ---------------------------------------------------------------------------


def test_the_compose_file_describes_the_replicated_stack() -> None:
    found = services()
    assert {"postgres", "redis", "migrate", "web", "actions"} <= set(found)
    assert len(services_with_role("rasa")) >= 2
    assert found["actions"]["deploy"]["replicas"] >= 2
    assert role_of(found["migrate"]) == "migrate" and found["migrate"]["restart"] == "no"
    for name in ("postgres-data", "request-spool"):
        assert name in compose()["volumes"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in found["postgres"]["volumes"])


def test_every_application_command_is_a_real_launcher_or_staff_command() -> None:
    apps = app_services()
    assert len(apps) >= 5
    for name, service in apps.items():
        module = python_module(command_of(service))
        assert module is not None
        assert_real_command(*module, where=f"docker-compose.yml service {name}")
    roles = {role_of(s) for s in apps.values()}
    assert {"rasa", "actions", "web", "migrate"} <= roles


def test_every_variable_set_for_the_application_is_a_real_setting() -> None:
    allowed = known_settings() | rasa_own_variables()
    for name, service in app_services().items():
        unknown = set(environment_of(service)) - allowed
        assert not unknown, f"service {name} sets variables no code reads: {sorted(unknown)}"
    for name in dotenv_values(PRODUCTION_EXAMPLE):
        assert name in allowed or name in compose_variables(), (
            f"{PRODUCTION_EXAMPLE.name}: {name} is neither a setting nor used by docker-compose.yml"
        )


def test_every_compose_variable_is_in_the_example_env_file() -> None:
    documented = set(dotenv_values(PRODUCTION_EXAMPLE))
    missing = compose_variables() - documented
    assert not missing, f"docker-compose.yml needs {sorted(missing)}, not in {PRODUCTION_EXAMPLE.name}"


@pytest.mark.parametrize("name", sorted(app_services()))
def test_each_service_loads_its_settings_from_the_example_env_file(name: str) -> None:
    settings = settings_of(name)
    assert settings.is_production
    role = role_of(services()[name])
    if role in ("rasa", "actions"):
        assert settings.internal_host == "0.0.0.0", f"{name} would be unreachable from other containers"
    if role == "web":
        assert settings.web_host == "0.0.0.0"


def test_several_rasa_servers_share_a_lock_store_and_are_all_in_rasa_urls() -> None:
    rasa = services_with_role("rasa")
    assert len(rasa) > 1
    for name in rasa:
        settings = settings_of(name)
        assert "LOCK_STORE_URL" in environment_of(services()[name])
        assert settings.lock_store is not None, f"{name} has no Redis lock store"
        assert settings.tracker_database_url.startswith("postgresql://"), f"{name}: tracker store not shared"
    (web_name,) = services_with_role("web")
    web = settings_of(web_name)
    targets = {(urlsplit(url).hostname, urlsplit(url).port) for url in web.rasa_urls}
    assert targets == {(name, settings_of(name).rasa_port) for name in rasa}


def test_the_rasa_servers_call_the_action_service_by_its_name_and_port() -> None:
    (actions_name,) = services_with_role("actions")
    actions_port = settings_of(actions_name).action_port
    for name in services_with_role("rasa"):
        url = urlsplit(settings_of(name).action_server_url)
        assert (url.hostname, url.port, url.path) == (actions_name, actions_port, "/webhook")


def networks_of(service: Mapping[str, Any]) -> set[str]:
    networks = service.get("networks") or ["default"]
    return set(networks if isinstance(networks, list) else networks.keys())


def test_the_action_servers_share_no_network_with_the_web_tier() -> None:
    """bot.web (public) cannot reach the action servers; only the Rasa servers, which hold their secret."""
    (web,) = services_with_role("web").values()
    for actions in services_with_role("actions").values():
        assert not networks_of(web) & networks_of(actions)
        for rasa in services_with_role("rasa").values():
            assert networks_of(rasa) & networks_of(actions) and networks_of(rasa) & networks_of(web)
    database = networks_of(services()["postgres"])
    for name, service in app_services().items():
        assert networks_of(service) & database, f"{name} cannot reach PostgreSQL"
    assert networks_of(services()["redis"]) >= {"back"} and "front" not in networks_of(services()["redis"])


def test_only_bot_web_is_published_and_socketio_is_not_proxied() -> None:
    published = {name for name, service in services().items() if service.get("ports")}
    assert published == set(services_with_role("web"))
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "socket.io" not in re.sub(r"#.*", "", nginx)


def test_the_action_server_secret_is_required_and_reaches_rasa_and_the_action_servers() -> None:
    assert "ACTION_SERVER_TOKEN" in dotenv_values(PRODUCTION_EXAMPLE)
    for name in [*services_with_role("rasa"), *services_with_role("actions")]:
        assert settings_of(name).action_server_token, name
    for name, document in kubernetes_documents():
        for container in [document, *containers_in(document)]:
            env = {item["name"] for item in container.get("extraEnv") or container.get("env") or []}
            if "SECRET_KEY" in env:
                assert "ACTION_SERVER_TOKEN" in env, f"deploy/kubernetes/{name}"


def test_appointments_and_tracker_are_separate_databases_created_at_init() -> None:
    created: set[str] = set()
    for script in POSTGRES_INIT.glob("*.sh"):
        created |= set(re.findall(r"CREATE DATABASE (\w+)", script.read_text()))

    def databases(variable: str) -> set[str]:
        return {
            urlsplit(service_environment(s)[variable]).path.strip("/")
            for s in app_services().values()
            if variable in environment_of(s)
        }

    appointments, trackers = databases("DATABASE_URL"), databases("TRACKER_DATABASE_URL")
    assert len(appointments) == 1 and len(trackers) == 1, (appointments, trackers)
    assert appointments != trackers
    assert appointments | trackers <= created


def test_the_postgres_init_script_gets_every_variable_it_reads() -> None:
    postgres = services()["postgres"]
    assert any(
        v.startswith("./deploy/postgres-init:/docker-entrypoint-initdb.d") for v in postgres["volumes"]
    )
    provided = set(environment_of(postgres)) | {"POSTGRES_USER", "POSTGRES_DB"}  # the image's defaults
    for script in POSTGRES_INIT.glob("*.sh"):
        used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", script.read_text()))
        assert used <= provided, f"{script.name} reads {sorted(used - provided)}, not given to postgres"


def test_no_secret_is_written_into_the_compose_file() -> None:
    for name, service in services().items():
        for key, value in environment_of(service).items():
            if SECRET_NAME.search(key):
                assert INTERPOLATION.fullmatch(value), f"{name}: {key} must come from ${{…}}, not the file"
            parts = urlsplit(value) if "://" in value else None
            if parts and parts.password is not None:
                assert INTERPOLATION.fullmatch(parts.password), f"{name}: {key} has a literal password"
        if name in app_services():
            assert service.get("env_file") == ENV_FILE, f"{name} must take its secrets from {ENV_FILE}"
            assert "SECRET_KEY" not in environment_of(service)
    for key, value in dotenv_values(PRODUCTION_EXAMPLE).items():
        if SECRET_NAME.search(key):
            assert not value, f"{PRODUCTION_EXAMPLE.name} ships a value for the secret {key}"


def test_the_production_env_file_stays_out_of_git_and_out_of_the_image() -> None:
    gitignore = [line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()]
    assert any(
        line and not line.startswith("#") and fnmatch.fnmatchcase(ENV_FILE, line) for line in gitignore
    )
    assert docker_ignored(ENV_FILE, dockerignore_patterns())
    assert docker_ignored(".env", dockerignore_patterns())


def test_healthchecks_call_each_roles_health_route() -> None:
    routes = {"rasa": "/", "actions": "/health", "web": "/healthz"}
    for name, service in app_services().items():
        role = role_of(service)
        if role not in routes:
            continue
        settings = settings_of(name)
        port = {"rasa": settings.rasa_port, "actions": settings.action_port, "web": settings.web_port}[role]
        probe = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}{routes[role]}'" in probe, f"{name}: health check misses its route"


# --- Dockerfile and .dockerignore -----------------------------------------------------------------


def makefile_pip_arguments() -> list[list[str]]:
    """The arguments of each `pip install` in the Makefile's install recipe, minus output options."""
    makefile = (ROOT / "Makefile").read_text()
    lock_line = re.search(r"^LOCK\s*:=\s*(\S+)", makefile, flags=re.MULTILINE)
    assert lock_line, "the Makefile no longer names its LOCK"
    lock = lock_line.group(1)
    found = []
    for line in makefile.splitlines():
        if "-m pip install" in line:
            args = shlex.split(line.split("-m pip install", 1)[1].replace("$(LOCK)", lock))
            found.append([a for a in args if a not in ("--quiet", "--disable-pip-version-check")])
    assert len(found) >= 3, "the Makefile's install recipe changed shape"
    return found


def test_the_image_installs_from_the_lock_exactly_like_the_makefile() -> None:
    runs = [args for instruction, args in dockerfile_instructions() if instruction == "RUN"]
    pip_calls = [
        [a for a in shlex.split(call.split("pip install", 1)[1]) if a != "--quiet"]
        for run in runs
        for call in run.split("&&")
        if "pip install" in call
    ]
    for wanted in makefile_pip_arguments():
        assert any(call[: len(wanted)] == wanted for call in pip_calls), (
            f"Dockerfile lacks pip install {wanted}"
        )


def test_the_image_is_python_310_trains_at_build_time_and_runs_unprivileged() -> None:
    instructions = list(dockerfile_instructions())
    assert [args for i, args in instructions if i == "FROM"] == ["python:3.10-slim"]
    runs = " ".join(args for i, args in instructions if i == "RUN")
    assert "python -m bot.launcher train" in runs
    users = [args for i, args in instructions if i == "USER"]
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith(("root:", "0:"))
    cmd = yaml.safe_load([args for i, args in instructions if i == "CMD"][-1])
    module = python_module(cmd)
    assert module is not None, f"Dockerfile CMD {cmd} is not python -m …"
    assert_real_command(*module, where="Dockerfile CMD")


def test_everything_the_image_copies_is_in_the_build_context() -> None:
    patterns = dockerignore_patterns()
    copied = []
    for instruction, args in dockerfile_instructions():
        if instruction == "COPY":
            copied += [part for part in args.split()[:-1] if not part.startswith("--")]
    assert "requirements.lock" in copied and "data" in copied
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert not docker_ignored(source, patterns), f"COPY {source}: excluded by .dockerignore"


@pytest.mark.parametrize(
    "path",
    [".env", ".env.production", ".venv/bin/python", "var/tracker.db", "models/model-abc.tar.gz", ".git/HEAD"],
)
def test_local_state_and_secrets_stay_out_of_the_build_context(path: str) -> None:
    assert docker_ignored(path, dockerignore_patterns())


# --- Kubernetes files and the documentation -------------------------------------------------------


def test_kubernetes_files_run_real_commands_with_real_settings() -> None:
    allowed = known_settings() | rasa_own_variables()
    documents = kubernetes_documents()
    assert {name for name, _ in documents} >= {"rasa-values.yaml", "actions-values.yaml", "web.yaml"}
    checked = 0
    for name, document in documents:
        for container in [document, *containers_in(document)]:
            command = [*container.get("command", []), *container.get("args", [])]
            module = python_module([str(part) for part in command])
            if not module:
                continue
            assert_real_command(*module, where=f"deploy/kubernetes/{name}")
            env = container.get("extraEnv") or container.get("env") or []
            unknown = {item["name"] for item in env} - allowed
            assert not unknown, f"deploy/kubernetes/{name} sets variables no code reads: {sorted(unknown)}"
            checked += 1
    assert checked >= 4


def test_the_deploy_doc_mentions_only_real_commands() -> None:
    text = DEPLOY_DOC.read_text()
    launcher = re.findall(r"python -m bot\.launcher ([a-z]+)(?: ([a-z]+))?", text)
    staff = re.findall(r"python -m bot\.staff ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", text)
    assert {cmd for cmd, _ in launcher} >= {"serve", "migrate", "train"} and staff
    for cmd, role in launcher:
        assert_real_command("bot.launcher", [cmd, role] if cmd == "serve" else [cmd], "docs/deploy.md")
    for words in staff:
        assert_real_command("bot.staff", words.split(), "docs/deploy.md")
