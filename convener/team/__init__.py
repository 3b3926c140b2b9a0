"""Team members (users, each with a time zone) and their API tokens."""
