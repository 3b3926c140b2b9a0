"""The segment pages: the list, a segment with its members, the form with the rule
builder, static members, and scheduling meetings for a segment."""
