"""The Dockerfile's install steps, replayed without Docker.

No engine runs here, so the build stage is replayed in a temporary folder standing for the image's
filesystem: its COPY instructions (through .dockerignore), its ENV and WORKDIR, and its `uv`
commands with the build arguments docker-compose.yml passes. Then the sources are deleted, as the
runtime stage leaves them behind, and the topics job's program must still run from the venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deployfiles import (
    DOCKERFILE,
    ROOT,
    Stage,
    compose,
    dockerfile_stages,
    dockerignore_excludes,
    dockerignore_patterns,
    expand,
    shell_words,
    stage_args,
)

pytestmark = pytest.mark.timeout(600)


class ImageFs:
    """Maps the image's absolute paths into a temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.workdir = "/"
        self.env: dict[str, str] = {}

    def path(self, image_path: str) -> Path:
        absolute = image_path if image_path.startswith("/") else f"{self.workdir}/{image_path}"
        return self.root / absolute.lstrip("/")

    def remap(self, value: str) -> str:
        return str(self.path(value)) if value.startswith("/") else value

    def copy(self, source: str, target: str, patterns: list[str]) -> None:
        src = ROOT / source
        dest = self.path(target)
        if src.is_dir():

            def ignored(folder: str, names: list[str]) -> set[str]:
                base = Path(folder).relative_to(ROOT)
                return {n for n in names if dockerignore_excludes(str(base / n), patterns)}

            shutil.copytree(src, dest, ignore=ignored, dirs_exist_ok=True)
        else:
            if target.endswith("/"):
                dest = dest / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest)


def replay(stage: Stage, fs: ImageFs, args: dict[str, str]) -> None:
    patterns = dockerignore_patterns()
    for instruction in stage.instructions:
        text = expand(instruction.args, args)
        if instruction.keyword == "WORKDIR":
            fs.workdir = text
            fs.path(text).mkdir(parents=True, exist_ok=True)
        elif instruction.keyword == "ENV":
            words = shell_words(text)
            for word in words:
                key, _, value = word.partition("=")
                fs.env[key] = fs.remap(expand(value, {**os.environ, **fs.env}))
        elif instruction.keyword == "COPY" and not instruction.flags.get("from"):
            *sources, target = text.split()
            for source in sources:
                fs.copy(source, target, patterns)
        elif instruction.keyword == "RUN":
            words = shell_words(text)
            if words[:2] == ["pip", "install"] and words[-1].startswith("uv=="):
                continue  # the uv on this machine stands in for the pinned one
            assert words[0] == "uv", f"line {instruction.line}: no replay for {text!r}"
            subprocess.run(
                words,
                cwd=fs.path(fs.workdir),
                env={**os.environ, **fs.env},
                check=True,
                capture_output=True,
                timeout=480,
            )


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> ImageFs:
    global_args, stages = dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))
    [build] = [s for s in stages if s.name == "build"]
    build_args = compose()["services"]["topics"]["build"]["args"]
    fs = ImageFs(tmp_path_factory.mktemp("image"))
    replay(build, fs, {**global_args, **stage_args(build, build_args)})
    runtime = stages[-1]
    for copy in runtime.all("COPY"):
        source, target = copy.args.split()
        if copy.flags.get("from") == "build":
            assert fs.path(source).is_dir() and source == target
        else:
            fs.copy(source, target, dockerignore_patterns())
    # The runtime stage carries the venv only: the sources must not be needed.
    shutil.rmtree(fs.path("/src"))
    return fs


def run_in_image(image: ImageFs, *argv: str) -> subprocess.CompletedProcess[str]:
    python = image.path("/app/.venv/bin/python")
    return subprocess.run(
        [str(python), *argv],
        cwd=image.path("/app"),
        env={"PATH": f"{python.parent}:/usr/bin:/bin", "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_topics_job_runs_from_the_image_venv_alone(image: ImageFs) -> None:
    command = compose()["services"]["topics"]["command"]
    assert command[0] == "python"
    result = run_in_image(image, *command[1:4], "--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--catalogue", "--environment", "--bootstrap-servers"):
        assert flag in result.stdout
    catalogue = command[command.index("--catalogue") + 1]
    environment = command[command.index("--environment") + 1]
    check = run_in_image(
        image,
        "-c",
        "import sys, nazar_platform; from nazar_platform.kafka.catalogue import load_catalogue; "
        "print(nazar_platform.__file__); "
        "print(len(load_catalogue(sys.argv[1]).resolve(sys.argv[2])))",
        str(image.path(catalogue)),
        environment,
    )
    assert check.returncode == 0, check.stderr
    installed_at, topics = check.stdout.split()
    assert Path(installed_at).is_relative_to(image.path("/app/.venv"))
    assert int(topics) >= 26  # the 13 topics of docs/ARCHITECTURE.md and their DLQ twins


def test_the_image_holds_no_dev_tools(image: ImageFs) -> None:
    site = next(image.path("/app/.venv/lib").glob("python3*/site-packages"))
    installed = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert {"aiokafka", "asyncpg", "nazar_platform", "nazar_contracts"} <= installed
    assert not installed & {"pytest", "ruff", "mypy", "faust_streaming", "check_jsonschema"}


async def test_the_image_reaches_a_real_kafka(image: ImageFs, kafka_bootstrap: str) -> None:
    # `wait` only reads metadata: the shared test cluster is left as it is.
    result = run_in_image(
        image, "-m", "nazar_platform.cli.topics", "wait", "--bootstrap-servers", kafka_bootstrap
    )
    assert result.returncode == 0, result.stderr
