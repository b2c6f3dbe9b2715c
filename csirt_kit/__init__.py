"""csirt-kit: incident-response toolkit for a city CSIRT."""

__version__ = "0.1.0"
