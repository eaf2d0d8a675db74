"""Harmonisation of a joint-use group: quorum and agreement of members' positions, what blocks a
joining member's cut-over, and the layout of the timeline to that date. Pure Python."""
