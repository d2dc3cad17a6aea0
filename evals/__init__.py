"""Measurements on real labelled data (`make eval`) and speed benchmarks (`make bench`).

Every figure is printed as one line ``METRIC <name> <value>``. Data comes from ``EVAL_DATA``
(default: ``../shared/eval`` next to the checkout) and is never copied into the repository.
"""
