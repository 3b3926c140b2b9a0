"""Making it so: the worker that brings providers and attendees in line with the rows.

dispatcher (lanes, leases, the worker's threads), sync (one step for one meeting),
provider_step and announce (the steps), pacing and redis_lanes (the shared pace), backoff,
sweeper (what a dead worker left), tasks (the nudges), and the `worker` command.
"""
