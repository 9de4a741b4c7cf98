"""The adapters stay optional: importing the registry (and the integrations package) loads no
framework, a missing extra says which one to install, and the extras are declared."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import registry_core.integrations

ROOT = Path(__file__).resolve().parents[2]
# every module of the package, so that one added later is checked too
SUBMODULES = sorted(m.name for m in pkgutil.iter_modules(registry_core.integrations.__path__))


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_importing_the_registry_and_the_integrations_loads_no_framework() -> None:
    done = run(
        "import sys, registry_core, registry_core.integrations\n"
        "from registry_core.integrations import ResponseInvalid\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in "
        "('langchain_core', 'llama_index', 'langsmith')]\n"
        "print(loaded)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("module", "blocked", "extra"),
    [
        ("registry_core.integrations.langchain", "langchain_core", "langchain"),
        ("registry_core.integrations.llamaindex", "llama_index", "llamaindex"),
    ],
)
def test_a_missing_extra_names_the_install_command(module: str, blocked: str, extra: str) -> None:
    done = run(
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "from registry_core.integrations import MissingExtra\n"
        "try:\n"
        f"    import {module}\n"
        "except MissingExtra as exc:\n"
        "    print(exc.extra, '|', exc)\n"
    )
    assert done.returncode == 0, done.stderr
    named, message = done.stdout.strip().split(" | ")
    assert named == extra
    assert f"pip install 'llm-schema-registry[{extra}]'" in message


def test_every_public_name_exists() -> None:
    assert {"langchain", "llamaindex", "pydantic", "schema_nav"} <= set(SUBMODULES)
    for name in registry_core.integrations.__all__:
        assert hasattr(registry_core.integrations, name), name
    for sub in SUBMODULES:
        module = importlib.import_module(f"registry_core.integrations.{sub}")
        missing = [n for n in getattr(module, "__all__", []) if not hasattr(module, n)]
        assert not missing, (sub, missing)


def test_the_extras_are_declared_and_installed_for_development() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert extras["langchain"] == ["langchain-core>=1.8,<2"]
    assert extras["llamaindex"] == ["llama-index-core>=0.14,<0.15"]
    assert {"langchain-core>=1.8,<2", "llama-index-core>=0.14,<0.15"} <= set(extras["dev"])
