"""Synthesis: the facilitation team's workspace, red threads, and the published report.

`workspace` reads the round's reflections, `services` writes red threads and publishes,
`forms` validates, `markdown` renders the team's text safely, `report` gathers what a report
shows and `exports` turns it into PDF and Word.
"""
