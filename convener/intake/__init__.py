"""Contact data that arrives from outside, and the meeting it asks for.

A web form submission, a signed webhook from a marketing suite (and, later, a booking)
each bring values for a contact and fire a meeting action for them. They share one path:

- `values`: the given values read and checked by target (email, names, owner, zone,
  custom fields), every problem kept with the target it is about;
- `upsert`: the contact found by its address in any letter case and updated with what was
  given, or made; a field that was not given keeps its value;
- `start`: whether the action can plan a meeting with these values, before anything is
  saved, so that a form shows "this date is in the past" next to the field;
- `run`: the action run for the contact through the scheduling seam, with the trigger
  reference the caller built (a sender's retry finds the meeting it made).
"""
