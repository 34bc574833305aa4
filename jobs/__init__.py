"""Scheduling and delivery: the outbox worker, pacing, retries, periodic jobs."""
