"""The staff copilot: CRM, LMS, finance and reports through permission-filtered tools, with approvals."""
