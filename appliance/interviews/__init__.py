"""Interviewer-administered surveys: telephone (a call list with outcome codes) and face to face."""
