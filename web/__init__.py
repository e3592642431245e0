"""Flask web layer over :mod:`kb`."""
