"""The grader: guards, matching, depth, scoring and the report. No model, no framework."""
