"""The triage sweep: pure decisions (decide), the job that loads and applies them, digests, scheduling."""
