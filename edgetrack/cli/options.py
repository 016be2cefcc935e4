"""Option builders shared by the verbs, so that flags look and behave the same everywhere."""

from __future__ import annotations

import typer


def flag(default: bool, *names: str, help: str):  # noqa: A002 (typer's keyword)
    """A boolean flag; its help line shows no `<bool>` value (a flag takes none)."""
    return typer.Option(default, *names, help=help, metavar="")


def backend_option():
    """--backend for verbs that run one tracker model."""
    return typer.Option("auto", "--backend", help="auto, onnxruntime or openvino.")


def threads_option():
    """--threads for verbs that run one tracker model (None: the backend's default)."""
    return typer.Option(None, "--threads", help="Inference threads (default: the library's).")


def precision_option():
    """--precision/-p: the inference precision of a float model file."""
    return typer.Option(
        "fp32", "--precision", "-p", help="fp32, or bf16/fp16 on OpenVINO (bf16 is fast on CPUs with AMX)."
    )


def names_option(*names: str, help: str):  # noqa: A002 (typer's keyword)
    """A repeatable option of sequence or clip names; each value may also be a comma list
    (`split_names` flattens them)."""
    return typer.Option(None, *names, help=help, metavar="NAME[,NAME...]")


def split_names(values: list[str] | None) -> list[str]:
    """The names of a `names_option`: repeated values and comma lists flattened, empty ones dropped."""
    return [v for item in values or [] for v in item.split(",") if v]
