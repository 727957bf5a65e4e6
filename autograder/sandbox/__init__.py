"""The sandbox boundary: ``worker.py`` runs a student's code; ``wire.py`` is all that crosses."""
