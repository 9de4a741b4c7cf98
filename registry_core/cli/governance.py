"""``llmsr`` governance commands: users, policies, proposals and review, lifecycle, audit,
event sinks, deliveries and the dispatcher.

``--as USER`` names who acts (default: ``$LLMSR_USER``, else ``cli:<login>``). While no user
exists anyone acts as an admin, which is how the first admin is created.
"""

from __future__ import annotations

import json
import signal
import sys
from datetime import UTC, datetime
from typing import Any

import click

from registry_core.cli.common import (
    CheckFailed,
    _actor,
    _emit,
    _infer_type,
    _read_schema,
    _references,
    _registry,
    as_option,
    json_option,
)
from registry_core.lifecycle import TRANSITIONS, Policy, Proposal, Role

__all__ = [
    "audit",
    "deliveries",
    "dispatch",
    "lifecycle",
    "policy",
    "proposals",
    "propose",
    "review",
    "sinks",
    "users",
]


def _who(actor: str | None) -> str:
    return actor or _actor()


# --- users -------------------------------------------------------------------------------------


@click.group()
def users() -> None:
    """Users, roles (reader, writer, reviewer, admin) and API keys."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@as_option
@json_option
@click.pass_context
def users_add(ctx: click.Context, name: str, role: str, actor: str | None, as_json: bool) -> None:
    """Add a user and print its API key. The key is shown this once; only its hash is kept."""
    key = _registry(ctx).add_user(name, role, actor=_who(actor))
    _emit(
        ctx,
        {"name": name, "role": role, "apiKey": key},
        lambda: (
            f"added {role} '{name}'. API key (shown once, store it now):\n{key}\n"
            f"Confluent clients: basic.auth.user.info={name}:{key}"
        ),
    )


@users.command("list")
@json_option
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """List users and their roles."""
    found = _registry(ctx).users()
    _emit(
        ctx,
        [u.to_dict() for u in found],
        lambda: (
            "\n".join(
                f"{u.name}\t{u.role.value}" + ("\tdisabled" if u.disabled else "") for u in found
            )
            or "no users: the API is open on loopback addresses only"
        ),
    )


@users.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.option("--disable/--enable", "disabled", default=None)
@as_option
@json_option
@click.pass_context
def users_set(
    ctx: click.Context,
    name: str,
    role: str | None,
    disabled: bool | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Change a user's role, or disable / enable it."""
    if role is None and disabled is None:
        raise click.UsageError("nothing to change: give --role, --disable or --enable")
    user = _registry(ctx).update_user(name, role=role, disabled=disabled, actor=_who(actor))
    _emit(
        ctx,
        user.to_dict(),
        lambda: f"{user.name}: {user.role.value}" + (" (disabled)" if user.disabled else ""),
    )


@users.command("rotate-key")
@click.argument("name")
@as_option
@json_option
@click.pass_context
def users_rotate(ctx: click.Context, name: str, actor: str | None, as_json: bool) -> None:
    """Revoke every key of NAME and print a new one (shown once)."""
    key = _registry(ctx).rotate_key(name, actor=_who(actor))
    _emit(ctx, {"name": name, "apiKey": key}, lambda: f"new API key for '{name}':\n{key}")


# --- policies ----------------------------------------------------------------------------------


def _policy_text(p: Policy) -> str:
    scope = f"prefix {p.scope}*" if p.is_prefix else f"subject {p.scope}"
    return (
        f"{scope}: review {'required' if p.review_required else 'not required'}; "
        f"owners {', '.join(p.owners) or '-'}; reviewers {', '.join(p.reviewers) or 'any reviewer'}"
        f"; compatibility {p.compatibility.value if p.compatibility else '(config)'}; "
        f"major line {'allowed' if p.major_line else 'no'}"
    )


@click.group()
def policy() -> None:
    """Subject and namespace (prefix) policies: review, owners, reviewers, level, major line."""


@policy.command("set")
@click.option("--subject", help="The policy of one subject.")
@click.option("--prefix", help="The policy of every subject starting with this.")
@click.option("--review-required/--no-review-required", default=None)
@click.option("--owner", "owners", multiple=True, help="An owner (repeatable); replaces the list.")
@click.option("--reviewer", "reviewers", multiple=True, help="A reviewer (repeatable).")
@click.option("--clear-owners", is_flag=True, help="Remove every owner.")
@click.option("--clear-reviewers", is_flag=True, help="Remove every reviewer (any may review).")
@click.option("--compatibility", help="A compatibility level; '' clears it.")
@click.option("--major-line/--no-major-line", default=None, help="Breaking changes open a line.")
@as_option
@json_option
@click.pass_context
def policy_set(
    ctx: click.Context,
    subject: str | None,
    prefix: str | None,
    review_required: bool | None,
    owners: tuple[str, ...],
    reviewers: tuple[str, ...],
    clear_owners: bool,
    clear_reviewers: bool,
    compatibility: str | None,
    major_line: bool | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Create or change a policy (options left out keep their value)."""
    if (subject is None) == (prefix is None):
        raise click.UsageError("give exactly one of --subject and --prefix")
    found = _registry(ctx).set_policy(
        subject or prefix or "",
        prefix=prefix is not None,
        review_required=review_required,
        owners=[] if clear_owners else (list(owners) if owners else None),
        reviewers=[] if clear_reviewers else (list(reviewers) if reviewers else None),
        compatibility=compatibility,
        major_line=major_line,
        actor=_who(actor),
    )
    _emit(ctx, found.to_dict(), lambda: _policy_text(found))


@policy.command("show")
@click.argument("subject", required=False)
@json_option
@click.pass_context
def policy_show(ctx: click.Context, subject: str | None, as_json: bool) -> None:
    """Show the policy governing SUBJECT, or every policy."""
    registry = _registry(ctx)
    if subject is None:
        found = registry.policies()
        _emit(
            ctx,
            [p.to_dict() for p in found],
            lambda: "\n".join(_policy_text(p) for p in found) or "no policies",
        )
        return
    effective = registry.policy_for(subject)
    _emit(
        ctx,
        {"subject": subject, "policy": effective.to_dict() if effective else None},
        lambda: _policy_text(effective) if effective else f"no policy governs {subject}",
    )


@policy.command("delete")
@click.option("--subject")
@click.option("--prefix")
@as_option
@click.pass_context
def policy_delete(
    ctx: click.Context, subject: str | None, prefix: str | None, actor: str | None
) -> None:
    """Remove a subject or prefix policy."""
    if (subject is None) == (prefix is None):
        raise click.UsageError("give exactly one of --subject and --prefix")
    _registry(ctx).delete_policy(
        subject or prefix or "", prefix=prefix is not None, actor=_who(actor)
    )
    click.echo(f"policy of {'prefix' if prefix else 'subject'} {subject or prefix} removed")


# --- proposals and review ----------------------------------------------------------------------


def _proposal_text(p: Proposal) -> str:
    report = p.report
    lines = [
        f"proposal {p.id}: {p.subject} by {p.author}, {p.state.value}"
        + (f" by {p.decided_by}" if p.decided_by else ""),
        f"  compatibility {report.get('level')}: "
        + ("compatible" if report.get("compatible") else "BREAKING")
        + (
            f" against versions {report.get('comparedVersions')}"
            if report.get("comparedVersions")
            else ""
        )
        + ("; opens a new major line" if report.get("opensMajorLine") else ""),
        f"  semver bump: {report.get('semverBump') or 'first version'} -> {report.get('semver')}",
    ]
    lines += [f"  ! {m}" for m in report.get("messages", [])]
    for change in report.get("diff", []):
        lines.append(f"  {change['kind']:<18} {change['path']}: {change['message']}")
    if p.note:
        lines.append(f"  note: {p.note}")
    if p.comment:
        lines.append(f"  comment: {p.comment}")
    if p.version is not None:
        lines.append(f"  registered as version {p.version} (id {p.schema_id})")
    return "\n".join(lines)


@click.command()
@click.argument("subject")
@click.argument("file")
@click.option("--type", "schema_type", help="AVRO or JSON (default: from the file extension).")
@click.option("--reference", "references", multiple=True, help="NAME=SUBJECT:VERSION, repeatable.")
@click.option("--note", help="Why the change is needed, for the reviewers.")
@click.option("--draft", is_flag=True, help="Keep it as a draft (send it later with submit).")
@as_option
@json_option
@click.pass_context
def propose(
    ctx: click.Context,
    subject: str,
    file: str,
    schema_type: str | None,
    references: tuple[str, ...],
    note: str | None,
    draft: bool,
    actor: str | None,
    as_json: bool,
) -> None:
    """Propose the schema in FILE as a new version of SUBJECT, for review."""
    found = _registry(ctx).propose(
        subject,
        _read_schema(file),
        _infer_type(file, schema_type),
        _references(references),
        note=note,
        draft=draft,
        actor=_who(actor),
    )
    _emit(ctx, found.to_dict(), lambda: _proposal_text(found))


@click.command()
@click.argument("proposal_id", required=False, type=int)
@click.option("--state", help="Only proposals in this state (e.g. IN_REVIEW).")
@click.option("--subject")
@json_option
@click.pass_context
def proposals(
    ctx: click.Context,
    proposal_id: int | None,
    state: str | None,
    subject: str | None,
    as_json: bool,
) -> None:
    """Show proposal PROPOSAL_ID, or list proposals (newest first)."""
    registry = _registry(ctx)
    if proposal_id is not None:
        one = registry.get_proposal(proposal_id)
        _emit(ctx, one.to_dict(), lambda: _proposal_text(one))
        return
    found = registry.proposals(state=state, subject=subject)
    _emit(
        ctx,
        [p.to_dict() for p in found],
        lambda: (
            "\n".join(
                f"{p.id}\t{p.state.value}\t{p.subject}\t{p.author}\t"
                f"{p.report.get('semverBump') or 'new'}\t{p.created_at:%Y-%m-%d %H:%M}"
                for p in found
            )
            or "no proposals"
        ),
    )


@click.command()
@click.argument("proposal_id", type=int)
@click.option("--approve", "decision", flag_value="approve", help="Approve and register.")
@click.option("--reject", "decision", flag_value="reject", help="Reject (needs --comment).")
@click.option("--submit", "decision", flag_value="submit", help="Send a draft to review.")
@click.option("--comment", help="The reviewer's comment (required to reject).")
@as_option
@json_option
@click.pass_context
def review(
    ctx: click.Context,
    proposal_id: int,
    decision: str | None,
    comment: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Decide a proposal: --approve or --reject (four eyes: never your own)."""
    registry = _registry(ctx)
    if decision is None:
        raise click.UsageError("give --approve or --reject (or --submit for a draft)")
    if decision == "submit":
        found = registry.submit_proposal(proposal_id, actor=_who(actor))
    else:
        found = registry.review(
            proposal_id, approve=decision == "approve", comment=comment, actor=_who(actor)
        )
    _emit(ctx, found.to_dict(), lambda: _proposal_text(found))


# --- lifecycle ---------------------------------------------------------------------------------


@click.command()
@click.argument("subject", required=False)
@click.argument("version", required=False)
@click.argument("state", required=False)
@click.option("--comment")
@as_option
@json_option
@click.pass_context
def lifecycle(
    ctx: click.Context,
    subject: str | None,
    version: str | None,
    state: str | None,
    comment: str | None,
    actor: str | None,
    as_json: bool,
) -> None:
    """Move SUBJECT VERSION to STATE (DEPRECATED, ARCHIVED, ACTIVE); with no arguments, print
    the state machine."""
    if subject is None:
        rows: list[dict[str, Any]] = [
            {
                "from": t.source.value,
                "to": t.target.value,
                "action": t.action,
                "who": sorted(p.value for p in t.parties),
                "commentRequired": t.comment_required,
                "authorExcluded": t.author_excluded,
            }
            for t in TRANSITIONS
        ]
        _emit(
            ctx,
            rows,
            lambda: "\n".join(
                f"{r['from']:<11} -> {r['to']:<11} {r['action']:<11} by {' or '.join(r['who'])}"
                + (" (comment required)" if r["commentRequired"] else "")
                + (" (never the author)" if r["authorExcluded"] else "")
                for r in rows
            ),
        )
        return
    if version is None or state is None:
        raise click.UsageError("give SUBJECT VERSION STATE")
    moved = _registry(ctx).set_version_state(
        subject, version, state, comment=comment, actor=_who(actor)
    )
    _emit(
        ctx,
        {"subject": subject, "version": version, "state": moved.value},
        lambda: f"{subject} version {version}: {moved.value}",
    )


# --- audit -------------------------------------------------------------------------------------


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.UsageError(f"{option} must be an ISO-8601 time, not {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


@click.command()
@click.option("--subject")
@click.option("--actor", "who")
@click.option("--action", help="An action, or a prefix ending in '.' or '*' (proposal.*).")
@click.option("--since", help="ISO-8601 time (UTC if no zone).")
@click.option("--until", help="ISO-8601 time, exclusive.")
@click.option("--limit", type=int, default=None, help="At most this many (default: all).")
@click.option("--jsonl", is_flag=True, help="Export as JSON Lines (one event per line).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to a file.")
@click.pass_context
def audit(
    ctx: click.Context,
    subject: str | None,
    who: str | None,
    action: str | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    jsonl: bool,
    out: str | None,
) -> None:
    """The audit trail, oldest first, filtered by subject, actor, action and time."""
    registry = _registry(ctx)
    filters: dict[str, Any] = {
        "subject": subject,
        "actor": who,
        "action": action,
        "since": _when(since, "--since"),
        "until": _when(until, "--until"),
    }
    stream = open(out, "w", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
    written, after = 0, 0
    try:
        while limit is None or written < limit:
            page = min(1000, limit - written) if limit is not None else 1000
            batch = registry.audit_events(**filters, after_id=after, limit=page)
            for event in batch:
                if jsonl:
                    stream.write(json.dumps(event, default=str, sort_keys=True) + "\n")
                else:
                    where = event["subject"] or "-"
                    if event["version"] is not None:
                        where += f" v{event['version']}"
                    stream.write(
                        f"{event['at']:%Y-%m-%d %H:%M:%S}  {event['actor']:<16} "
                        f"{event['action']:<26} {where}\n"
                    )
            written += len(batch)
            if len(batch) < page:
                break
            after = int(batch[-1]["id"])
    finally:
        if out:
            stream.close()
    if out:
        click.echo(f"wrote {written} audit events to {out}", err=True)


# --- event sinks, deliveries, dispatch ---------------------------------------------------------


@click.group()
def sinks() -> None:
    """Where change events go: webhooks and RabbitMQ exchanges."""


@sinks.command("add-webhook")
@click.argument("name")
@click.argument("url")
@click.option("--secret", required=True, help="HMAC-SHA256 key the receiver verifies with.")
@click.option("--event", "events", multiple=True, help="Event type pattern (default '*').")
@click.option("--from-start", is_flag=True, help="Also deliver every event recorded so far.")
@as_option
@json_option
@click.pass_context
def sinks_add_webhook(
    ctx: click.Context,
    name: str,
    url: str,
    secret: str,
    events: tuple[str, ...],
    from_start: bool,
    actor: str | None,
    as_json: bool,
) -> None:
    """Deliver events to URL (signed POSTs)."""
    sink = _registry(ctx).add_sink(
        name,
        "webhook",
        url,
        secret=secret,
        event_types=events or ("*",),
        from_start=from_start,
        actor=_who(actor),
    )
    _emit(ctx, sink, lambda: f"sink '{name}' delivers {', '.join(sink['eventTypes'])} to {url}")


@sinks.command("add-rabbitmq")
@click.argument("name")
@click.option("--url", default="amqp://guest:guest@127.0.0.1:5672/%2F", show_default=True)
@click.option("--exchange", default="llmsr.events", show_default=True)
@click.option("--event", "events", multiple=True, help="Event type pattern (default '*').")
@click.option("--from-start", is_flag=True, help="Also deliver every event recorded so far.")
@as_option
@json_option
@click.pass_context
def sinks_add_rabbitmq(
    ctx: click.Context,
    name: str,
    url: str,
    exchange: str,
    events: tuple[str, ...],
    from_start: bool,
    actor: str | None,
    as_json: bool,
) -> None:
    """Publish events to a RabbitMQ topic exchange (routing key = event type)."""
    sink = _registry(ctx).add_sink(
        name,
        "rabbitmq",
        url,
        exchange=exchange,
        event_types=events or ("*",),
        from_start=from_start,
        actor=_who(actor),
    )
    _emit(ctx, sink, lambda: f"sink '{name}' publishes to exchange {exchange}")


@sinks.command("list")
@json_option
@click.pass_context
def sinks_list(ctx: click.Context, as_json: bool) -> None:
    """List sinks and their delivery counts."""
    registry = _registry(ctx)
    found, counts = registry.sinks(), registry.delivery_counts()
    _emit(
        ctx,
        [{**s, "deliveries": counts.get(s["name"], {})} for s in found],
        lambda: (
            "\n".join(
                f"{s['name']}\t{s['kind']}\t{s['url']}\t{','.join(s['eventTypes'])}\t"
                + " ".join(f"{k}={v}" for k, v in sorted(counts.get(s["name"], {}).items()))
                for s in found
            )
            or "no sinks"
        ),
    )


@sinks.command("delete")
@click.argument("name")
@as_option
@click.pass_context
def sinks_delete(ctx: click.Context, name: str, actor: str | None) -> None:
    """Remove a sink (its pending deliveries are dropped)."""
    _registry(ctx).delete_sink(name, actor=_who(actor))
    click.echo(f"sink '{name}' removed")


@click.group(invoke_without_command=True)
@click.option("--state", type=click.Choice(["pending", "delivered", "dead"]))
@click.option("--sink")
@json_option
@click.pass_context
def deliveries(ctx: click.Context, state: str | None, sink: str | None, as_json: bool) -> None:
    """List deliveries (--state dead: the dead letters); `deliveries retry ID` retries one."""
    if ctx.invoked_subcommand is not None:
        return
    found = _registry(ctx).deliveries(state=state, sink=sink)
    _emit(
        ctx,
        found,
        lambda: (
            "\n".join(
                f"{d['id']}\t{d['state']}\t{d['sink']}\t{d['event']['type']}\t"
                f"attempts={d['attempts']}\t{d['lastError'] or ''}"
                for d in found
            )
            or "no deliveries"
        ),
    )


@deliveries.command("retry")
@click.argument("delivery_id", type=int)
@as_option
@click.pass_context
def deliveries_retry(ctx: click.Context, delivery_id: int, actor: str | None) -> None:
    """Give a dead letter a fresh set of attempts."""
    _registry(ctx).retry_delivery(delivery_id, actor=_who(actor))
    click.echo(f"delivery {delivery_id} is pending again")


@click.command()
@click.option("--once", is_flag=True, help="One round, then exit (1 if anything failed).")
@click.option("--poll", default=0.5, show_default=True, help="Seconds between idle rounds.")
@click.option("--batch", default=100, show_default=True)
@click.option("--max-attempts", default=10, show_default=True, help="Then the dead-letter state.")
@click.option("--base-delay", default=1.0, show_default=True, help="First retry delay, seconds.")
@click.option("--max-delay", default=300.0, show_default=True, help="Longest retry delay.")
@click.option("--lease", default=60.0, show_default=True, help="Seconds a claim is held.")
@click.option("--timeout", default=10.0, show_default=True, help="Per-delivery timeout.")
@click.pass_context
def dispatch(
    ctx: click.Context,
    once: bool,
    poll: float,
    batch: int,
    max_attempts: int,
    base_delay: float,
    max_delay: float,
    lease: float,
    timeout: float,
) -> None:
    """Deliver change events to every sink, at least once, until stopped (Ctrl-C, SIGTERM)."""
    from registry_core.dispatch import Dispatcher, StopFlag

    dispatcher = Dispatcher(
        _registry(ctx),
        batch=batch,
        lease_seconds=lease,
        base_delay=base_delay,
        max_delay=max_delay,
        max_attempts=max_attempts,
        timeout=timeout,
    )
    try:
        if once:
            stats = dispatcher.run_once()
            click.echo(
                f"delivered {stats.delivered}, retrying {stats.retried}, dead {stats.dead}",
                err=True,
            )
            if stats.retried or stats.dead:
                raise CheckFailed
            return
        stop = StopFlag()  # set from signal handlers: no locks
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        click.echo("llmsr: dispatching events (Ctrl-C to stop)", err=True)

        def report(stats: Any) -> None:
            if stats.delivered or stats.retried or stats.dead:
                click.echo(
                    f"delivered {stats.delivered}, retrying {stats.retried}, dead {stats.dead}",
                    err=True,
                )

        dispatcher.run(stop, poll_interval=poll, on_round=report)
    finally:
        dispatcher.close()
