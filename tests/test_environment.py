"""environment.yml (conda/Binder) must list the same packages and bounds as pyproject.toml."""
import re
import tomllib

import yaml

from conftest import PROJECT_ROOT

# Packages that only the pip bootstrap needs (uv installs .venv; conda users do not need it).
BOOTSTRAP_ONLY = {"uv"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(?:\[[^\]]*\])?\s*(.*?)\s*(?:#.*)?$", req)
    return _norm(m.group(1)), m.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    reqs = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        reqs += extra
    for group in data.get("dependency-groups", {}).values():
        reqs += group
    out = dict(_split(r) for r in reqs)
    out["python"] = data["project"]["requires-python"].replace(" ", "")
    return {k: v for k, v in out.items() if k not in BOOTSTRAP_ONLY}


def _environment() -> dict[str, str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for req in dep.get("pip", []):
                if not req.startswith("-"):
                    out.__setitem__(*_split(req))
        elif _norm(dep) != "pip":
            out.__setitem__(*_split(dep))
    return out


def test_same_packages_and_bounds():
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(env) - set(py)) == [], "in environment.yml but not pyproject.toml"
    diff = {k: (py[k], env[k]) for k in py if py[k] != env[k]}
    assert diff == {}, f"version bounds differ (pyproject, environment): {diff}"


def test_environment_installs_the_project_and_uses_conda_forge():
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
