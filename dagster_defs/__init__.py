"""Dagster definitions for LLM Schema Registry: ``dagster_defs.defs`` (see ``definitions``)."""

from dagster_defs.definitions import defs

__all__ = ["defs"]
