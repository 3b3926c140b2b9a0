"""Contacts, their owners and typed custom fields."""
