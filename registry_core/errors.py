"""Every way a registry operation can fail, as one exception tree.

Each error carries the HTTP status and the Confluent ``error_code`` the REST API answers with, so
the API layer turns any of them into ``{"error_code": ..., "message": ...}`` without a lookup
table of its own::

    RegistryError                         500 / 50001
      Unauthenticated                     401 / 40101  (no or wrong credentials)
      Forbidden                           403 / 40301  (role too low, four eyes, not a reviewer)
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
        ProposalNotFound                  40410
        UserNotFound                      40411
        PolicyNotFound                    40412
        DeliveryNotFound                  40413
      Conflict                            409
        IncompatibleSchema                409 (or 40901, configurable)
        IllegalTransition                 40902  (names the current state and the allowed ones)
        AlreadyExists                     40903  (a user name taken)
      InvalidInput                        422
        InvalidSchema                     42201  (also unknown schemaType, missing references)
        InvalidVersion                    42202
        InvalidCompatibilityLevel         42203
        InvalidMode                       42204
        OperationNotPermitted             42205  (READONLY, ids outside IMPORT, ...)
        ReferenceExists                   42206
        IdMismatch                        42207
        InvalidSubject                    42208
          ReviewRequired                  42205  (names the proposal created instead)
        SchemaTooLarge                    42209
        CommentRequired                   42210  (a rejection without a comment)
        UnknownDialect                    42211  (an export dialect or profile that does not exist)
      StoreError                          500 / 50001  (the database failed; clients may retry)
"""

from __future__ import annotations

__all__ = [
    "AlreadyExists",
    "CommentRequired",
    "Conflict",
    "DatasetNotFound",
    "DeliveryNotFound",
    "Forbidden",
    "IdMismatch",
    "IllegalTransition",
    "IncompatibleSchema",
    "InvalidCompatibilityLevel",
    "InvalidInput",
    "InvalidMode",
    "InvalidSchema",
    "InvalidSubject",
    "InvalidVersion",
    "NotFound",
    "OperationNotPermitted",
    "PolicyNotFound",
    "ProposalNotFound",
    "ReferenceExists",
    "RegistryError",
    "ReviewRequired",
    "SchemaNotFound",
    "SchemaTooLarge",
    "StoreError",
    "SubjectConfigNotFound",
    "SubjectModeNotFound",
    "SubjectNotFound",
    "SubjectNotSoftDeleted",
    "SubjectSoftDeleted",
    "Unauthenticated",
    "UnknownDialect",
    "UserNotFound",
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


class Unauthenticated(RegistryError):
    """No credentials, or credentials that match no active API key."""

    http_status = 401
    error_code = 40101


class Forbidden(RegistryError):
    """The caller is known but may not do this (role, four-eyes rule, subject reviewers)."""

    http_status = 403
    error_code = 40301


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


class ProposalNotFound(NotFound):
    error_code = 40410


class UserNotFound(NotFound):
    error_code = 40411


class PolicyNotFound(NotFound):
    error_code = 40412


class DeliveryNotFound(NotFound):
    error_code = 40413


class DatasetNotFound(NotFound):
    error_code = 40414


class Conflict(RegistryError):
    http_status = 409
    error_code = 409


class IncompatibleSchema(Conflict):
    """The schema breaks the subject's compatibility level; ``messages`` says where and why."""

    def __init__(self, message: str, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.messages = messages or []


class IllegalTransition(Conflict):
    """A lifecycle move the state machine does not allow from the current state."""

    error_code = 40902


class AlreadyExists(Conflict):
    error_code = 40903


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


class ReviewRequired(OperationNotPermitted):
    """The subject needs review: a proposal was created (or found) instead of a version."""

    def __init__(self, message: str, proposal_id: int) -> None:
        super().__init__(message)
        self.proposal_id = proposal_id


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


class CommentRequired(InvalidInput):
    error_code = 42210


class UnknownDialect(InvalidInput):
    """An export dialect, or a profile of one, that the registry does not know."""

    error_code = 42211
