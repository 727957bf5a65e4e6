"""Course-staff workflows around grading: building the zips, regrading a batch, looking at one submission."""
