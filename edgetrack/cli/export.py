"""`edgetrack export`: a checkpoint or an ONNX file -> ONNX / OpenVINO IR (fp32, fp16, bf16, int8),
checked against its reference. torch and the deploy package are imported inside the command."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from edgetrack.cli.options import flag


def export(
    model: Path = typer.Argument(..., help="Checkpoint (.pth/.tar) or an ONNX tracker (.onnx)."),
    format: str = typer.Option(..., "--format", "-f", help="onnx or openvino (IR .xml + .bin)."),
    precision: str = typer.Option("fp32", "--precision", "-p", help="fp32, fp16 (IR), bf16 (IR), int8."),
    arch_config: Path | None = typer.Option(
        None, "--arch-config", help="Architecture JSON/YAML (default: the checkpoint's own or NAME.json)."
    ),
    calib: Path | None = typer.Option(
        None, "--calib", help="int8 calibration: a sequence folder or a folder of sequences (ground truth)."
    ),
    calib_frames: int = typer.Option(100, "--calib-frames", help="Calibration crop pairs."),
    out: Path | None = typer.Option(
        None, "--output", "-o", "--out", help="Output .onnx / .xml (default: NAME_PREC.*)."
    ),
    verify: bool = flag(True, "--verify/--no-verify", help="Check the export against its reference."),
    verify_source: Path | None = typer.Option(
        None, "--verify-source", help="Sequence(s) for the check (default: --calib; else random crops)."
    ),
    threads: int | None = typer.Option(None, "--threads", help="Threads for the check's inference."),
    template_cache: bool = flag(
        True,
        "--template-cache/--no-template-cache",
        help="Asymmetric-attention models: two parts (init once per target, track per frame) or one graph.",
    ),
) -> None:
    """Export a tracker to ONNX or OpenVINO IR and verify it against the original."""
    from rich.progress import Progress

    from edgetrack.deploy.export import ExportRequest, check_request, run_export
    from edgetrack.precision import canonical_precision

    console = Console(stderr=True)
    request = ExportRequest(
        source=model, format=format.lower(), precision=canonical_precision(precision), out=out,
        arch_config=arch_config, calib=calib, calib_frames=calib_frames, verify=verify,
        verify_source=verify_source, threads=threads, template_cache=template_cache,
    )  # fmt: skip
    check_request(request)
    with Progress(console=console, transient=True) as progress:
        report = run_export(request, progress)
    for path in report.outputs:
        console.print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    if request.precision == "bf16":
        console.print(_bf16_note())
    if report.diffs:
        Console().print(_verify_table(report, request.precision))
    if report.agreement:
        Console().print(_agreement_table(report.agreement))


def _bf16_note() -> str:
    from edgetrack.cpuinfo import describe_cpu

    features = set(describe_cpu()["features"])
    native = features & {"amx_bf16", "avx512_bf16"}
    how = f"native here ({', '.join(sorted(native))})" if native else "NOT native here (no AMX/AVX512-BF16)"
    return (
        "bf16 is a runtime precision: the file is the fp32 IR; run it with --precision bf16 "
        f"(OpenVINO INFERENCE_PRECISION_HINT). bf16 is {how}."
    )


def _verify_table(report, precision: str) -> Table:
    crops = "real crops" if report.real_crops else "random crops (no --verify-source / --calib)"
    runtime = report.runtime_precision
    table = Table(title=f"{precision} ({runtime} at run time) vs {report.reference}, {crops}")
    table.add_column("output")
    table.add_column("max |diff|", justify="right")
    table.add_column("mean |diff|", justify="right")
    for diff in report.diffs:
        table.add_row(diff.name, f"{diff.max_abs:.3g}", f"{diff.mean_abs:.3g}")
    worst = max(d.max_abs for d in report.diffs)
    if precision == "fp32":
        table.caption = f"fp32 parity: max {worst:.2g} <= 1e-4"
    else:
        table.caption = f"{precision}: drift as measured (only fp32 must match to 1e-4)"
    return table


def _agreement_table(agreement: dict) -> Table:
    """Mean box IoU with the reference per sequence: closed-loop tracking, and on the reference's crops."""
    table = Table(title="box IoU with the reference's boxes")
    table.add_column("sequence")
    table.add_column("tracking", justify="right")
    table.add_column("same crops", justify="right")
    for name, measured in agreement.items():
        table.add_row(name, f"{measured.tracking:.4f}", f"{measured.same_crops:.4f}")
    tracking = sum(a.tracking for a in agreement.values()) / len(agreement)
    same_crops = sum(a.same_crops for a in agreement.values()) / len(agreement)
    table.add_row("mean", f"{tracking:.4f}", f"{same_crops:.4f}")
    table.caption = (
        "tracking: each follows its own boxes; same crops: the export re-centred on the reference's "
        "previous box every frame"
    )
    return table
