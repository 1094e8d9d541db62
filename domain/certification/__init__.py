"""Certification: certificates after exams, held or withheld by proctoring review, verified publicly."""
