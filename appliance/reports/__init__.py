"""Aggregate plane: reports, reached by the researcher only through ``reports.gate``."""
