"""The Dockerfile and .dockerignore, checked by structure (no Docker engine here)."""

from __future__ import annotations

import json
import re
import tomllib

from tests.deployfiles import (
    DOCKERFILE,
    ROOT,
    compose,
    dockerfile_instructions,
    dockerfile_stages,
    dockerignore_excludes,
    dockerignore_patterns,
    expand,
    shell_words,
    stage_args,
)

TEXT = DOCKERFILE.read_text(encoding="utf-8")


def test_the_parser_joins_continuations_and_splits_flags() -> None:
    parsed = dockerfile_instructions(
        "FROM a AS b\n# note\nRUN --mount=type=cache,target=/c \\\n    uv sync \\\n    --frozen\n"
    )
    assert [(i.keyword, i.flags, i.args) for i in parsed] == [
        ("FROM", {}, "a AS b"),
        ("RUN", {"mount": "type=cache,target=/c"}, "uv sync --frozen"),
    ]


def test_multi_stage_on_python_3_11_slim() -> None:
    _, stages = dockerfile_stages(TEXT)
    assert len(stages) >= 2
    assert {s.base for s in stages} == {"python:3.11-slim"}
    assert stages[-1].name == "runtime"


def test_uv_installs_from_the_lock_without_dev_tools_and_not_editable() -> None:
    _, stages = dockerfile_stages(TEXT)
    syncs = [
        shell_words(run.args)
        for stage in stages
        for run in stage.all("RUN")
        if re.search(r"\buv sync\b", run.args)
    ]
    assert len(syncs) == 2  # third-party layer, then the workspace packages
    for words in syncs:
        assert {"--frozen", "--no-dev", "--no-editable"} <= set(words), words
        assert words[words.index("--package") + 1] == "${PACKAGE}"
    assert "--no-install-workspace" in syncs[0]
    pin = re.search(r"ARG UV_VERSION=(\S+)", TEXT)
    assert pin and re.fullmatch(r"\d+\.\d+\.\d+", pin.group(1))


def test_runtime_stage_runs_as_an_unprivileged_user_from_the_venv_only() -> None:
    _, stages = dockerfile_stages(TEXT)
    runtime = stages[-1]
    [user] = runtime.all("USER")
    uid = user.args.split(":")[0]
    assert uid.isdigit() and int(uid) >= 1000, "the final USER must be a numeric non-root uid"
    assert runtime.instructions.index(user) > max(
        runtime.instructions.index(i) for i in runtime.all("RUN")
    ), "USER must come after the last RUN"
    copies = runtime.all("COPY")
    from_build = [c for c in copies if c.flags.get("from")]
    assert [c.args for c in from_build] == ["/app/.venv /app/.venv"]
    env = " ".join(i.args for i in runtime.all("ENV"))
    assert "/app/.venv/bin" in env


def test_the_image_holds_the_catalogue_where_the_topics_job_reads_it() -> None:
    _, stages = dockerfile_stages(TEXT)
    copies = {tuple(c.args.split()) for c in stages[-1].all("COPY") if not c.flags.get("from")}
    command = compose()["services"]["topics"]["command"]
    catalogue = command[command.index("--catalogue") + 1]
    assert ("deploy/topics.yaml", catalogue) in copies


def test_every_copied_source_exists_and_is_in_the_build_context() -> None:
    patterns = dockerignore_patterns()
    global_args, stages = dockerfile_stages(TEXT)
    checked = 0
    for stage in stages:
        args = {**global_args, **stage_args(stage)}
        for copy in stage.all("COPY"):
            if copy.flags.get("from"):
                continue
            *sources, _target = expand(copy.args, args).split()
            for source in sources:
                assert (ROOT / source).exists(), f"line {copy.line}: {source} does not exist"
                assert not dockerignore_excludes(source, patterns), f"{source} is ignored"
                checked += 1
    assert checked >= 5


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    patterns = dockerignore_patterns()
    for path in [".env", ".git", ".venv", ".state/dev/pg", "libs/platform/.venv", "tests"]:
        assert dockerignore_excludes(path, patterns), path
    for path in [
        "libs/platform/src/nazar_platform/kafka/topics.py",
        "uv.lock",
        "deploy/topics.yaml",
    ]:
        assert not dockerignore_excludes(path, patterns), path
    assert dockerignore_excludes("libs/platform/src/x/__pycache__/a.pyc", patterns)


def test_no_add_no_latest_and_exec_form_commands() -> None:
    instructions = dockerfile_instructions(TEXT)
    assert not [i for i in instructions if i.keyword == "ADD"], "use COPY"
    assert ":latest" not in TEXT
    for instruction in instructions:
        if instruction.keyword in {"CMD", "ENTRYPOINT"}:
            assert isinstance(json.loads(instruction.args), list), "exec form keeps PID 1 = app"
        if instruction.keyword == "RUN" and "apt-get install" in instruction.args:
            assert "--no-install-recommends" in instruction.args


def test_compose_builds_workspace_packages_the_dockerfile_can_install() -> None:
    members = {
        tomllib.loads(path.read_text())["project"]["name"]
        for path in [*ROOT.glob("libs/*/pyproject.toml"), *ROOT.glob("services/*/pyproject.toml")]
    }
    assert "ARG PACKAGE=" in TEXT
    built = [s["build"] for s in compose()["services"].values() if "build" in s]
    assert built
    for build in built:
        assert set(build.get("args", {})) <= {"PACKAGE", "PYTHON_IMAGE", "UV_VERSION"}
        assert build["args"]["PACKAGE"] in members
