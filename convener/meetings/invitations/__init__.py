"""Invitations: the ICS for a meeting version, the email around it, and its delivery."""
