"""Campaigns: journeys that contacts go through, one event at a time; a meeting is one of
the steps. The engine is rows of "contact at event" with due times (convener.campaigns
.engine), run by the worker (convener.campaigns.runner)."""
