"""Prefect flows: courriers, relances, daily digest, key-expiry reminders. They call services and selectors only."""
