"""The rows: MeetingAction, Meeting and the records around it, and the rules read off them
(convener.meetings.state)."""
