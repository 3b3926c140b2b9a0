"""Invitations: ICS, composing and delivering the emails, and notices to the team."""
