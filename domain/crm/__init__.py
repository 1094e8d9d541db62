"""CRM: leads, campaigns, follow-up tasks and conversations."""
