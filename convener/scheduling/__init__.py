"""Writing what should be: every trigger's one way to meetings.

triggers (kinds and references), request (what a trigger asks), schedule (plan, choose the
accounts, save the rows), accounts (which connected account hosts), validation (one check
of a MeetingAction), preview, oneoff (the popup and POST /meetings), idempotency,
lifecycle (reschedule, cancel, manual links, retries), resume (after a reconnect).
See docs/architecture.md.
"""
