// flowstream from Node.js through TypeORM (an ORM, with the `pg` driver), in
// plain JavaScript: entities are EntitySchema objects, no TypeScript build.
//
// A mapping of the view flowstream.streams_now: saving a new entity creates a
// stream, saving a new rate adjusts, pauses (rate 0) or restarts it, and
// reading the row again gives the debts at flowstream.now(). Money moves with
// the API functions, called in the same transaction. An application role (a
// member of flowstream_app) acts for its users by setting flowstream.actor.
//
// The same story, with the same numbers and checks, as sequelize_story.js and
// ../python_sqlalchemy.py; then TypeORM's own traps:
//
// * a plain primary column (@PrimaryColumn, `primary: true`) never learns the
//   id the database gave: map id as a generated column, or insert with
//   insert().returning('*');
// * save() reads back only the id: read the row again for what the database
//   computed (or update()/insert() with returning('*'));
// * a JavaScript Date keeps milliseconds: snapshot_time and depletion_time
//   have microseconds, so compare them as text (read the column as ::text);
// * save() writes every column that differs from the row as it is now in the
//   database, so a stale entity undoes what another transaction changed —
//   unless the mapping has the version column: then it is refused (40001);
// * a @VersionColumn (`version: true`) increments version itself, which the
//   view refuses (40001) on every save: map version as a plain column.
//
// Run as the superuser postgres (the test clock needs it), with the libpq
// environment: PGHOST, PGPORT, PGUSER=postgres, PGDATABASE (default flowstream):
//
//     cd examples/node && npm ci && node typeorm_story.js
//
// Everything runs in one transaction that is rolled back at the end: a rerun
// starts clean. Prints "# plan N", then one TAP line ("ok - ..." / "not ok - ...")
// per check; exits 1 if any failed. Numbers come back from pg as strings,
// exactly as PostgreSQL prints them ('86.400000'): they are compared as
// strings, never as floats.
'use strict';
require('reflect-metadata');
const { DataSource, EntitySchema } = require('typeorm');

// pg reads an interval as an object: give it back as text ('2 days'; pg spells one day '1 days')
const intervalAsText = {
  from: (v) => (v && typeof v === 'object' ? v.toPostgres() : v),
  to: (v) => v,
};

// One row of flowstream.streams_now: a stream and its debts at flowstream.now().
const streamColumns = {
  id: { type: 'bigint', primary: true, generated: 'increment' }, // a view has no key: say which, and that
  //                                     the database makes it (INSERT ... RETURNING id)
  sender: { type: 'text' },              // fixed at creation
  recipient: { type: 'text' },           // saving a new one transfers the stream
  token: { type: 'text' },               // fixed at creation
  rate_per_second: { type: 'numeric', nullable: true }, // saving adjusts; 0 pauses; > 0 on a paused stream restarts
  balance: { type: 'numeric', nullable: true },         // create: a first deposit; saving refused
  snapshot_debt: { type: 'numeric', nullable: true },   // read only, as are all down to depletion_time
  snapshot_time: { type: 'timestamptz', nullable: true }, // create: the start (default now); a Date: milliseconds
  total_debt: { type: 'numeric', nullable: true },
  covered_debt: { type: 'numeric', nullable: true },
  uncovered_debt: { type: 'numeric', nullable: true },
  withdrawable: { type: 'numeric', nullable: true },
  refundable: { type: 'numeric', nullable: true },
  status: { type: 'text', nullable: true },
  depletion_time: { type: 'timestamptz', nullable: true }, // a Date: milliseconds only
  voided: { type: 'boolean', nullable: true },          // saving true voids
  transferable: { type: 'boolean', nullable: true },    // create only (default true)
  void_after: { type: 'interval', nullable: true, transformer: intervalAsText }, // the sweeper's grace
  metadata: { type: 'jsonb', nullable: true },
  created_at: { type: 'timestamptz', nullable: true },
  version: { type: 'bigint', nullable: true },          // the last event's id; a plain column, see the traps
};
const Stream = new EntitySchema({
  name: 'Stream', schema: 'flowstream', tableName: 'streams_now', columns: streamColumns,
});

// The traps: the same view with a plain primary column and no version...
const { id: _id, version: _version, ...unkeyed } = streamColumns;
const PlainKeyStream = new EntitySchema({
  name: 'PlainKeyStream', schema: 'flowstream', tableName: 'streams_now',
  columns: { id: { type: 'bigint', primary: true }, ...unkeyed },
});
// ... and with a @VersionColumn.
const VersionedStream = new EntitySchema({
  name: 'VersionedStream', schema: 'flowstream', tableName: 'streams_now',
  columns: { ...streamColumns, version: { type: 'bigint', version: true } },
});

// flowstream.events: the append-only history, one row per operation (read only).
const Event = new EntitySchema({
  name: 'Event', schema: 'flowstream', tableName: 'events',
  columns: {
    id: { type: 'bigint', primary: true },
    stream_id: { type: 'bigint' },
    op: { type: 'text' },
    actor: { type: 'text' },
    amount: { type: 'numeric', nullable: true },
    destination: { type: 'text', nullable: true },
    at: { type: 'timestamptz' },
  },
});

const dataSource = new DataSource({
  type: 'postgres',
  host: process.env.PGHOST, // a socket directory works too
  port: Number(process.env.PGPORT || 5432),
  username: process.env.PGUSER || 'postgres',
  password: process.env.PGPASSWORD,
  database: process.env.PGDATABASE || 'flowstream',
  entities: [Stream, PlainKeyStream, VersionedStream, Event],
  synchronize: false, // never DDL: the view is flowstream's
  logging: false,
});

const PLAN = 46;               // the checks below, counted: test/clients/run.sh expects exactly this many
const APP_ROLE = 'orm_ty_app'; // the application's role: a member of flowstream_app
const TOKEN = 'ORMTY';         // a token with 6 decimals
let failed = 0;

// Exact comparison of plain values (strings, booleans, arrays of them); one TAP line.
function check(what, got, want) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g === w) {
    console.log(`ok - ${what}`);
  } else {
    failed++;
    console.log(`not ok - ${what}\n#   got:  ${g}\n#   want: ${w}`);
  }
}

const iso = (date) => (date === null || date === undefined ? null : date.toISOString());

async function story(qr) {
  const m = qr.manager;
  const streams = m.getRepository(Stream);
  // A statement in the transaction, with $1, $2... bound to args; its rows
  const sql = (text, args) => qr.query(text, args);
  // An API function, in the transaction; its single value.
  const call = async (text, ...args) => Object.values((await sql(text, args))[0])[0];

  // The application acts for one of its users: its role, and flowstream.actor.
  async function actFor(user) {
    await sql(`SET LOCAL ROLE ${APP_ROLE}`);
    await sql("SELECT set_config('flowstream.actor', $1, true)", [user]);
  }
  // The test clock: only a superuser sets it, so step out of the app role and back.
  async function setClock(at) {
    await sql('RESET ROLE');
    await sql("SELECT set_config('flowstream.clock', $1, true)", [at]);
    await sql(`SET LOCAL ROLE ${APP_ROLE}`);
  }
  // save() reads nothing back but the id: read the row again, into the same object.
  async function reload(entity, target = Stream) {
    return Object.assign(entity, await m.findOneByOrFail(target, { id: entity.id }));
  }
  // Runs change() in a savepoint; returns the SQLSTATE it failed with (null if it did not).
  async function refused(change) {
    await qr.startTransaction(); // nested: SAVEPOINT
    try {
      await change();
      await qr.commitTransaction(); // RELEASE SAVEPOINT
      return null;
    } catch (err) {
      await qr.rollbackTransaction(); // ROLLBACK TO SAVEPOINT
      return err.driverError ? err.driverError.code : String(err);
    }
  }
  // Sets fields and saves the entity; the row is read again afterwards by the caller.
  const assignAndSave = (entity, fields, target = Stream) => async () => {
    Object.assign(entity, fields);
    await m.save(target, entity);
  };

  // Set-up, as the superuser; all of it is rolled back at the end.
  await sql("SET LOCAL TimeZone = 'UTC'"); // times read as text below end in +00
  await sql('CREATE EXTENSION IF NOT EXISTS flowstream');
  await sql(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          CREATE ROLE ${APP_ROLE};
      END IF; END $$`);
  await sql(`GRANT flowstream_app TO ${APP_ROLE}`);
  await sql('INSERT INTO flowstream.tokens VALUES ($1, 6) ON CONFLICT DO NOTHING', [TOKEN]);
  await setClock('2026-01-01 00:00:00+00');

  // Alice streams 0.001 token a second (86.4 a day) to Bob, with 100 deposited.
  await actFor('user:alice');
  const stream = await streams.save(streams.create({ // INSERT ... RETURNING id: the trigger calls create_stream()
    sender: 'user:alice', recipient: 'user:bob', token: TOKEN,
    rate_per_second: '0.001', balance: '100', metadata: { plan: 'pro' },
  }));
  check('save() of a new entity through the ORM gives an id', /^[0-9]+$/.test(String(stream.id)), true);
  check('trap: save() read back only the id (status, total_debt, version unset)',
    [stream.status, stream.total_debt, stream.version], [undefined, undefined, undefined]);
  await reload(stream);
  check('the new stream streams, solvent', stream.status, 'streaming_solvent');
  check('balance 100, no debt yet, 100 refundable',
    [stream.balance, stream.total_debt, stream.refundable], ['100.000000', '0.000000', '100.000000']);
  // 100 / 0.001 = 100000 s = 1 day 3 h 46 min 40 s; one more base unit (0.000001) takes 0.001 s
  check('depletion time', iso(stream.depletion_time), '2026-01-02T03:46:40.001Z');
  check('created at the test clock\'s time', iso(stream.created_at), '2026-01-01T00:00:00.000Z');

  // One day later: 86400 s x 0.001 = 86.4 owed, all covered by the 100; 13.6 refundable.
  await setClock('2026-01-02 00:00:00+00');
  await reload(stream);
  check('after a day: total, covered, uncovered debt',
    [stream.total_debt, stream.covered_debt, stream.uncovered_debt], ['86.400000', '86.400000', '0.000000']);
  check('after a day: withdrawable, refundable', [stream.withdrawable, stream.refundable], ['86.400000', '13.600000']);

  // Alice doubles the rate through the ORM: an adjust_rate, with a snapshot of the 86.4 owed.
  stream.rate_per_second = '0.002';
  await streams.save(stream); // UPDATE ... SET rate_per_second: only what differs from the row now
  await reload(stream);
  check('rate changed to 0.002', stream.rate_per_second, '0.002');
  check('snapshot_debt 86.4 at 2026-01-02 00:00', [stream.snapshot_debt, iso(stream.snapshot_time)],
    ['86.400000', '2026-01-02T00:00:00.000Z']);

  // Six hours later: 86.4 + 21600 s x 0.002 = 86.4 + 43.2 = 129.6 owed; the balance covers 100 of it.
  await setClock('2026-01-02 06:00:00+00');
  await reload(stream);
  check('after 6 h at 0.002: total 129.6, covered 100, uncovered 29.6',
    [stream.total_debt, stream.covered_debt, stream.uncovered_debt], ['129.600000', '100.000000', '29.600000']);
  check('the stream is insolvent', stream.status, 'streaming_insolvent');

  // Rate 0 pauses: the 129.6 stays owed, nothing more accrues.
  stream.rate_per_second = '0';
  await streams.save(stream);
  await reload(stream);
  check('rate 0 pauses (insolvent)', stream.status, 'paused_insolvent');
  check('pause snapshot: 129.6 at 2026-01-02 06:00', [stream.snapshot_debt, iso(stream.snapshot_time)],
    ['129.600000', '2026-01-02T06:00:00.000Z']);
  await setClock('2026-01-03 06:00:00+00');
  await reload(stream);
  check('a paused day later, still 129.6 owed', stream.total_debt, '129.600000');

  // Alice deposits 200 (anyone may): balance 300, so the 129.6 is covered; 300 - 129.6 = 170.4 refundable.
  await sql('SELECT flowstream.deposit($1, $2)', [stream.id, '200']);
  await reload(stream);
  check('deposit 200: balance 300', stream.balance, '300.000000');
  check('paused, now solvent', stream.status, 'paused_solvent');
  check('covered 129.6, refundable 170.4', [stream.covered_debt, stream.refundable], ['129.600000', '170.400000']);

  // A rate on a paused stream restarts it.
  stream.rate_per_second = '0.001';
  await streams.save(stream);
  await reload(stream);
  check('a rate restarts the paused stream', stream.status, 'streaming_solvent');
  check('restart snapshot: 129.6 at 2026-01-03 06:00', [stream.snapshot_debt, iso(stream.snapshot_time)],
    ['129.600000', '2026-01-03T06:00:00.000Z']);

  // A day later: 129.6 + 86400 s x 0.001 = 216 owed; 300 - 216 = 84 refundable.
  await setClock('2026-01-04 06:00:00+00');
  await reload(stream);
  check('a day after restart: total 216, withdrawable 216, refundable 84',
    [stream.total_debt, stream.withdrawable, stream.refundable], ['216.000000', '216.000000', '84.000000']);

  // Bob, the recipient, may not change the rate: 42501, and nothing changed.
  await actFor('user:bob');
  check('the recipient changing the rate is refused (42501)',
    await refused(assignAndSave(stream, { rate_per_second: '1' })), '42501');
  await reload(stream);
  check('... and the rate is still 0.001', stream.rate_per_second, '0.001');

  // Bob withdraws 200, then the rest: 216 - 200 = 16. Balance 300 - 216 = 84.
  check('the recipient withdraws 200', await call('SELECT flowstream.withdraw($1, $2)', stream.id, '200'), '200.000000');
  check('withdraw_max gives the remaining 16', await call('SELECT flowstream.withdraw_max($1)', stream.id), '16.000000');
  await reload(stream);
  check('balance 84, nothing owed', [stream.balance, stream.total_debt], ['84.000000', '0.000000']);

  // The balance is derived: an ORM update of it is refused (0A000), as is any derived column.
  await actFor('user:alice');
  check('updating balance through the ORM is refused (0A000)',
    await refused(assignAndSave(stream, { balance: '1000' })), '0A000');
  await reload(stream);
  check('updating total_debt through the ORM is refused (0A000)',
    await refused(assignAndSave(stream, { total_debt: '1' })), '0A000');
  await reload(stream);

  // Alice takes 50 of the unstreamed balance back: 84 - 50 = 34.
  await sql('SELECT flowstream.refund($1, $2)', [stream.id, '50']);
  await reload(stream);
  check('refund 50: balance 34, refundable 34', [stream.balance, stream.refundable], ['34.000000', '34.000000']);

  // Alice gives the sweeper a grace: the stream is voided after 2 days insolvent.
  stream.void_after = '2 days';
  await streams.save(stream);
  await reload(stream);
  check('void_after set through the ORM: 2 days', stream.void_after, '2 days');

  // The history: one event per operation, with the user who acted.
  const events = await m.find(Event, { where: { stream_id: stream.id }, order: { id: 'ASC' } });
  check('the events written', events.map((e) => [e.op, e.actor, e.amount, e.destination, iso(e.at)]), [
    ['create', 'user:alice', null, 'user:bob', '2026-01-01T00:00:00.000Z'],
    ['deposit', 'user:alice', '100.000000', null, '2026-01-01T00:00:00.000Z'],
    ['adjust_rate', 'user:alice', '0.002', null, '2026-01-02T00:00:00.000Z'],
    ['pause', 'user:alice', null, null, '2026-01-02T06:00:00.000Z'],
    ['deposit', 'user:alice', '200.000000', null, '2026-01-03T06:00:00.000Z'],
    ['restart', 'user:alice', '0.001', null, '2026-01-03T06:00:00.000Z'],
    ['withdraw', 'user:bob', '200.000000', 'user:bob', '2026-01-04T06:00:00.000Z'],
    ['withdraw', 'user:bob', '16.000000', 'user:bob', '2026-01-04T06:00:00.000Z'],
    ['refund', 'user:alice', '50.000000', 'user:alice', '2026-01-04T06:00:00.000Z'],
    ['set_void_after', 'user:alice', null, null, '2026-01-04T06:00:00.000Z'],
  ]);

  await typeormTraps({ m, sql, refused, reload });

  await sql('RESET ROLE');
  check('verify() finds no broken invariant', await call('SELECT count(*) FROM flowstream.verify()'), '0');
}

// What TypeORM does with this view, on more streams; still at 2026-01-04 06:00, as Alice.
async function typeormTraps({ m, sql, refused, reload }) {
  // A plain primary column: the INSERT works, but TypeORM asks only for generated and default
  // columns back, so the entity never learns its id.
  const lost = await m.save(PlainKeyStream, m.create(PlainKeyStream, {
    sender: 'user:alice', recipient: 'user:dave', token: TOKEN, rate_per_second: '0.001', balance: '1',
  }));
  check('trap: with a plain primary column, save() creates the stream but never learns its id',
    [lost.id, Number(await sql("SELECT count(*) AS n FROM flowstream.streams WHERE recipient = 'user:dave'")
      .then((r) => r[0].n))], [undefined, 1]);

  // insert().returning('*') reads the whole row back. Carol gets 0.000003 token a second (3 base
  // units) from 1 deposited: the first uncovered unit, the 1000001st, comes at 1000001/3 s =
  // 333333.666667 s (rounded up to the microsecond) = 3 d 20 h 35 min 33.666667 s after 06:00.
  const inserted = await m.createQueryBuilder().insert().into(PlainKeyStream)
    .values({ sender: 'user:alice', recipient: 'user:carol', token: TOKEN, rate_per_second: '0.000003', balance: '1' })
    .returning('*').execute();
  const row = inserted.raw[0];
  check("insert().returning('*') gives the id and the row the database computed",
    [/^[0-9]+$/.test(String(row.id)), row.status, row.balance, row.refundable],
    [true, 'streaming_solvent', '1.000000', '1.000000']);

  // A JavaScript Date has milliseconds: the depletion time loses its last three digits.
  const carol = await m.findOneByOrFail(Stream, { id: row.id });
  check('trap: as a Date, depletion_time loses its microseconds (…33.666Z)',
    iso(carol.depletion_time), '2026-01-08T02:35:33.666Z');
  const [{ depletion_time: depletionText }] = await sql(
    'SELECT depletion_time::text FROM flowstream.streams_now WHERE id = $1', [row.id]);
  check('read as text it is exact: 2026-01-08 02:35:33.666667+00', depletionText, '2026-01-08 02:35:33.666667+00');

  // Alice pauses it: a paused stream's row does not change with time.
  carol.rate_per_second = '0';
  await m.save(Stream, carol);
  await reload(carol);
  check('paused: status, depletion_time', [carol.status, carol.depletion_time], ['paused_solvent', null]);

  // Optimistic locking: a request reads the row, another one sets a grace meanwhile (a savepoint
  // here stands for that other transaction: the stream exists only in this uncommitted one).
  const stale = await m.findOneByOrFail(Stream, { id: row.id });
  const unversioned = await m.findOneByOrFail(PlainKeyStream, { id: row.id });
  const otherChange = () => refused(() => sql('SELECT flowstream.set_void_after($1, $2)', [row.id, '1 day']));
  check('another transaction sets a grace of 1 day', await otherChange(), null);
  // save() compares the entity with the row as it is now: void_after (stale NULL) and version
  // (stale) differ, so both are written: the old version is refused.
  stale.metadata = { plan: 'stale' };
  check('a stale save() of the paused stream is refused (40001)', await refused(() => m.save(Stream, stale)), '40001');
  await reload(carol);
  check("... and the other transaction's change survives",
    [carol.void_after, carol.metadata, BigInt(carol.version) > BigInt(stale.version)], ['1 days', {}, true]);
  // Without version in the mapping, nothing tells the view that the entity is stale.
  unversioned.metadata = { plan: 'unversioned' };
  await m.save(PlainKeyStream, unversioned);
  await reload(carol);
  check('trap: without a version column, the same stale save() undoes the other change',
    [carol.void_after, carol.metadata], [null, { plan: 'unversioned' }]);

  // A @VersionColumn: TypeORM writes version = version + 1 itself, which is never the stream's
  // next event id: every save() is refused, even of a row just read.
  check('another transaction sets a grace of 1 day again', await otherChange(), null);
  const versioned = await m.findOneByOrFail(VersionedStream, { id: row.id });
  versioned.metadata = { plan: 'versioned' };
  check('trap: a @VersionColumn save() of a fresh row is refused (40001)',
    await refused(() => m.save(VersionedStream, versioned)), '40001');

  // What works: an update that carries the version it read, and returns the new row.
  await reload(carol);
  const updated = await m.createQueryBuilder().update(Stream)
    .set({ metadata: { plan: 'checked' }, version: carol.version })
    .where('id = :id', { id: carol.id }).returning('*').execute();
  check("update().set({ ..., version }).returning('*'): applied, a new version, the grace kept",
    [updated.affected, updated.raw[0].metadata, BigInt(updated.raw[0].version) > BigInt(carol.version),
      updated.raw[0].void_after.toPostgres()],
    [1, { plan: 'checked' }, true, '1 days']);
  check('... the same update with the version now stale is refused (40001)',
    await refused(() => m.createQueryBuilder().update(Stream)
      .set({ metadata: { plan: 'late' }, version: carol.version })
      .where('id = :id', { id: carol.id }).execute()), '40001');

  const events = await m.find(Event, { where: { stream_id: row.id }, order: { id: 'ASC' } });
  check("the third stream's events", events.map((e) => e.op), [
    'create', 'deposit', 'pause', 'set_void_after', 'set_metadata', 'set_void_after', 'set_void_after',
    'set_metadata',
  ]);
}

async function main() {
  console.log(`# plan ${PLAN}`);
  let qr = null;
  try {
    await dataSource.initialize();
    qr = dataSource.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    await story(qr);
  } catch (err) { // an unexpected error ends the story: report it as a failure
    failed++;
    console.log(`not ok - the story stopped: ${err.message}\n# ${String(err.stack).replace(/\n/g, '\n# ')}`);
  } finally {
    if (qr) {
      if (qr.isTransactionActive) await qr.rollbackTransaction(); // nothing of the story stays
      await qr.release();
    }
    if (dataSource.isInitialized) await dataSource.destroy();
  }
  process.exitCode = failed ? 1 : 0;
}

main();
