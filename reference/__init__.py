"""The instructor solution of every graded quantity, one module per homework topic.

Only torch and the standard library are used here, so the same sources serve the grader, the
project's tests and (copied into a submission folder) the reference submission. Known mistakes
live beside it in ``reference.mistakes``, one module per topic with the same name.
"""
