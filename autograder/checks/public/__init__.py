"""Property checks that need no reference solution; shipped to students."""
