"""Meetings: the reusable action, the meeting rows, the pipeline, its tasks, invitations."""
