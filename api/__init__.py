"""The django-ninja HTTP API (/api/v1/)."""
