#!/usr/bin/python3
"""flowstream from Python through Django's ORM, in one file.

An unmanaged model of the view flowstream.streams_now: create() creates a
stream, saving a new rate adjusts, pauses (rate 0) or restarts it, and
refresh_from_db() reads the debts at flowstream.now(). Money moves with the
API functions, called on the same connection. An application role (a member
of flowstream_app) acts for its users by setting flowstream.actor.

The same story, with the same numbers and checks, as python_sqlalchemy.py and
node/sequelize_story.js; then Django's own traps:

* create() reads back only the id (INSERT ... RETURNING id): refresh_from_db()
  before reading anything the database computed;
* save() writes every column and reads nothing back: a row whose
  depletion_time is infinity comes back from psycopg2 as datetime.max, which
  a full save() writes back as the year 9999, and the view refuses that as a
  change of a derived column (0A000); save(update_fields=[...]) writes only
  what changed;
* a full save() carries the version it read: a stale object is refused
  (40001) instead of writing back what another transaction changed.

Run as the superuser postgres (the test clock needs it), with the libpq
environment: PGHOST, PGPORT, PGUSER=postgres, PGDATABASE (default flowstream):

    /usr/bin/python3 examples/django_story.py

Needs Debian's python3-django (3.2) and python3-psycopg2. Everything runs in
one transaction that is rolled back at the end: a rerun starts clean. Prints
"# plan N", then one TAP line ("ok - ..." / "not ok - ...") per check; exits 1
if any failed.
"""
import os
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import django
from django.conf import settings

settings.configure(
    DATABASES={"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PGDATABASE", "flowstream"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "PASSWORD": os.environ.get("PGPASSWORD", ""),
        "HOST": os.environ.get("PGHOST", ""),  # a socket directory works too
        "PORT": os.environ.get("PGPORT", ""),
    }},
    INSTALLED_APPS=[],
    USE_TZ=True,       # aware datetimes, the connection in UTC
    TIME_ZONE="UTC",
)
django.setup()

from django.db import DatabaseError, connection, models, transaction  # noqa: E402  (after setup)

PLAN = 43  # the checks below, counted: test/clients/run.sh expects exactly this many


# Amounts: balances and rates go up to 2^127 - 1 base units, with at most 18
# decimals; the snapshot debt is exact to 10^-24 token. A DecimalField
# quantizes what it writes to its decimal_places, so each gets all of them:
# fewer would round the value on a full save() and the view would refuse it.
def amount():
    return models.DecimalField(max_digits=60, decimal_places=18, null=True)


class Stream(models.Model):
    """One row of flowstream.streams_now: a stream and its debts at flowstream.now()."""
    id = models.BigAutoField(primary_key=True)  # a view has no key: say which; INSERT ... RETURNING id
    sender = models.TextField()                  # fixed at creation
    recipient = models.TextField()               # saving a new one transfers the stream
    token = models.TextField()                   # fixed at creation
    rate_per_second = amount()                   # saving adjusts; 0 pauses; > 0 on a paused stream restarts
    balance = amount()                           # create: a first deposit; saving refused (deposit/withdraw/refund)
    snapshot_debt = models.DecimalField(max_digits=80, decimal_places=24, null=True)  # exact: read only
    snapshot_time = models.DateTimeField(null=True)  # create: the start (default now); then read only
    total_debt = amount()                        # read only, as are all down to depletion_time
    covered_debt = amount()
    uncovered_debt = amount()
    withdrawable = amount()
    refundable = amount()
    status = models.TextField(null=True)
    depletion_time = models.DateTimeField(null=True)  # NULL when paused; infinity comes back as datetime.max
    voided = models.BooleanField(null=True)      # saving True voids
    transferable = models.BooleanField(null=True)  # create only (NULL: true)
    void_after = models.DurationField(null=True)  # the sweeper's grace, an interval
    metadata = models.JSONField(null=True)
    created_at = models.DateTimeField(null=True)
    version = models.BigIntegerField(null=True)  # the last event's id: a full save() carries it (40001 if stale)

    class Meta:
        app_label = "flowstream_story"
        managed = False
        db_table = '"flowstream"."streams_now"'  # quoted as given: schema and view


class Event(models.Model):
    """flowstream.events: the append-only history, one row per operation (read only)."""
    id = models.BigAutoField(primary_key=True)
    stream_id = models.BigIntegerField()
    op = models.TextField()
    actor = models.TextField()
    amount = models.DecimalField(max_digits=60, decimal_places=18, null=True)
    destination = models.TextField(null=True)
    at = models.DateTimeField()

    class Meta:
        app_label = "flowstream_story"
        managed = False
        db_table = '"flowstream"."events"'


APP_ROLE = "orm_dj_app"   # the application's role: a member of flowstream_app
TOKEN = "ORMDJ"           # a token with 6 decimals
failed = 0
ran = 0


def check(what, got, want):
    """Exact comparison (Decimal == Decimal, never floats); one TAP line."""
    global failed, ran
    ran += 1
    if got == want:
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"not ok - {what}\n#   got:  {got!r}\n#   want: {want!r}")


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def sql(statement, *params):
    """A statement on Django's connection, in the story's transaction; its first value, if any."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0] if cursor.description else None


def act_for(user):
    """The application acts for one of its users: its role, and flowstream.actor."""
    sql(f"SET LOCAL ROLE {APP_ROLE}")
    sql("SELECT set_config('flowstream.actor', %s, true)", user)


def set_clock(at):
    """The test clock: only a superuser sets it, so step out of the app role and back."""
    sql("RESET ROLE")
    sql("SELECT set_config('flowstream.clock', %s, true)", at)
    sql(f"SET LOCAL ROLE {APP_ROLE}")


def refused(change):
    """Runs change() (which saves) in a savepoint; returns the SQLSTATE it failed with."""
    try:
        with transaction.atomic():  # nested: a savepoint, so the story's transaction goes on
            change()
    except DatabaseError as e:
        return getattr(e.__cause__, "pgcode", repr(e))
    return None


def assign_and_save(stream, **fields):
    """Sets fields and saves only them (the way that works, see the README)."""
    def change():
        for name, value in fields.items():
            setattr(stream, name, value)
        stream.save(update_fields=list(fields))
    return change


def story():
    # Set-up, as the superuser; all of it is rolled back at the end.
    sql("CREATE EXTENSION IF NOT EXISTS flowstream")
    sql(f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE};
        END IF; END $$""")
    sql(f"GRANT flowstream_app TO {APP_ROLE}")
    sql("INSERT INTO flowstream.tokens VALUES (%s, 6) ON CONFLICT DO NOTHING", TOKEN)
    set_clock("2026-01-01 00:00:00+00")

    # Alice streams 0.001 token a second (86.4 a day) to Bob, with 100 deposited.
    act_for("user:alice")
    stream = Stream.objects.create(sender="user:alice", recipient="user:bob", token=TOKEN,
                                   rate_per_second=Decimal("0.001"), balance=Decimal("100"),
                                   metadata={"plan": "pro"})
    check("INSERT through the ORM gives an id", isinstance(stream.id, int), True)
    # Trap: Django's INSERT returns only the primary key; what the database computed is not read.
    check("trap: create() read back only the id (status, total_debt, version unset)",
          (stream.status, stream.total_debt, stream.version), (None, None, None))
    stream.refresh_from_db()
    check("the new stream streams, solvent", stream.status, "streaming_solvent")
    check("no debt yet, 100 refundable", (stream.total_debt, stream.refundable), (Decimal("0"), Decimal("100")))
    # 100 / 0.001 = 100000 s = 1 day 3 h 46 min 40 s; one more base unit (0.000001) takes 0.001 s
    check("depletion time", stream.depletion_time, utc(2026, 1, 2, 3, 46, 40, 1000))
    check("created at the test clock's time", stream.created_at, utc(2026, 1, 1))

    # One day later: 86400 s x 0.001 = 86.4 owed, all covered by the 100; 13.6 refundable.
    set_clock("2026-01-02 00:00:00+00")
    stream.refresh_from_db()
    check("after a day: total, covered, uncovered debt",
          (stream.total_debt, stream.covered_debt, stream.uncovered_debt),
          (Decimal("86.4"), Decimal("86.4"), Decimal("0")))
    check("after a day: withdrawable, refundable", (stream.withdrawable, stream.refundable),
          (Decimal("86.4"), Decimal("13.6")))

    # Alice doubles the rate through the ORM: an adjust_rate, with a snapshot of the 86.4 owed.
    assign_and_save(stream, rate_per_second=Decimal("0.002"))()  # UPDATE ... SET rate_per_second only
    stream.refresh_from_db()  # save() reads nothing back
    check("rate changed to 0.002", stream.rate_per_second, Decimal("0.002"))
    check("snapshot_debt 86.4 at 2026-01-02 00:00", (stream.snapshot_debt, stream.snapshot_time),
          (Decimal("86.4"), utc(2026, 1, 2)))

    # Six hours later: 86.4 + 21600 s x 0.002 = 86.4 + 43.2 = 129.6 owed; the balance covers 100 of it.
    set_clock("2026-01-02 06:00:00+00")
    stream.refresh_from_db()
    check("after 6 h at 0.002: total 129.6, covered 100, uncovered 29.6",
          (stream.total_debt, stream.covered_debt, stream.uncovered_debt),
          (Decimal("129.6"), Decimal("100"), Decimal("29.6")))
    check("the stream is insolvent", stream.status, "streaming_insolvent")

    # Rate 0 pauses: the 129.6 stays owed, nothing more accrues.
    assign_and_save(stream, rate_per_second=Decimal("0"))()
    stream.refresh_from_db()
    check("rate 0 pauses (insolvent)", stream.status, "paused_insolvent")
    check("pause snapshot: 129.6 at 2026-01-02 06:00", (stream.snapshot_debt, stream.snapshot_time),
          (Decimal("129.6"), utc(2026, 1, 2, 6)))
    set_clock("2026-01-03 06:00:00+00")
    stream.refresh_from_db()
    check("a paused day later, still 129.6 owed", stream.total_debt, Decimal("129.6"))

    # Alice deposits 200 (anyone may): balance 300, so the 129.6 is covered; 300 - 129.6 = 170.4 refundable.
    sql("SELECT flowstream.deposit(%s, %s)", stream.id, Decimal("200"))
    stream.refresh_from_db()
    check("deposit 200: balance 300", stream.balance, Decimal("300"))
    check("paused, now solvent", stream.status, "paused_solvent")
    check("covered 129.6, refundable 170.4", (stream.covered_debt, stream.refundable),
          (Decimal("129.6"), Decimal("170.4")))

    # A rate on a paused stream restarts it.
    assign_and_save(stream, rate_per_second=Decimal("0.001"))()
    stream.refresh_from_db()
    check("a rate restarts the paused stream", stream.status, "streaming_solvent")
    check("restart snapshot: 129.6 at 2026-01-03 06:00", (stream.snapshot_debt, stream.snapshot_time),
          (Decimal("129.6"), utc(2026, 1, 3, 6)))

    # A day later: 129.6 + 86400 s x 0.001 = 216 owed; 300 - 216 = 84 refundable.
    set_clock("2026-01-04 06:00:00+00")
    stream.refresh_from_db()
    check("a day after restart: total 216, withdrawable 216, refundable 84",
          (stream.total_debt, stream.withdrawable, stream.refundable),
          (Decimal("216"), Decimal("216"), Decimal("84")))

    # Bob, the recipient, may not change the rate: 42501, and nothing changed.
    act_for("user:bob")
    check("the recipient changing the rate is refused (42501)",
          refused(assign_and_save(stream, rate_per_second=Decimal("1"))), "42501")
    stream.refresh_from_db()
    check("... and the rate is still 0.001", stream.rate_per_second, Decimal("0.001"))

    # Bob withdraws 200, then the rest: 216 - 200 = 16. Balance 300 - 216 = 84.
    check("the recipient withdraws 200",
          sql("SELECT flowstream.withdraw(%s, %s)", stream.id, Decimal("200")), Decimal("200"))
    check("withdraw_max gives the remaining 16", sql("SELECT flowstream.withdraw_max(%s)", stream.id), Decimal("16"))
    stream.refresh_from_db()
    check("balance 84, nothing owed", (stream.balance, stream.total_debt), (Decimal("84"), Decimal("0")))

    # The balance is derived: an ORM update of it is refused (0A000), as is any derived column.
    act_for("user:alice")
    check("updating balance through the ORM is refused (0A000)",
          refused(assign_and_save(stream, balance=Decimal("1000"))), "0A000")
    stream.refresh_from_db()
    check("updating total_debt through the ORM is refused (0A000)",
          refused(assign_and_save(stream, total_debt=Decimal("1"))), "0A000")
    stream.refresh_from_db()

    # Alice takes 50 of the unstreamed balance back: 84 - 50 = 34.
    sql("SELECT flowstream.refund(%s, %s)", stream.id, Decimal("50"))
    stream.refresh_from_db()
    check("refund 50: balance 34, refundable 34", (stream.balance, stream.refundable),
          (Decimal("34"), Decimal("34")))

    # Alice gives the sweeper a grace: the stream is voided after 2 days insolvent.
    assign_and_save(stream, void_after=timedelta(days=2))()
    stream.refresh_from_db()
    check("void_after set through the ORM: 2 days", stream.void_after, timedelta(days=2))

    # The history: one event per operation, with the user who acted.
    events = Event.objects.filter(stream_id=stream.id).order_by("id").values_list(
        "op", "actor", "amount", "destination", "at")
    check("the events written", list(events), [
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

    django_traps()

    sql("RESET ROLE")
    check("verify() finds no broken invariant", sql("SELECT count(*) FROM flowstream.verify()"), 0)


def django_traps():
    """What a full save() does to this view, on a second stream; still at 2026-01-04 06:00, as Alice."""
    # Alice streams 10^-18 token a second to Carol, with 1 deposited: one base unit (10^-6)
    # takes 10^12 s, a million of them 10^18 s, far beyond timestamptz: depletion_time is infinity.
    slow = Stream.objects.create(sender="user:alice", recipient="user:carol", token=TOKEN,
                                 rate_per_second=Decimal("0.000000000000000001"), balance=Decimal("1"))
    slow.refresh_from_db()
    check("trap: psycopg2 reads depletion_time infinity as datetime.max (9999-12-31 23:59:59.999999)",
          slow.depletion_time, datetime.max.replace(tzinfo=timezone.utc))
    # A full save() of the row as read writes datetime.max back: not infinity, so a derived column changed.
    check("trap: a full save() of the unchanged row is refused (0A000)", refused(slow.save), "0A000")
    slow.refresh_from_db()
    check("save(update_fields=['metadata']) works on it",
          (refused(assign_and_save(slow, metadata={"plan": "slow"})), Stream.objects.get(id=slow.id).metadata),
          (None, {"plan": "slow"}))

    # Alice pauses it: a paused stream's row does not change with time, no depletion time.
    assign_and_save(slow, rate_per_second=Decimal("0"))()
    slow.refresh_from_db()
    check("paused: status, depletion_time", (slow.status, slow.depletion_time), ("paused_solvent", None))

    # Optimistic locking: a request reads the row, another one sets a grace meanwhile (a savepoint
    # here stands for that other transaction: the stream exists only in this uncommitted one).
    stale = Stream.objects.get(id=slow.id)
    also_stale = Stream.objects.get(id=slow.id)
    with transaction.atomic():
        sql("SELECT flowstream.set_void_after(%s, %s)", slow.id, timedelta(days=1))
    # The first request saves its whole row: it carries the old version (and the old void_after, NULL).
    stale.metadata = {"plan": "stale"}
    check("a stale full save() of the paused stream is refused (40001)", refused(stale.save), "40001")
    slow.refresh_from_db()
    check("... and the other transaction's change survives",
          (slow.void_after, slow.metadata, slow.version > stale.version),
          (timedelta(days=1), {"plan": "slow"}, True))
    # save(update_fields=[...]) leaves version out: it writes only what it names, and is not checked;
    # naming version too makes it checked.
    also_stale.metadata = {"plan": "checked"}
    check("save(update_fields=['metadata', 'version']) of a stale row is refused (40001)",
          refused(lambda: also_stale.save(update_fields=["metadata", "version"])), "40001")
    also_stale.metadata = {"plan": "unchecked"}
    also_stale.save(update_fields=["metadata"])
    slow.refresh_from_db()
    check("save(update_fields=['metadata']) of a stale row writes only metadata",
          (slow.metadata, slow.void_after), ({"plan": "unchecked"}, timedelta(days=1)))
    # Reloaded, a full save() works; it reads nothing back, so the object's version is stale at once.
    stale.refresh_from_db()
    stale.metadata = {"plan": "fresh"}
    stale.save()
    check("after refresh_from_db(), a full save() works (void_after kept)",
          (Stream.objects.get(id=slow.id).metadata, Stream.objects.get(id=slow.id).void_after),
          ({"plan": "fresh"}, timedelta(days=1)))
    stale.metadata = {"plan": "again"}
    check("trap: a second full save() without refresh_from_db() is refused (40001)", refused(stale.save), "40001")

    events = Event.objects.filter(stream_id=slow.id).order_by("id").values_list("op", "actor")
    check("the second stream's events", list(events), [
        ("create", "user:alice"), ("deposit", "user:alice"), ("set_metadata", "user:alice"),
        ("pause", "user:alice"), ("set_void_after", "user:alice"), ("set_metadata", "user:alice"),
        ("set_metadata", "user:alice"),
    ])


def main():
    global failed
    print(f"# plan {PLAN}")
    try:
        with transaction.atomic():
            try:
                story()
            finally:
                transaction.set_rollback(True)  # nothing of the story stays
    except Exception as e:  # an unexpected error ends the story: report it as a failure
        failed += 1
        print(f"not ok - the story stopped: {type(e).__name__}: {e}".replace("\n", "\n# "))
    if ran != PLAN:
        print(f"# ran {ran} checks, planned {PLAN}")
        failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
