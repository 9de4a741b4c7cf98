"""Dagster definitions for LLM Schema Registry (assets arrive with the orchestration work)."""
