"""Comparisons with the reference on generated inputs; never shipped to students."""
