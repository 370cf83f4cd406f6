"""Wagtail hooks for course steps: access checks and visit recording."""
