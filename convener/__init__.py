"""Convener: turns CRM and workflow events into online meetings and sends the invitations."""

__version__ = "0.1.0"
