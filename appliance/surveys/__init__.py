"""Surveys: questionnaire definitions, templates and their lifecycle (staff)."""
