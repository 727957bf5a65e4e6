"""Benchmarks: wall time and memory, measured outside the test suite."""
