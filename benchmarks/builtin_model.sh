#!/usr/bin/env bash
# Reproduces the built-in tracker (models/builtin/): synthetic data -> edgetrack train -> edgetrack export
# (ONNX fp32) -> held-out synthetic and real-sequence AUC -> edgetrack bench. `make builtin-model` runs it.
# Synthetic data only is learned from; the real sequences (SHARED, default ../shared) are only evaluated on.
# About 25 minutes on a 2-core CPU (training runs on one thread).
set -euo pipefail
EDGETRACK=${EDGETRACK:-edgetrack}
PYTHON=${PYTHON:-python}
SHARED=${SHARED:-../shared}
DATA=data/builtin
RUN=runs/builtin
OUT=models/builtin
EPOCHS=$(sed -n 's/^  epochs: *//p' train/configs/builtin.yaml)
CHECKPOINT=$RUN/train/checkpoints/epoch_$(printf %04d "$EPOCHS").pth
SEQS=$SHARED/fixtures/sequences

rm -rf "$DATA" "$RUN"
$EDGETRACK synth --format got10k -o $DATA/train --split train --count 96 --frames 100 --seed 1
$EDGETRACK synth --format got10k -o $DATA/heldout --split train --count 12 --frames 100 --seed 2
$EDGETRACK train -c train/configs/builtin.yaml -o $RUN/train
$EDGETRACK export "$CHECKPOINT" --format onnx -o $OUT/edgetrack_builtin.onnx --threads 1
cp train/configs/builtin.yaml $OUT/train_config.yaml
$PYTHON benchmarks/builtin_eval.py $OUT/edgetrack_builtin.onnx --held-out $DATA/heldout \
    --real "$SEQS/OTB/Crossing" "$SEQS/DTB70/Surfing06" "$SEQS/UAV123_10fps/data_seq/UAV123_10fps/wakeboard7" --json $OUT/figures.json
$EDGETRACK bench $OUT/edgetrack_builtin.onnx --source "$SEQS/OTB/Crossing" --precisions fp32 \
    --threads 1,2 --json $RUN/bench.json
