#!/usr/bin/python3
"""A stream in your own table, mapped by SQLAlchemy's ORM.

A shop keeps its subscriptions in its own table: a customer, a plan, a plain
`rate` column (tokens per second) and a `cancelled` flag. The trigger
flowstream.stream_trigger() keeps a flowstream.stream column of the same table
in step with them, so the ORM maps only plain columns and knows nothing of the
type: changing `rate` takes the snapshot (adjust_rate; 0 pauses; a rate on a
paused subscription restarts it), setting `cancelled` voids, a bulk UPDATE
re-rates every row it touches. Money moves with the pure functions in plain
UPDATEs of the same table; each change lands in a history table, written by
the table's owner, from which any past state is rebuilt.

Run as the superuser postgres (the test clock needs it), with the libpq
environment: PGHOST, PGPORT, PGUSER=postgres, PGDATABASE (default flowstream):

    /usr/bin/python3 examples/python_user_table.py

Needs Debian's python3-sqlalchemy (1.4) and python3-psycopg2. Everything runs
in one transaction that is rolled back at the end: a rerun starts clean.
Prints one TAP line ("ok - ..." / "not ok - ...") per check; exits 1 if any failed.
"""
import os
import sys
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, FetchedValue, Numeric, Text,
                        create_engine, select, text, update)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, declarative_base

Base = declarative_base()


class Subscription(Base):
    """shop.subscriptions: plain columns only; the stream column is left unmapped."""
    __tablename__ = "subscriptions"
    __table_args__ = {"schema": "shop"}
    __mapper_args__ = {"eager_defaults": True}  # flush() reads back what the trigger wrote (RETURNING)

    id = Column(BigInteger, primary_key=True)
    customer = Column(Text, nullable=False)
    plan = Column(Text, nullable=False)
    # the trigger may write them (a cancelled subscription's rate is 0): read them back
    rate = Column(Numeric, nullable=False, server_onupdate=FetchedValue())
    cancelled = Column(Boolean, nullable=False, default=False, server_onupdate=FetchedValue())


class Change(Base):
    """shop.subscription_history: one row per change, appended by the trigger (read only here)."""
    __tablename__ = "subscription_history"
    __table_args__ = {"schema": "shop"}

    id = Column(BigInteger, primary_key=True)
    subscription_id = Column(BigInteger)
    op = Column(Text)
    at = Column(DateTime(timezone=True))
    balance_change = Column(Numeric)
    debt_change = Column(Numeric)


APP_ROLE = "shop_py_app"   # the shop's application: writes subscriptions, cannot write the history
SCHEMA = """
CREATE SCHEMA shop;
CREATE TABLE shop.subscriptions (
    id bigserial PRIMARY KEY,
    customer text NOT NULL,
    plan text NOT NULL,
    rate numeric(38, 18) NOT NULL,
    cancelled boolean NOT NULL DEFAULT false,
    state flowstream.stream
);
CREATE TABLE shop.subscription_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id bigint NOT NULL,
    op text NOT NULL,
    at timestamptz NOT NULL,
    balance_change numeric NOT NULL,
    debt_change numeric NOT NULL,
    state flowstream.stream NOT NULL
);
CREATE TRIGGER stream BEFORE INSERT OR UPDATE ON shop.subscriptions FOR EACH ROW
    EXECUTE FUNCTION flowstream.stream_trigger('state', 'rate', 'voided=cancelled', 'decimals=6',
        'history=subscription_history', 'history_key=subscription_id');
"""
failed = 0


def check(what, got, want):
    """Exact comparison (Decimal == Decimal, never floats); one TAP line."""
    global failed
    if got == want:
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"not ok - {what}\n#   got:  {got!r}\n#   want: {want!r}")


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def set_clock(session, at):
    """The test clock: only a superuser sets it, so step out of the app's role and back."""
    session.execute(text("RESET ROLE"))
    session.execute(text("SELECT set_config('flowstream.clock', :at, true)"), {"at": at})
    session.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))


def refused(session, change):
    """Applies change() and flushes it in a savepoint; returns the SQLSTATE it failed with."""
    try:
        with session.begin_nested():
            change()
            session.flush()
    except DBAPIError as e:
        return e.orig.pgcode
    return None


def owed(session, sub, at=None):
    """The total debt of a subscription now (or at a past time, rebuilt from its history)."""
    if at is None:
        return session.execute(text("SELECT flowstream.total_debt(state) FROM shop.subscriptions "
                                    "WHERE id = :id"), {"id": sub.id}).scalar_one()
    return session.execute(text(
        "SELECT flowstream.total_debt(flowstream.state_in_history('shop.subscription_history', "
        "CAST(:id AS bigint), :at), :at)"), {"id": sub.id, "at": at}).scalar_one()


def status(session, sub):
    return session.execute(text("SELECT flowstream.status(state)::text FROM shop.subscriptions "
                                "WHERE id = :id"), {"id": sub.id}).scalar_one()


def money(session, sql, sub, amount):
    """A deposit or withdrawal through a pure function, in a plain UPDATE of the row."""
    session.execute(text(f"UPDATE shop.subscriptions SET state = {sql}(state, :amount, flowstream.now()) "
                         "WHERE id = :id"), {"id": sub.id, "amount": amount})


def story(session):
    # Set-up, as the superuser; all of it is rolled back at the end.
    session.execute(text("CREATE EXTENSION IF NOT EXISTS flowstream"))
    session.execute(text(f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE};
        END IF; END $$"""))
    session.execute(text(SCHEMA))
    session.execute(text(f"""GRANT USAGE ON SCHEMA shop TO {APP_ROLE};
        GRANT SELECT, INSERT, UPDATE ON shop.subscriptions TO {APP_ROLE};
        GRANT USAGE ON SEQUENCE shop.subscriptions_id_seq TO {APP_ROLE};
        GRANT SELECT ON shop.subscription_history TO {APP_ROLE}"""))
    set_clock(session, "2026-01-01 00:00:00+00")

    # Three subscriptions, each with 100 tokens paid in through the pure function deposit().
    ana = Subscription(customer="ana", plan="pro", rate=Decimal("0.001"))
    bo = Subscription(customer="bo", plan="pro", rate=Decimal("0.002"))
    cy = Subscription(customer="cy", plan="basic", rate=Decimal("0.0005"))
    session.add_all([ana, bo, cy])
    session.flush()  # INSERT ... RETURNING: the trigger creates each stream from its rate
    check("INSERT through the ORM gives ids", all(isinstance(s.id, int) for s in (ana, bo, cy)), True)
    check("each subscription streams from now", [status(session, s) for s in (ana, bo, cy)],
          ["streaming_solvent"] * 3)
    for s in (ana, bo, cy):
        money(session, "flowstream.deposit", s, Decimal("100"))

    # A day later ana moves to a higher price: the ORM changes a plain column; the
    # trigger takes the snapshot, so the day at 0.001 (86.4) stays owed.
    set_clock(session, "2026-01-02 00:00:00+00")
    ana.rate = Decimal("0.002")
    session.flush()
    check("a day at 0.001: ana owes 86.4", owed(session, ana), Decimal("86.4"))
    set_clock(session, "2026-01-03 00:00:00+00")
    check("then a day at 0.002: 86.4 + 172.8", owed(session, ana), Decimal("259.2"))

    # The pro plan's price rises by 10 % for everyone: one set-based UPDATE, a snapshot per row.
    session.execute(update(Subscription).where(Subscription.plan == "pro")
                    .values(rate=Subscription.rate * Decimal("1.1"))
                    .execution_options(synchronize_session="fetch"))
    check("the bulk UPDATE re-rated both pro subscriptions", (ana.rate, bo.rate),
          (Decimal("0.0022"), Decimal("0.0022")))
    set_clock(session, "2026-01-04 00:00:00+00")
    check("a day at 0.0022 after the snapshots: ana 259.2 + 190.08, bo 345.6 + 190.08",
          (owed(session, ana), owed(session, bo)), (Decimal("449.28"), Decimal("535.68")))

    # Rate 0 pauses bo; a day later a rate restarts it: the paused day is never charged.
    bo.rate = Decimal("0")
    session.flush()
    check("rate 0 pauses", status(session, bo), "paused_insolvent")
    set_clock(session, "2026-01-05 00:00:00+00")
    check("a paused day later bo still owes 535.68", owed(session, bo), Decimal("535.68"))
    bo.rate = Decimal("0.003")
    session.flush()
    check("a rate restarts it", status(session, bo), "streaming_insolvent")

    # cy cancels: the stream is voided; the 72.8 its balance did not cover is written off,
    # and the trigger sets the rate column to 0, which the ORM reads back.
    cy.cancelled = True
    session.flush()
    check("cancelled voids the stream", status(session, cy), "voided")
    check("the rate column follows the stream: 0", cy.rate, Decimal("0"))
    check("cy owes what its balance covers: 100 of 172.8", owed(session, cy), Decimal("100"))

    # ana is paid what her balance covers, through the pure function withdraw().
    money(session, "flowstream.withdraw", ana, Decimal("100"))
    check("after a withdrawal of 100, ana owes 639.36 - 100", owed(session, ana), Decimal("539.36"))

    # Errors are the pure functions' SQLSTATEs; nothing changes.
    check("a negative rate is refused (22023)",
          refused(session, lambda: setattr(ana, "rate", Decimal("-1"))), "22023")
    session.refresh(ana)
    check("a rate for a cancelled subscription is refused (SF003)",
          refused(session, lambda: setattr(cy, "rate", Decimal("1"))), "SF003")
    session.refresh(cy)
    check("un-cancelling is refused (SF002)",
          refused(session, lambda: setattr(cy, "cancelled", False)), "SF002")
    session.refresh(cy)
    check("the application cannot write the history itself (42501)",
          refused(session, lambda: session.execute(text(
              "INSERT INTO shop.subscription_history (subscription_id, op, at, balance_change, "
              "debt_change, state) SELECT id, 'deposit', now(), 1000, 0, state "
              "FROM shop.subscriptions WHERE id = :id"), {"id": ana.id})), "42501")

    # The history, read through the ORM: every change, its time and what it moved.
    changes = session.execute(select(Change.op, Change.at, Change.balance_change, Change.debt_change)
                              .where(Change.subscription_id == ana.id).order_by(Change.id)).all()
    check("ana's history", [tuple(c) for c in changes], [
        ("create", utc(2026, 1, 1), Decimal("0"), Decimal("0")),
        ("deposit", utc(2026, 1, 1), Decimal("100"), Decimal("0")),
        ("adjust_rate", utc(2026, 1, 2), Decimal("0"), Decimal("0")),
        ("adjust_rate", utc(2026, 1, 3), Decimal("0"), Decimal("0")),
        ("withdraw", utc(2026, 1, 5), Decimal("-100"), Decimal("-100")),
    ])
    ops = session.execute(select(Change.op).where(Change.subscription_id.in_([bo.id, cy.id]))
                          .order_by(Change.id)).scalars().all()
    check("bo's and cy's changes", ops,
          ["create", "create", "deposit", "deposit", "adjust_rate", "pause", "restart", "void"])
    check("cy's void wrote off 72.8", session.execute(
        select(Change.debt_change).where(Change.subscription_id == cy.id, Change.op == "void")).scalar_one(),
        Decimal("-72.8"))

    # Any past state, rebuilt from the history: ana at noon on her second day owed 86.4 + 86.4.
    check("ana's debt at 2026-01-02 12:00, rebuilt", owed(session, ana, utc(2026, 1, 2, 12)), Decimal("172.8"))
    set_clock(session, "2026-01-06 00:00:00+00")
    check("bo a day after the restart: 535.68 + 259.2", owed(session, bo), Decimal("794.88"))
    check("verify_history() finds nothing wrong", session.execute(text(
        "SELECT count(*) FROM flowstream.verify_history('shop.subscriptions', 'shop.subscription_history')"))
        .scalar_one(), 0)


def main():
    engine = create_engine("postgresql+psycopg2:///" + os.environ.get("PGDATABASE", "flowstream"),
                           future=True)
    with Session(engine, future=True) as session:
        try:
            story(session)
        except Exception as e:  # an unexpected error ends the story: report it as a failure
            global failed
            failed += 1
            print(f"not ok - the story stopped: {type(e).__name__}: {e}".replace("\n", "\n# "))
        finally:
            session.rollback()  # nothing of the story stays
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
