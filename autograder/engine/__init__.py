"""The grading engine: knows workers, checks, scores and Gradescope, and no homework."""
