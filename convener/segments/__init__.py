"""Segments: named groups of contacts, by rules over their fields (dynamic) or chosen by
hand (static), and the launch of a meeting action on a segment's members."""
