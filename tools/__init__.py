"""Typed agent tools: plain functions over the domain services, declared with a permission.

Each tool takes `(session, actor, args)`; identity comes from the LangGraph runtime context
(`tools.context.ToolContext`), never from the model's arguments.
"""
