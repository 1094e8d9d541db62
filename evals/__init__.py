"""Evaluation suites and their runner; run from the CLI (`cognify eval`), never imported by the app."""
