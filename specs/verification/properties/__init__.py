"""Shared material of the property tests: boundary examples and the laws' helpers."""
