"""Per-call overheads of the inference backends on one model, interleaved in one process: onnxruntime
`session.run` with a feed dict vs IOBinding (inputs bound once, outputs preallocated), and OpenVINO
`infer(dict)` + output copies vs input tensors sharing the arrays' memory, set once.

Usage: python benchmarks/backend_overheads.py MODEL.onnx [--rounds 50] [--threads 1]
Each variant runs 10 calls in turn per round, so a change of machine load hits all alike; prints the
median and 10th percentile ms per call.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import onnxruntime as ort
import openvino as ov


def variants(path: str, threads: int) -> dict:
    """name -> a callable running one inference of the model on fixed random inputs."""
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    options.log_severity_level = 3
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feeds = {i.name: rng.random(i.shape, dtype=np.float32) for i in session.get_inputs()}
    names = [o.name for o in session.get_outputs()]
    binding = session.io_binding()
    for name, array in feeds.items():
        binding.bind_cpu_input(name, array)
    outputs = {o.name: np.empty(o.shape, np.float32) for o in session.get_outputs()}
    for name, out in outputs.items():
        binding.bind_output(name, "cpu", 0, np.float32, list(out.shape), out.ctypes.data)
    config = {"INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1,
              "INFERENCE_NUM_THREADS": threads}  # fmt: skip
    request = ov.Core().compile_model(path, "CPU", config).create_infer_request()
    bound = ov.Core().compile_model(path, "CPU", config).create_infer_request()
    for name, array in feeds.items():
        bound.set_tensor(name, ov.Tensor(array, shared_memory=True))
    count = len(names)

    def ort_bound():
        session.run_with_iobinding(binding)
        return outputs  # the bound memory: it must live as long as the binding

    def ov_dict():
        request.infer(feeds, share_inputs=True)
        return [request.get_output_tensor(i).data.copy() for i in range(count)]

    def ov_bound():
        bound.infer()
        return [bound.get_output_tensor(i).data for i in range(count)]

    return {
        "onnxruntime run(feeds)": lambda: session.run(names, feeds),
        "onnxruntime IOBinding": ort_bound,
        "openvino infer(dict) + copy": ov_dict,
        "openvino shared tensors": ov_bound,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    runs = variants(args.model, args.threads)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        for _ in range(20):
            run()
    for _ in range(args.rounds):
        for name, run in runs.items():
            for _ in range(10):
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    for name, values in times.items():
        ms = 1e3 * np.asarray(values)
        print(f"{name:28s} median {np.median(ms):.3f} ms  p10 {np.percentile(ms, 10):.3f} ms")


if __name__ == "__main__":
    main()
