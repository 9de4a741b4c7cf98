"""Every way a registry operation can fail, as one exception tree.

Each error carries the HTTP status and the Confluent ``error_code`` the REST API answers with, so
the API layer turns any of them into ``{"error_code": ..., "message": ...}`` without a lookup
table of its own::

    RegistryError                         500 / 50001
      NotFound                            404
        SubjectNotFound                   40401
        VersionNotFound                   40402
        SchemaNotFound                    40403
        SubjectSoftDeleted                40404  (soft-deleting a subject twice)
        SubjectNotSoftDeleted             40405  (permanent delete before soft delete)
        VersionSoftDeleted                40406
        VersionNotSoftDeleted             40407
        SubjectConfigNotFound             40408
        SubjectModeNotFound               40409
      Conflict                            409
        IncompatibleSchema                409 (or 40901, configurable)
      InvalidInput                        422
        InvalidSchema                     42201  (also unknown schemaType, missing references)
        InvalidVersion                    42202
        InvalidCompatibilityLevel         42203
        InvalidMode                       42204
        OperationNotPermitted             42205  (READONLY, ids outside IMPORT, ...)
        ReferenceExists                   42206
        IdMismatch                        42207
        InvalidSubject                    42208
        SchemaTooLarge                    42209
      StoreError                          500 / 50001  (the database failed; clients may retry)
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "IdMismatch",
    "IncompatibleSchema",
    "InvalidCompatibilityLevel",
    "InvalidInput",
    "InvalidMode",
    "InvalidSchema",
    "InvalidSubject",
    "InvalidVersion",
    "NotFound",
    "OperationNotPermitted",
    "ReferenceExists",
    "RegistryError",
    "SchemaNotFound",
    "SchemaTooLarge",
    "StoreError",
    "SubjectConfigNotFound",
    "SubjectModeNotFound",
    "SubjectNotFound",
    "SubjectNotSoftDeleted",
    "SubjectSoftDeleted",
    "VersionNotFound",
    "VersionNotSoftDeleted",
    "VersionSoftDeleted",
]


class RegistryError(Exception):
    """Root of every error the registry raises on purpose."""

    http_status: int = 500
    error_code: int = 50001

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(RegistryError):
    http_status = 404
    error_code = 404


class SubjectNotFound(NotFound):
    error_code = 40401

    def __init__(self, subject: str) -> None:
        super().__init__(f"Subject '{subject}' not found.")
        self.subject = subject


class VersionNotFound(NotFound):
    error_code = 40402

    def __init__(self, subject: str, version: int | str) -> None:
        super().__init__(f"Version {version} not found for subject '{subject}'.")


class SchemaNotFound(NotFound):
    error_code = 40403


class SubjectSoftDeleted(NotFound):
    error_code = 40404


class SubjectNotSoftDeleted(NotFound):
    error_code = 40405


class VersionSoftDeleted(NotFound):
    error_code = 40406


class VersionNotSoftDeleted(NotFound):
    error_code = 40407


class SubjectConfigNotFound(NotFound):
    error_code = 40408


class SubjectModeNotFound(NotFound):
    error_code = 40409


class Conflict(RegistryError):
    http_status = 409
    error_code = 409


class IncompatibleSchema(Conflict):
    """The schema breaks the subject's compatibility level; ``messages`` says where and why."""

    def __init__(self, message: str, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.messages = messages or []


class InvalidInput(RegistryError):
    http_status = 422
    error_code = 422


class InvalidSchema(InvalidInput):
    error_code = 42201


class InvalidVersion(InvalidInput):
    error_code = 42202


class InvalidCompatibilityLevel(InvalidInput):
    error_code = 42203


class InvalidMode(InvalidInput):
    error_code = 42204


class OperationNotPermitted(InvalidInput):
    error_code = 42205


class ReferenceExists(InvalidInput):
    error_code = 42206


class IdMismatch(InvalidInput):
    error_code = 42207


class InvalidSubject(InvalidInput):
    error_code = 42208


class SchemaTooLarge(InvalidInput):
    error_code = 42209


class StoreError(RegistryError):
    """The database failed or went away; the request may be retried."""

    http_status = 500
    error_code = 50001
