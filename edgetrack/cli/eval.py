"""`edgetrack eval`: one-pass evaluation of a model on a dataset, or scoring of existing result folders."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from edgetrack.cli.options import names_option, split_names
from edgetrack.errors import EdgetrackError

SERVER_SCORED = {  # test splits whose scores only the benchmark's server computes: what to upload
    "got10k": "zip the sequence folders for http://got-10k.aitestunion.com",
    "trackingnet": "zip the .txt files for https://eval.ai (TrackingNet)",
}


def eval_command(
    dataset: str = typer.Option(..., "--dataset", "-d", help="Dataset name, e.g. otb, folder."),
    root: Path = typer.Option(..., "--root", help="The dataset's root folder."),
    model: Path | None = typer.Option(None, "--model", "-m", help="Model to evaluate (edgetrack runtime)."),
    baseline: str | None = typer.Option(None, "--baseline", help="Evaluate a built-in baseline: 'static'."),
    results: list[Path] | None = typer.Option(
        None, "--results", help="Score existing result folder(s).", metavar="DIR"
    ),
    more_results: list[Path] | None = typer.Argument(
        None, help="More result folders after --results.", metavar="DIR..."
    ),
    sequences: list[str] | None = names_option("--sequences", "-s", help="Only these sequences."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Sequences evaluated in parallel."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Output folder (default runs/eval/...)."),
    backend: str = typer.Option("auto", help="Runtime backend for --model."),
    threads: int | None = typer.Option(None, help="Inference threads per worker for --model."),
    precision: str = typer.Option(
        "fp32", "--precision", "-p", help="fp32, or bf16/fp16 on OpenVINO, for --model."
    ),
) -> None:
    """Run one-pass evaluation (resumable, parallel) or score result folders; print tables, draw plots."""
    from edgetrack.cli.paths import output_folder
    from edgetrack.datasets import open_dataset
    from edgetrack.evaluation.plots import write_plots
    from edgetrack.evaluation.report import attribute_table, overall_table, write_scores_json
    from edgetrack.evaluation.runner import run_evaluation
    from edgetrack.evaluation.scoring import score_results
    from edgetrack.evaluation.trackers import RuntimeTrackerFactory, StaticTrackerFactory

    console = Console()
    result_dirs = list(results or []) + list(more_results or [])
    modes = sum([model is not None, baseline is not None, bool(result_dirs)])
    if modes != 1:
        raise EdgetrackError("give exactly one of --model, --baseline or --results")
    data = open_dataset(dataset, root)
    names = data.select(split_names(sequences))
    start = time.perf_counter()
    if result_dirs:
        missing = [str(d) for d in result_dirs if not d.is_dir()]
        if missing:
            raise EdgetrackError(f"result folder(s) not found: {', '.join(missing)}")
        out = output_folder(output or Path("runs/eval") / data.name / "compare")
        tracker_names = [d.name for d in result_dirs]
    else:
        if baseline is not None and baseline != "static":
            raise EdgetrackError(f"unknown baseline {baseline!r}; known: static")
        if model is not None and not model.is_file():
            raise EdgetrackError(f"model file {model} not found")
        if baseline:
            factory = StaticTrackerFactory()
        else:
            factory = RuntimeTrackerFactory(str(model), backend, threads, precision)
        out = output_folder(output or Path("runs/eval") / data.name / factory.name)
        runs, skipped = run_evaluation(factory, data, names, out, workers, console)
        if skipped:
            console.print(f"resumed: {len(skipped)} finished sequence(s) kept, {len(runs)} evaluated")
        for run in runs:
            for path in run.corrupt:
                console.print(f"[yellow]warning:[/] unreadable frame {path} (previous frame used)")
        result_dirs, tracker_names = [out], [factory.name]
        if data.split == "test" and data.protocol in SERVER_SCORED:
            console.print(
                f"wrote the {data.name} submission files to {out}; the test split's ground truth is not "
                f"public: the scores come from the evaluation server ({SERVER_SCORED[data.protocol]})",
                soft_wrap=True,
            )
            return
    scores = [score_results(data, names, d, n) for d, n in zip(result_dirs, tracker_names, strict=True)]
    console.print(overall_table(data.name, scores, len(names)))
    per_attribute = attribute_table(data.name, scores)
    if per_attribute is not None:
        console.print(per_attribute)
    write_scores_json(out / "scores.json", data.name, scores)
    plots = write_plots(out, data.name, scores)
    console.print(f"scores and plots in {out}: " + ", ".join(p.name for p in plots))
    console.print(f"took {time.perf_counter() - start:.1f} s")
