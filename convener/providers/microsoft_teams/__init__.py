"""Microsoft Teams meetings made as Outlook calendar events through Microsoft Graph."""
