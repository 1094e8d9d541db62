"""Inbound webhooks: signed lead and payment deliveries, per-tenant secrets."""
