"""Benchmarks: each module is runnable on its own (`python -m bench.<name>`, or the Makefile's bench-*
targets) and appends its results to docs/benchmarks.md. See docs/benchmarks.md for how to run them."""
