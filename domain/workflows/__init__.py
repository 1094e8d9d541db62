"""Tenant automation rules: trigger + condition + actions, evaluated by events and by beat."""
