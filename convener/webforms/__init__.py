"""Public web forms that make contacts and schedule meetings.

A member builds a form (its fields, each mapped to a contact field, and what happens on
a submission: a meeting action, a static segment, a note to the owner), publishes it,
and embeds it on any website with an iframe or a script tag. A visitor's submission is
stored first, then read through the shared intake path (`convener.intake`): the contact
is found by its address or made, and the meeting action runs once per rendered page,
whatever the visitor's double clicks and the browser's retries do.
"""
