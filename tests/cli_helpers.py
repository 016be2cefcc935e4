"""Run the `edgetrack` CLI in-process through its entry point, or in a child process, as a shell would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from edgetrack.cli import main


def run_cli(args, capsys) -> tuple[int, str, str]:
    """Run `edgetrack ARGS` in-process through main() (its error handling included)."""
    argv = sys.argv
    sys.argv = ["edgetrack", *map(str, args)]
    try:
        with pytest.raises(SystemExit) as exit_info:
            main()
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def one_error_line(code: int, err: str) -> str:
    """Assert the CLI's clear-error contract (exit 2, one `error:` line, no traceback); return the line."""
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def run_cli_process(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run `python -m edgetrack ARGS` in a child process from the repository root, one thread, wide
    console, a bare PATH."""
    env = {"COLUMNS": "200", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "edgetrack", *args]
    root = Path(__file__).resolve().parents[1]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=timeout, env=env)
