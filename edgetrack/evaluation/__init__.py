"""One-pass evaluation: run a tracker over a dataset (resumable, parallel), write toolkit-format results,
score them per benchmark convention, print tables and draw plots."""
