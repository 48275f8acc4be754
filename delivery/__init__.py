"""Sending what the outbox holds: citizen replies and agency deliveries, with retries that lose nothing."""
