"""`edgetrack bench`: model-only and end-to-end latency, FPS, AUC, parameters, MACs and size of tracker
models across backends, precisions and thread counts, in one run on the same frames."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def bench(
    models: list[Path] = typer.Argument(
        ..., help="Models: .onnx, OpenVINO .xml, or a torch checkpoint (.pth/.tar) for a PyTorch eager row."
    ),
    source: Path = typer.Option(
        ..., "--source", help="A sequence folder or a folder of sequences (ground truth gives AUC)."
    ),
    backends: str = typer.Option(
        "onnxruntime,openvino", "--backend", "--backends", help="Backend, or a comma list of them."
    ),
    precisions: str = typer.Option(
        "fp32,int8",
        "--precision",
        "-p",
        "--precisions",
        help="Comma list of fp32, bf16, fp16, int8 (int8: int8 model files).",
    ),
    threads: str = typer.Option("1", "--threads", help="Thread count, or a comma list, e.g. 1,2."),
    frames: int | None = typer.Option(
        None, "--max-frames", "--frames", min=2, help="At most N frames per sequence."
    ),
    runs: int = typer.Option(50, "--runs", min=1, help="Timed model-only passes per row."),
    warmup: int = typer.Option(10, "--warmup", min=0, help="Untimed passes per row first."),
    peer: str | None = typer.Option(None, "--peer", help="opencv-vit: add cv2.TrackerVit on each fp32 ONNX."),
    arch_config: Path | None = typer.Option(
        None, "--arch-config", help="Architecture JSON/YAML (default: the checkpoint's own or NAME.json)."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write the rows as a JSON list here."),
) -> None:
    """Latency and accuracy of tracker models: one row per model x backend x precision x threads."""
    from rich.progress import Progress

    from edgetrack import bench as b
    from edgetrack.cpuinfo import cpu_line
    from edgetrack.datasets.discover import find_sequences
    from edgetrack.precision import ALIASES
    from edgetrack.runtime.writers import AtomicOutput

    console = Console(stderr=True)
    chosen_backends = b.parse_list(backends, b.BACKENDS, "backend")
    aliased = ",".join(ALIASES.get(p.strip().lower(), p) for p in precisions.split(","))
    chosen_precisions = b.parse_list(aliased, b.PRECISIONS, "precision")
    thread_counts = b.parse_threads(threads)
    peers = b.parse_list(peer, b.PEERS, "peer") if peer else []
    if json_out is not None and not json_out.parent.is_dir():
        from edgetrack.errors import EdgetrackError

        raise EdgetrackError(f"cannot write {json_out}: folder {json_out.parent} does not exist")
    sequences = find_sequences(source)
    rows, notes = b.plan_rows(models, chosen_backends, chosen_precisions, thread_counts, peers, arch_config)
    total_frames = sum(min(len(s.frames), frames or len(s.frames)) - 1 for s in sequences)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("model-only", total=runs)
        b.measure_model(rows, sequences[0], runs, warmup, lambda n: progress.advance(task, n))
        task = progress.add_task("end-to-end", total=total_frames)
        for sequence in sequences:
            b.measure_tracking(rows, sequence, frames, lambda n: progress.advance(task, n))
    cpu = cpu_line()
    summaries = [row.summary(cpu) for row in rows]
    names = ", ".join(s.name for s in sequences)
    Console(width=max(160, Console().width)).print(_table(summaries, cpu, names, notes))
    if json_out is not None:
        with AtomicOutput(json_out) as out:
            out.tmp_path.write_text(json.dumps(summaries, indent=1) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _scaled(value: int | None, unit: float) -> float | None:
    return None if value is None else value / unit


def _table(rows: list[dict], cpu: str, sequences: str, notes: list[str]) -> Table:
    table = Table(title=f"edgetrack bench · batch 1 · {sequences}")
    columns = ["model", "backend", "prec", "thr", "model ms mean", "p50", "p90", "e2e ms mean", "p50",
               "p90", "e2e FPS", "AUC %", "params M", "GMACs", "MB"]  # fmt: skip
    for i, name in enumerate(columns):
        table.add_column(name, justify="left" if i < 3 else "right")
    for r in rows:
        table.add_row(
            r["model"], r["backend"], r["precision"], str(r["threads"]),
            _fmt(r["model_ms_mean"], ".2f"), _fmt(r["model_ms_p50"], ".2f"), _fmt(r["model_ms_p90"], ".2f"),
            _fmt(r["e2e_ms_mean"], ".2f"), _fmt(r["e2e_ms_p50"], ".2f"), _fmt(r["e2e_ms_p90"], ".2f"),
            _fmt(r["e2e_fps"], ".1f"), _fmt(_scaled(r["auc"], 0.01), ".1f"),
            _fmt(_scaled(r["params"], 1e6), ".2f"),
            _fmt(_scaled(r["macs"], 1e9), ".3f"), f"{r['size_mb']:.1f}",
        )  # fmt: skip
    e2e = "end-to-end = crop + normalise + inference + decode + map back per frame (frame decoding excluded)"
    table.caption = "\n".join([f"CPU: {cpu}", e2e] + [f"not run: {n}" for n in notes])
    return table
