"""The registry's vocabulary as plain values: enums and frozen dataclasses, no I/O."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from registry_core.errors import (
    InvalidCompatibilityLevel,
    InvalidInput,
    InvalidMode,
    InvalidSchema,
    InvalidVersion,
)

__all__ = [
    "LATEST",
    "MAX_SCHEMA_ID",
    "MAX_VERSION",
    "Choice",
    "CompatibilityLevel",
    "CompatibilityPolicy",
    "CompatibilityReport",
    "FieldInfo",
    "Incompatibility",
    "Mode",
    "SchemaRecord",
    "SchemaReference",
    "SchemaType",
    "SemVer",
    "SemVerBump",
    "SubjectConfig",
    "SubjectVersion",
    "parse_version",
]

LATEST = -1
MAX_VERSION = 2**31 - 1
MAX_SCHEMA_ID = 2**31 - 1  # Confluent ids are signed 32-bit: serializers write 4 bytes


def _one_of(enum_cls: type[enum.Enum]) -> str:
    return ", ".join(m.value for m in enum_cls)


class Choice(enum.StrEnum):
    """A closed set of words a user types (a role, a state, a kind): parsed case-insensitively,
    and an unknown word is refused with the list of the known ones."""

    @classmethod
    def label(cls) -> str:
        """What a member is called in messages ("role", "lifecycle state")."""
        return cls.__name__.lower()

    @classmethod
    def parse(cls, value: str | enum.StrEnum) -> Self:
        text = str(value).lower()
        for member in cls:
            if member.value.lower() == text:
                return member
        known = ", ".join(m.value for m in cls)
        raise InvalidInput(f"Unknown {cls.label()} {str(value)!r}; use one of {known}")


class SchemaType(enum.StrEnum):
    """The schema languages the registry understands (advertised by ``/schemas/types``)."""

    AVRO = "AVRO"
    JSON = "JSON"

    @classmethod
    def parse(cls, value: SchemaType | str | None) -> SchemaType:
        """Read a ``schemaType`` as clients send it; a missing value means AVRO, as in Confluent."""
        if isinstance(value, SchemaType):
            return value
        if value is None or value == "":
            return cls.AVRO
        try:
            return cls(str(value).upper())
        except ValueError:
            raise InvalidSchema(
                f"Invalid schemaType '{value}': supported types are {_one_of(cls)}."
            ) from None


class CompatibilityLevel(enum.StrEnum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"

    @classmethod
    def parse(cls, value: object) -> CompatibilityLevel:
        if isinstance(value, str):
            try:
                return cls(value.upper())
            except ValueError:
                pass
        raise InvalidCompatibilityLevel(
            f"Invalid compatibility level {value!r}: valid levels are {_one_of(cls)}."
        )

    @property
    def transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")

    @property
    def backward(self) -> bool:
        """The new schema must read data written with the old ones."""
        return self.value.startswith(("BACKWARD", "FULL"))

    @property
    def forward(self) -> bool:
        """The old schemas must read data written with the new one."""
        return self.value.startswith(("FORWARD", "FULL"))


class CompatibilityPolicy(enum.StrEnum):
    """How strictly JSON Schema changes are judged (Confluent's ``compatibilityPolicy``)."""

    DEFAULT = "DEFAULT"
    LENIENT = "LENIENT"

    @classmethod
    def parse(cls, value: object) -> CompatibilityPolicy:
        if isinstance(value, str):
            try:
                return cls(value.upper())
            except ValueError:
                pass
        raise InvalidCompatibilityLevel(
            f"Invalid compatibilityPolicy {value!r}: valid policies are {_one_of(cls)}."
        )


class Mode(enum.StrEnum):
    READWRITE = "READWRITE"
    READONLY = "READONLY"
    READONLY_OVERRIDE = "READONLY_OVERRIDE"
    IMPORT = "IMPORT"

    @classmethod
    def parse(cls, value: object) -> Mode:
        if isinstance(value, str):
            try:
                return cls(value.upper())
            except ValueError:
                pass
        raise InvalidMode(f"Invalid mode {value!r}: valid modes are {_one_of(cls)}.")

    @property
    def writable(self) -> bool:
        return self in (Mode.READWRITE, Mode.IMPORT)


def parse_version(value: str | int) -> int:
    """Read a version as the API accepts it: ``latest`` (any case), ``-1`` or 1..2^31-1.

    Returns ``LATEST`` (-1) for the latest version.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip()
        if text.lower() == "latest":
            return LATEST
        try:
            number = int(text)
        except ValueError:
            number = 0
    if number == LATEST or 1 <= number <= MAX_VERSION:
        return number
    raise InvalidVersion(
        f"The specified version '{value}' is not a valid version id. Allowed values are "
        f'between [1, {MAX_VERSION}] and the string "latest"'
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class SchemaReference:
    """A named dependency on another subject's version (Avro fullname, JSON ``$ref`` URL)."""

    name: str
    subject: str
    version: int

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "subject": self.subject, "version": self.version}


class SemVerBump(enum.StrEnum):
    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


@dataclass(frozen=True, kw_only=True, slots=True, order=True)
class SemVer:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    @classmethod
    def parse(cls, text: str) -> SemVer:
        major, minor, patch = (int(p) for p in text.split("."))
        return cls(major=major, minor=minor, patch=patch)

    def bump(self, kind: SemVerBump) -> SemVer:
        if kind is SemVerBump.MAJOR:
            return SemVer(major=self.major + 1, minor=0, patch=0)
        if kind is SemVerBump.MINOR:
            return SemVer(major=self.major, minor=self.minor + 1, patch=0)
        return SemVer(major=self.major, minor=self.minor, patch=self.patch + 1)


FIRST_SEMVER = SemVer(major=1, minor=0, patch=0)


@dataclass(frozen=True, kw_only=True, slots=True)
class SchemaRecord:
    """One registered schema, identified globally by ``id`` (and ``guid``), immutable."""

    id: int
    guid: str
    schema_type: SchemaType
    schema: str
    references: tuple[SchemaReference, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class SubjectVersion:
    """A schema as it is registered under one subject at one version."""

    subject: str
    version: int
    schema_id: int
    guid: str
    schema_type: SchemaType
    schema: str
    references: tuple[SchemaReference, ...] = ()
    semver: SemVer = FIRST_SEMVER
    deleted: bool = False
    created_at: datetime | None = None
    state: str = "ACTIVE"  # ACTIVE, DEPRECATED or ARCHIVED (registry_core.lifecycle)


@dataclass(frozen=True, kw_only=True, slots=True)
class SubjectConfig:
    compatibility: CompatibilityLevel = CompatibilityLevel.BACKWARD
    normalize: bool = False
    policy: CompatibilityPolicy = CompatibilityPolicy.DEFAULT


@dataclass(frozen=True, kw_only=True, slots=True)
class FieldInfo:
    """One field of a schema, as listed for search and diffs (path is a JSON pointer).

    ``constraints`` holds the field's validation keywords (``maxLength``, ``enum``, Avro
    ``symbols``, ``default``, ...) with JSON values, keyed as the schema spells them.
    """

    path: str
    type: str
    required: bool
    doc: str | None = None
    # hash=False: a dict is unhashable, and FieldInfo stays usable in sets and as a key
    constraints: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class Incompatibility:
    """One reason a pair of schemas is incompatible, located by a JSON pointer."""

    kind: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.path or '/'}: {self.message}"


@dataclass(frozen=True, kw_only=True, slots=True)
class CompatibilityReport:
    """The verdict of a compatibility check; results are values, never exceptions."""

    is_compatible: bool
    level: CompatibilityLevel
    incompatibilities: tuple[Incompatibility, ...] = ()
    compared_versions: tuple[int, ...] = ()
    semver_bump: SemVerBump | None = None
    messages: tuple[str, ...] = field(default=())
