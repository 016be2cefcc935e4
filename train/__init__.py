"""Training: pair sampling, SSTrack scheduling, losses, OSTrack processing, the trainer and its configs."""
