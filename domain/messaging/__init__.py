"""Outbound messages (email, SMS, WhatsApp) through pluggable senders, and campaign sends."""
