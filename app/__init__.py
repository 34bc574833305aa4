"""Wiring: settings, the command line and the application factory."""
