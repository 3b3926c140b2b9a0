"""Jitsi Meet: needs no account, so every install can make real links on its first run."""
