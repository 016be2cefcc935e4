"""Packaging: everything installs under `edgetrack` (models/, train/ and deploy/ as edgetrack.models,
edgetrack.train and edgetrack.deploy), so a user's own models.py, train/ or deploy.py never shadows
edgetrack's modules, and edgetrack never shadows theirs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"models": "edgetrack.models", "train": "edgetrack.train", "deploy": "edgetrack.deploy"}
ENV = {"COLUMNS": "200", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}


def user_project(folder: Path, body: str) -> Path:
    """A user's project with its own `models.py`, `train/` package and `deploy.py`, each running `body`."""
    (folder / "train").mkdir(parents=True)
    for path in (folder / "models.py", folder / "train" / "__init__.py", folder / "deploy.py"):
        path.write_text(body)
    return folder


def run_in(folder: Path, *args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    env = {**ENV, "PYTHONPATH": str(pythonpath)} if pythonpath else ENV
    return subprocess.run(
        [sys.executable, *args], cwd=folder, capture_output=True, text=True, timeout=120, env=env
    )


def test_packages_listed_are_every_package_folder():
    tomllib = pytest.importorskip("tomllib")
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {name: folder for folder, name in MAPPED.items()}
    folders = {init.parent.relative_to(ROOT) for top in ("edgetrack", *MAPPED) for init in
               (ROOT / top).rglob("__init__.py")}  # fmt: skip
    on_disk = {MAPPED.get(folder.parts[0], folder.parts[0]) + "".join(f".{p}" for p in folder.parts[1:])
               for folder in folders}  # fmt: skip
    assert sorted(setuptools["packages"]) == sorted(on_disk)


def test_user_modules_named_models_train_deploy_do_not_shadow_edgetrack(tmp_path):
    """From a folder whose models.py, train/ and deploy.py raise on import, `python -m edgetrack info`
    reads a checkpoint (edgetrack.models.checkpoint, .complexity) and the built-in ONNX model."""
    torch = pytest.importorskip("torch")
    from edgetrack.builtin import BUILTIN_MODEL
    from edgetrack.models.config import TrackerConfig
    from edgetrack.models.ostrack import build_tracker

    arch = dict(embed_dim=16, depth=1, num_heads=2, template_size=64, search_size=128, head_channels=16)
    torch.save({"net": build_tracker(TrackerConfig.from_dict(arch)).state_dict()}, tmp_path / "t.pth")
    (tmp_path / "arch.json").write_text(json.dumps(arch))
    user = user_project(tmp_path / "user", "raise ImportError('the user module was imported')\n")
    checkpoint = run_in(user, "-m", "edgetrack", "info", str(tmp_path / "t.pth"), "--arch-config",
                        str(tmp_path / "arch.json"))  # fmt: skip
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert "1x3x128x128" in checkpoint.stdout
    builtin = run_in(user, "-m", "edgetrack", "info", str(BUILTIN_MODEL))
    assert builtin.returncode == 0, builtin.stderr
    assert "user module" not in checkpoint.stderr + builtin.stderr


def build_wheel(out: Path) -> Path:
    """The wheel `pip install .` would install, built from a copy of the sources (no network)."""
    source = out / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("edgetrack", *MAPPED):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    code = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"
    done = run_in(source, "-c", code, str(out), pythonpath=None)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_wheel_installs_only_edgetrack_and_runs_beside_a_users_modules(tmp_path):
    pytest.importorskip("setuptools")
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert {name.split("/")[0] for name in names} == {"edgetrack", "edgetrack-0.1.0.dist-info"}
    for shipped in ("models/builtin/edgetrack_builtin.onnx", "models/builtin/edgetrack_builtin.init.onnx",
                    "models/arch/vit_tiny_256.json",
                    "models/ostrack.py", "train/configs/synthetic_small.yaml", "train/launch.py",
                    "deploy/export.py"):  # fmt: skip
        assert f"edgetrack/{shipped}" in names
    metadata = (tmp_path / "site" / "edgetrack-0.1.0.dist-info" / "METADATA").read_text()
    torch_requirements = [line for line in metadata.splitlines() if line.startswith("Requires-Dist: torch")]
    assert torch_requirements and all("extra ==" in line for line in torch_requirements)

    user = user_project(tmp_path / "user", "WHOSE = 'user'\n")
    code = (
        "import json, edgetrack, edgetrack.cli, edgetrack.models.config, edgetrack.train.config, "
        "edgetrack.deploy.spec, models, train, deploy\n"
        "from edgetrack.builtin import builtin_model_path\n"
        "print(json.dumps([edgetrack.models.config.__file__, str(builtin_model_path()), "
        "[models.WHOSE, train.WHOSE, deploy.WHOSE]]))\n"
    )
    done = run_in(user, "-c", code, pythonpath=tmp_path / "site")
    assert done.returncode == 0, done.stderr
    config_file, builtin, whose = json.loads(done.stdout)
    site = str((tmp_path / "site" / "edgetrack").resolve())
    assert config_file.startswith(site) and builtin.startswith(site) and Path(builtin).is_file()
    assert whose == ["user", "user", "user"]
