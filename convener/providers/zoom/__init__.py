"""Zoom (API v2): scheduled meetings for a user (OAuth) or an account (Server-to-Server)."""
