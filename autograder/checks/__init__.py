"""Grading checks, one module per homework topic, mirroring ``reference/``.

``public/`` holds property checks that need no reference: they ship to students and run on
Gradescope as visible tests. ``hidden/`` compares with ``reference/`` and exists only on the
grader. ``strategies`` generates the inputs both use.
"""
