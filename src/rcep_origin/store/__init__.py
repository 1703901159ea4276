"""Persistence adapters: where certificates, status lists and keys are kept."""
