#!/usr/bin/python3
"""flowstream from Python through SQLAlchemy's ORM.

A declarative model of the view flowstream.streams_now: inserting an instance
creates a stream, changing its rate adjusts, pauses (rate 0) or restarts it,
and refreshing it reads the debts at flowstream.now(). Money moves with the
API functions, called through the same session. An application role (a member
of flowstream_app) acts for its users by setting flowstream.actor. The mapper's
version_id_col is the view's version (the last event's id, given by flowstream):
flushing an object that another transaction changed meanwhile matches no row.

Run as the superuser postgres (the test clock needs it), with the libpq
environment: PGHOST, PGPORT, PGUSER=postgres, PGDATABASE (default flowstream):

    /usr/bin/python3 examples/python_sqlalchemy.py

Needs Debian's python3-sqlalchemy (1.4) and python3-psycopg2. Everything runs
in one transaction that is rolled back at the end: a rerun starts clean.
Prints "# plan N", then one TAP line ("ok - ..." / "not ok - ...") per check;
exits 1 if any failed.
"""
import os
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, FetchedValue, Interval,
                        Numeric, Text, create_engine, func, select, text)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.orm.exc import StaleDataError

Base = declarative_base()


def filled(*args):
    """A column the database fills: left out of INSERT when not given, read back by RETURNING."""
    return Column(*args, server_default=FetchedValue(), server_onupdate=FetchedValue())


class Stream(Base):
    """One row of flowstream.streams_now: a stream and its debts at flowstream.now()."""
    __tablename__ = "streams_now"
    __table_args__ = {"schema": "flowstream"}
    version = filled(BigInteger)               # the id of the stream's last event
    __mapper_args__ = {
        "eager_defaults": True,             # flush() reads the filled columns back (RETURNING)
        "version_id_col": version,          # optimistic locking: UPDATE ... WHERE id = ? AND version = ?
        "version_id_generator": False,      # ... with the version flowstream gives (RETURNING), never our own
    }

    id = Column(BigInteger, primary_key=True)  # a view has no primary key: tell the mapper
    sender = Column(Text)                      # fixed at creation
    recipient = Column(Text)                   # UPDATE transfers the stream
    token = Column(Text)                       # fixed at creation
    rate_per_second = Column(Numeric)          # UPDATE adjusts; 0 pauses; > 0 on a paused stream restarts
    balance = filled(Numeric)                  # INSERT: a first deposit; UPDATE refused (deposit/withdraw/refund)
    snapshot_time = filled(DateTime(timezone=True))  # INSERT: the start (default now); then read only
    snapshot_debt = filled(Numeric)            # read only, as are all down to created_at
    total_debt = filled(Numeric)
    covered_debt = filled(Numeric)
    uncovered_debt = filled(Numeric)
    withdrawable = filled(Numeric)
    refundable = filled(Numeric)
    status = filled(Text)
    depletion_time = filled(DateTime(timezone=True))
    created_at = filled(DateTime(timezone=True))
    voided = filled(Boolean)                   # UPDATE to True voids
    transferable = filled(Boolean)             # INSERT only (default true)
    void_after = filled(Interval)              # the sweeper's grace (NULL: never automatically)
    metadata_ = filled("metadata", JSONB)      # free-form ("metadata" is taken in a declarative class)


class Event(Base):
    """flowstream.events: the append-only history, one row per operation (read only)."""
    __tablename__ = "events"
    __table_args__ = {"schema": "flowstream"}

    id = Column(BigInteger, primary_key=True)
    stream_id = Column(BigInteger)
    op = Column(Text)
    actor = Column(Text)
    amount = Column(Numeric)
    destination = Column(Text)
    at = Column(DateTime(timezone=True))


PLAN = 34  # the checks below, counted: test/clients/run.sh expects exactly this many
APP_ROLE = "orm_py_app"   # the application's role: a member of flowstream_app
TOKEN = "ORMPY"           # a token with 6 decimals
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


def act_for(session, user):
    """The application acts for one of its users: its role, and flowstream.actor."""
    session.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    session.execute(text("SELECT set_config('flowstream.actor', :user, true)"), {"user": user})


def set_clock(session, at):
    """The test clock: only a superuser sets it, so step out of the app role and back."""
    session.execute(text("RESET ROLE"))
    session.execute(text("SELECT set_config('flowstream.clock', :at, true)"), {"at": at})
    session.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
    session.expire_all()  # the view's debts are at flowstream.now(): read them again


def refused(session, change):
    """Applies change() and flushes it in a savepoint; returns the SQLSTATE it failed with."""
    try:
        with session.begin_nested():
            change()
            session.flush()
    except DBAPIError as e:
        return e.orig.pgcode
    return None


def call(session, sql, **params):
    """An API function, in the session's transaction."""
    return session.execute(text(sql), params).scalar_one()


def story(session):
    # Set-up, as the superuser; all of it is rolled back at the end.
    session.execute(text("CREATE EXTENSION IF NOT EXISTS flowstream"))
    session.execute(text(f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE};
        END IF; END $$"""))
    session.execute(text(f"GRANT flowstream_app TO {APP_ROLE}"))
    session.execute(text("INSERT INTO flowstream.tokens VALUES (:t, 6) ON CONFLICT DO NOTHING"), {"t": TOKEN})
    set_clock(session, "2026-01-01 00:00:00+00")

    # Alice streams 0.001 token a second (86.4 a day) to Bob, with 100 deposited.
    act_for(session, "user:alice")
    stream = Stream(sender="user:alice", recipient="user:bob", token=TOKEN,
                    rate_per_second=Decimal("0.001"), balance=Decimal("100"),
                    metadata_={"plan": "pro"})
    session.add(stream)
    session.flush()  # INSERT ... RETURNING id, status, debts...: the trigger calls flowstream.create_stream()
    check("INSERT through the ORM gives an id", isinstance(stream.id, int), True)
    check("the new stream streams, solvent", stream.status, "streaming_solvent")
    check("no debt yet, 100 refundable", (stream.total_debt, stream.refundable), (Decimal("0"), Decimal("100")))
    # 100 / 0.001 = 100000 s = 1 day 3 h 46 min 40 s; one more base unit (0.000001) takes 0.001 s
    check("depletion time", stream.depletion_time, utc(2026, 1, 2, 3, 46, 40, 1000))
    check("created at the test clock's time", stream.created_at, utc(2026, 1, 1))

    # One day later: 86400 s x 0.001 = 86.4 owed, all covered by the 100; 13.6 refundable.
    set_clock(session, "2026-01-02 00:00:00+00")
    session.refresh(stream)
    check("after a day: total, covered, uncovered debt",
          (stream.total_debt, stream.covered_debt, stream.uncovered_debt),
          (Decimal("86.4"), Decimal("86.4"), Decimal("0")))
    check("after a day: withdrawable, refundable", (stream.withdrawable, stream.refundable),
          (Decimal("86.4"), Decimal("13.6")))

    # Alice doubles the rate through the ORM: an adjust_rate, with a snapshot of the 86.4 owed.
    stream.rate_per_second = Decimal("0.002")
    session.flush()  # UPDATE ... RETURNING: the new snapshot and status
    check("rate changed to 0.002", stream.rate_per_second, Decimal("0.002"))
    check("snapshot_debt 86.4 at 2026-01-02 00:00", (stream.snapshot_debt, stream.snapshot_time),
          (Decimal("86.4"), utc(2026, 1, 2)))

    # Six hours later: 86.4 + 21600 s x 0.002 = 86.4 + 43.2 = 129.6 owed; the balance covers 100 of it.
    set_clock(session, "2026-01-02 06:00:00+00")
    session.refresh(stream)
    check("after 6 h at 0.002: total 129.6, covered 100, uncovered 29.6",
          (stream.total_debt, stream.covered_debt, stream.uncovered_debt),
          (Decimal("129.6"), Decimal("100"), Decimal("29.6")))
    check("the stream is insolvent", stream.status, "streaming_insolvent")

    # Rate 0 pauses: the 129.6 stays owed, nothing more accrues.
    stream.rate_per_second = Decimal("0")
    session.flush()  # UPDATE ... RETURNING: the new snapshot and status
    check("rate 0 pauses (insolvent)", stream.status, "paused_insolvent")
    check("pause snapshot: 129.6 at 2026-01-02 06:00", (stream.snapshot_debt, stream.snapshot_time),
          (Decimal("129.6"), utc(2026, 1, 2, 6)))
    set_clock(session, "2026-01-03 06:00:00+00")
    session.refresh(stream)
    check("a paused day later, still 129.6 owed", stream.total_debt, Decimal("129.6"))

    # Alice deposits 200 (anyone may): balance 300, so the 129.6 is covered; 300 - 129.6 = 170.4 refundable.
    call(session, "SELECT flowstream.deposit(:id, :amount)", id=stream.id, amount=Decimal("200"))
    session.refresh(stream)
    check("deposit 200: balance 300", stream.balance, Decimal("300"))
    check("paused, now solvent", stream.status, "paused_solvent")
    check("covered 129.6, refundable 170.4", (stream.covered_debt, stream.refundable),
          (Decimal("129.6"), Decimal("170.4")))

    # A rate on a paused stream restarts it.
    stream.rate_per_second = Decimal("0.001")
    session.flush()  # UPDATE ... RETURNING: the new snapshot and status
    check("a rate restarts the paused stream", stream.status, "streaming_solvent")
    check("restart snapshot: 129.6 at 2026-01-03 06:00", (stream.snapshot_debt, stream.snapshot_time),
          (Decimal("129.6"), utc(2026, 1, 3, 6)))

    # A day later: 129.6 + 86400 s x 0.001 = 216 owed; 300 - 216 = 84 refundable.
    set_clock(session, "2026-01-04 06:00:00+00")
    session.refresh(stream)
    check("a day after restart: total 216, withdrawable 216, refundable 84",
          (stream.total_debt, stream.withdrawable, stream.refundable),
          (Decimal("216"), Decimal("216"), Decimal("84")))

    # Bob, the recipient, may not change the rate: 42501, and nothing changed.
    act_for(session, "user:bob")
    check("the recipient changing the rate is refused (42501)",
          refused(session, lambda: setattr(stream, "rate_per_second", Decimal("1"))), "42501")
    session.refresh(stream)
    check("... and the rate is still 0.001", stream.rate_per_second, Decimal("0.001"))

    # Bob withdraws 200, then the rest: 216 - 200 = 16. Balance 300 - 216 = 84.
    check("the recipient withdraws 200",
          call(session, "SELECT flowstream.withdraw(:id, :amount)", id=stream.id, amount=Decimal("200")),
          Decimal("200"))
    check("withdraw_max gives the remaining 16",
          session.scalar(select(func.flowstream.withdraw_max(stream.id))), Decimal("16"))
    session.refresh(stream)
    check("balance 84, nothing owed", (stream.balance, stream.total_debt), (Decimal("84"), Decimal("0")))

    # The balance is derived: an ORM update of it is refused (0A000), as is any derived column.
    act_for(session, "user:alice")
    check("updating balance through the ORM is refused (0A000)",
          refused(session, lambda: setattr(stream, "balance", Decimal("1000"))), "0A000")
    check("updating total_debt through the ORM is refused (0A000)",
          refused(session, lambda: setattr(stream, "total_debt", Decimal("1"))), "0A000")

    # Alice takes 50 of the unstreamed balance back: 84 - 50 = 34.
    call(session, "SELECT flowstream.refund(:id, :amount)", id=stream.id, amount=Decimal("50"))
    session.refresh(stream)
    check("refund 50: balance 34, refundable 34", (stream.balance, stream.refundable),
          (Decimal("34"), Decimal("34")))

    # Alice gives the sweeper a grace: the stream is voided after 2 days insolvent.
    stream.void_after = timedelta(days=2)
    session.flush()
    session.refresh(stream)
    check("void_after set through the ORM: 2 days", stream.void_after, timedelta(days=2))

    # The history: one event per operation, with the user who acted.
    events = session.execute(select(Event.op, Event.actor, Event.amount, Event.destination, Event.at)
                             .where(Event.stream_id == stream.id).order_by(Event.id)).all()
    check("the events written", [tuple(e) for e in events], [
        ("create", "user:alice", None, "user:bob", utc(2026, 1, 1)),
        ("deposit", "user:alice", Decimal("100"), None, utc(2026, 1, 1)),
        ("adjust_rate", "user:alice", Decimal("0.002"), None, utc(2026, 1, 2)),
        ("pause", "user:alice", None, None, utc(2026, 1, 2, 6)),
        ("deposit", "user:alice", Decimal("200"), None, utc(2026, 1, 3, 6)),
        ("restart", "user:alice", Decimal("0.001"), None, utc(2026, 1, 3, 6)),
        ("withdraw", "user:bob", Decimal("200"), "user:bob", utc(2026, 1, 4, 6)),
        ("withdraw", "user:bob", Decimal("16"), "user:bob", utc(2026, 1, 4, 6)),
        ("refund", "user:alice", Decimal("50"), "user:alice", utc(2026, 1, 4, 6)),
        ("set_void_after", "user:alice", None, None, utc(2026, 1, 4, 6)),
    ])

    # Optimistic locking, on a second stream that Alice streams to Carol and pauses.
    other = Stream(sender="user:alice", recipient="user:carol", token=TOKEN,
                   rate_per_second=Decimal("0.001"), balance=Decimal("10"))
    session.add(other)
    session.flush()
    other.rate_per_second = Decimal("0")
    session.flush()
    other_id = other.id
    last_event = session.execute(select(func.max(Event.id)).where(Event.stream_id == other.id)).scalar_one()
    check("the version flush() read back is the stream's last event", (other.status, other.version),
          ("paused_solvent", last_event))
    # Another transaction sets a grace meanwhile (a savepoint stands for it here: the stream
    # exists only in this uncommitted transaction); the object in the session is now stale.
    with session.begin_nested():
        call(session, "SELECT flowstream.set_void_after(:id, :grace)", id=other.id, grace=timedelta(days=1))
    try:
        with session.begin_nested():
            other.metadata_ = {"plan": "stale"}
            session.flush()  # UPDATE ... SET metadata WHERE id = ? AND version = <the one read>: no row
        outcome = None
    except StaleDataError:
        outcome = "StaleDataError"
    check("flushing the stale object is refused (StaleDataError: no row at the version read)", outcome,
          "StaleDataError")
    check("... and the other transaction's change survives",
          tuple(session.execute(select(Stream.void_after, Stream.metadata_).where(Stream.id == other_id)).one()),
          (timedelta(days=1), {}))

    session.execute(text("RESET ROLE"))
    check("verify() finds no broken invariant",
          session.execute(text("SELECT count(*) FROM flowstream.verify()")).scalar_one(), 0)


def main():
    print(f"# plan {PLAN}")
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
