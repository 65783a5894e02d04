"""One user action = one transaction = one audit change.

`change(ctx, ...)` opens a connection and a transaction; the service writes
through it and records every row it creates, updates or deletes. On the way
out the derived columns of every touched account are recomputed in the same
transaction, so a failure anywhere leaves nothing behind: no half-written
row, no audit entry for a change that did not happen, no stale sort column.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from acct_tui.models import database_proxy
from acct_tui.services.context import ChangeListener, Ctx
from acct_tui.services.store import derived

# The audit record lives below the unit of work (the derived refresh records through it too);
# these names stay importable from here, where most services look for them.
from acct_tui.services.store.audit import Change as Change
from acct_tui.services.store.audit import account_of as account_of
from acct_tui.services.store.audit import from_json as from_json
from acct_tui.services.store.audit import snapshot as snapshot
from acct_tui.services.store.audit import to_json as to_json

_ACTIVE: ContextVar[Change | None] = ContextVar("acct_tui_change", default=None)


@contextmanager
def change(ctx: Ctx, action: str, *, change_id: str | None = None) -> Iterator[Change]:
    """A transaction that records its audit entries and refreshes derived columns.

    Inside another change (a bulk action running one-row services) it is a savepoint of
    that change: its entries join the outer change's undo step, a failure undoes only
    what it wrote, and the outer change refreshes the derived columns once, at its end.
    """
    outer = _ACTIVE.get()
    if outer is not None:
        with database_proxy.atomic():
            yield outer
        return
    with database_proxy.connection_context():
        with database_proxy.atomic():
            current = Change(ctx, action, change_id=change_id)
            token = _ACTIVE.set(current)
            try:
                yield current
            finally:
                _ACTIVE.reset(token)
            if current.accounts and not current.derived_unchanged:
                derived.refresh_accounts(
                    sorted(current.accounts),
                    ctx.today,
                    ctx.policy,
                    search_ids=current.search_accounts,
                    change=current,
                    kept_touches=current.kept_touches,
                )
        # Committed (unless a caller's own transaction holds this one, which could still roll back):
        # tell the listener (the hooks), which must return at once and never raise into the write.
        if ctx.listener is not None and not database_proxy.in_transaction():
            _tell(ctx.listener, ctx, current)


def _tell(listener: ChangeListener, ctx: Ctx, current: Change) -> None:
    import logging

    try:
        listener.committed(ctx, current)
    except Exception:  # a listener's fault is logged, never the write's
        logging.getLogger("acct_tui.hooks").exception("change listener failed on %s", current.action)


@contextmanager
def reading() -> Iterator[None]:
    """A connection for a unit of read-only work (one per thread)."""
    with database_proxy.connection_context():
        yield
