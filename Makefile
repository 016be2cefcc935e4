PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup test lint demo builtin-model clean arm-check

setup:  ## .venv with the CPU torch and edgetrack (editable) with all extras
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[train,serve,dev]"

test:
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo:  ## the built-in tracker on a generated clip: runs/demo/tracked.mp4, boxes.txt, latency table
	$(BIN)/edgetrack demo -o runs/demo

builtin-model:  ## retrain models/builtin/edgetrack_builtin.onnx: fine-tune vitTrack's weights with a template cache on ../shared real footage + generated clips (38 min end to end on a 2-core CPU)
	EDGETRACK=$(abspath $(BIN))/edgetrack PYTHON=$(abspath $(BIN))/python benchmarks/builtin_model.sh

arm-check:  ## aarch64 parity under qemu-user (slow; installs Debian packages; not part of test). docs/arm.md
	HOST_PY=$(abspath $(BIN))/python deploy/arm/arm_check.sh

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
