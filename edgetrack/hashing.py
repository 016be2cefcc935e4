"""Content hashes of files (model provenance)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_digest(path: Path | str) -> str:
    """SHA-256 over a model's files: the .onnx, or an OpenVINO .xml and its .bin."""
    path = Path(path)
    parts = [path] + ([path.with_suffix(".bin")] if path.suffix == ".xml" else [])
    return hashlib.sha256("".join(file_sha256(p) for p in parts if p.is_file()).encode()).hexdigest()
