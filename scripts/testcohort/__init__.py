"""Generator of the synthetic test cohort (run by scripts/make_test_cohort.py)."""
