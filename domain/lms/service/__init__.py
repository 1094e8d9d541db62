"""LMS services: each takes the session and the acting user first and never commits."""
