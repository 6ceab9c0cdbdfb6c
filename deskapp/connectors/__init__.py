"""Connectors: one module per external service, mapping wire payloads to domain records; network only."""
