"""The sync engine: schedules connector pulls, applies batches through the store, replays the outbox."""
