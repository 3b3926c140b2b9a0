"""Google Meet: Meet links made as Google Calendar v3 events with a conference request."""
