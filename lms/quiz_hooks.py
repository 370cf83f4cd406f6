"""Wagtail hooks for quiz pages."""
