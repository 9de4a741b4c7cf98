"""The package's public surface: ``__all__`` is complete and every error is reachable from it."""

from __future__ import annotations

import inspect

import registry_core
from registry_core import errors, models


def test_every_name_in_all_exists() -> None:
    missing = [name for name in registry_core.__all__ if not hasattr(registry_core, name)]
    assert not missing


def test_every_error_and_model_is_exported() -> None:
    public = set(registry_core.__all__)
    error_classes = {
        name
        for name, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, errors.RegistryError)
    }
    model_classes = {
        name
        for name, obj in inspect.getmembers(models, inspect.isclass)
        if obj.__module__ == models.__name__
    }
    assert error_classes <= public, error_classes - public
    assert model_classes <= public, model_classes - public


def test_errors_carry_http_status_and_confluent_code() -> None:
    assert (errors.SubjectNotFound("s").http_status, errors.SubjectNotFound("s").error_code) == (
        404,
        40401,
    )
    assert errors.SchemaTooLarge("x").error_code == 42209
    assert errors.IncompatibleSchema("x").http_status == 409
    assert errors.StoreError("x").http_status == 500
