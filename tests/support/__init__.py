"""Helpers shared by the test suites: import them as `tests.support.<module>`; no test module imports another."""
