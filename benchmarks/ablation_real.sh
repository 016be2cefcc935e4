#!/usr/bin/env bash
# The real-data ablation of docs/distill.md: the built-in tracker's student, start and data
# (CONFIG, default train/configs/builtin.yaml: vitTrack's weights at 128/256 with a template cache;
# CONFIG=train/configs/builtin_112.yaml for the earlier 112/224 student) with one budget (8 epochs x 2048
# pairs, one thread) for each row: ground truth only, teacher only, both, both + SSTrack's interval sampler and
# gradient scaling. Each student is scored with the torch tracker at the config's settings on the
# validation split of public-real and on the three shared evaluation sequences (never used for a choice).
#   benchmarks/ablation_real.sh [OUT]      (about 4 min a row on a 2-core CPU)
set -euo pipefail
EDGETRACK=${EDGETRACK:-edgetrack}
PYTHON=${PYTHON:-python}
SHARED=${SHARED:-../shared}
OUT=${1:-runs/ablation}
CONFIG=${CONFIG:-train/configs/builtin.yaml}
REAL=$SHARED/datasets/public-real
EVAL=$SHARED/fixtures/sequences
TEACHER=$SHARED/fixtures/models/vittrack.onnx
VALIDATION="Human7 S1606 boat5 bike1 AerialBiker Girl car14 S0310"
BUDGET="train.epochs=8 train.lr_drop_epoch=6 train.checkpoint_every=8"
declare -A ROWS=(
    [gt_only]="distill.score_weight=0 distill.box_weight=0"
    [teacher_only]="distill.gt_weight=0"
    [both]=""
    [both_sstrack]="sampler.kind=interval sampler.gradient_scaling=true"
)
[ -d data/builtin/train ] ||  # the generated clips of the built-in recipe
    $EDGETRACK synth --format got10k -o data/builtin/train --split train --count 96 --frames 100 --seed 1
for row in gt_only teacher_only both both_sstrack; do
    # shellcheck disable=SC2086  # the overrides are separate words
    $EDGETRACK distill -c "$CONFIG" data.datasets.0.root="$REAL" train.init_checkpoint="$TEACHER" \
        --teacher "$TEACHER" $BUDGET ${ROWS[$row]} -o "$OUT/$row" --exist-ok
done
for row in gt_only teacher_only both both_sstrack; do
    echo "== $row"
    $PYTHON benchmarks/eval_checkpoints.py "$OUT/$row/student.pth" --held-out-kind got10k_train \
        --held-out-root "$REAL" --sequences $VALIDATION
    $PYTHON benchmarks/eval_checkpoints.py "$OUT/$row/student.pth" --held-out-kind folder --held-out-root "$EVAL"
done
