"""LangGraph agents: the staff `copilot` and the student `tutor`, with threads, approvals and audit."""
