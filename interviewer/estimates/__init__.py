"""Back-of-envelope check: finds the estimates in a candidate's answers and checks their
arithmetic (within a factor of 2), their units, and the case's fact sheet. Never changes a score.
"""
