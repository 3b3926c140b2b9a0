"""The team calendar: events with a location, and a unique meeting link for each event
whose location is a video provider, made through the scheduling seam."""
