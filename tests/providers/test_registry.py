"""The registry: every network a package that fits the protocol, loaded only when asked for."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import providers
from providers import NETWORKS, PROVIDERS, defaults
from providers.base import Network, Provider

ROOT = Path(providers.__file__).parent
# Shared plumbing may sit flat in providers/; a network's helpers live in its package.
SHARED = {
    "__init__",
    "base",
    "defaults",
    "_http",
    "_text",
    "_document",
    "_pending",
    "_scan",
    "_counts",
    "_articles",
}


def _members(protocol: type) -> set[str]:
    own = set(vars(protocol).get("__annotations__", {})) | {
        name for name, value in vars(protocol).items() if inspect.isfunction(value)
    }
    return {name for name in own if not name.startswith("_")}


def test_every_network_is_a_package_and_nothing_else_sits_flat() -> None:
    flat = {path.stem for path in ROOT.glob("*.py")}
    assert flat <= SHARED, f"move into the network's package: {sorted(flat - SHARED)}"
    for name in NETWORKS:
        assert (ROOT / name / "__init__.py").is_file(), name


def test_the_typed_list_mypy_checks_names_every_network() -> None:
    tree = ast.parse((ROOT / "__init__.py").read_text())
    fits = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "FITS"
    )
    assert isinstance(fits, ast.Dict)
    assert [ast.literal_eval(key) for key in fits.keys if key] == list(NETWORKS)


@pytest.mark.parametrize("name", NETWORKS)
def test_each_network_has_every_part_and_optional_parts_keep_the_default_signature(
    name: str,
) -> None:
    provider = PROVIDERS[name]
    assert name == provider.NAME
    for member in _members(Network) | _members(Provider):
        assert hasattr(provider, member), f"{name} lacks {member}"
    for member in defaults.OPTIONAL:
        default = getattr(defaults, member)
        if callable(default):
            mine = inspect.signature(getattr(provider, member))
            assert list(mine.parameters) == list(inspect.signature(default).parameters), member


@pytest.mark.parametrize("name", NETWORKS)
def test_no_helper_module_is_named_like_a_protocol_part(name: str) -> None:
    # ``providers/x/lookup.py`` would be shadowed by ``def lookup`` in the package.
    parts = _members(Network) | _members(Provider)
    helpers = {path.stem for path in (ROOT / name).glob("*.py")} - {"__init__"}
    assert not helpers & parts


def test_networks_load_on_first_use_only() -> None:
    code = (
        "import sys; from providers import PROVIDERS; "
        "assert 'x' in PROVIDERS and 'nope' not in PROVIDERS; "
        "print(sorted(m for m in sys.modules if m.startswith('providers.'))); "
        "PROVIDERS['x']; print('providers.x' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["['providers.base', 'providers.defaults']", "True"]
