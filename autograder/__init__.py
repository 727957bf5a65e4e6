"""The autograder: ``engine`` (assignment-agnostic), ``sandbox`` (the only code that runs next to
a student's), ``checks`` (grading tests per homework topic, public and hidden) and
``assignments`` (one folder of configuration per assignment)."""
