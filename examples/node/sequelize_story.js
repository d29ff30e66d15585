// flowstream from Node.js through Sequelize (an ORM, with the `pg` driver).
//
// A model of the view flowstream.streams_now: creating an instance creates a
// stream, saving a new rate adjusts, pauses (rate 0) or restarts it, and
// reloading it reads the debts at flowstream.now(). Money moves with the API
// functions, called in the same transaction. An application role (a member of
// flowstream_app) acts for its users by setting flowstream.actor. A save that
// carries the version it read is refused (40001) when the stream changed since;
// Sequelize's own `version: true` is refused always (it increments version).
//
// Run as the superuser postgres (the test clock needs it), with the libpq
// environment: PGHOST, PGPORT, PGUSER=postgres, PGDATABASE (default flowstream):
//
//     cd examples/node && npm ci && node sequelize_story.js
//
// Everything runs in one transaction that is rolled back at the end: a rerun
// starts clean. Prints "# plan N", then one TAP line ("ok - ..." / "not ok - ...")
// per check; exits 1 if any failed. Numbers come back from pg as strings, exactly as
// PostgreSQL prints them ('86.400000'): they are compared as strings, never
// as floats.
'use strict';
const { Sequelize, DataTypes, Model, QueryTypes } = require('sequelize');

const sequelize = new Sequelize({
  dialect: 'postgres',
  host: process.env.PGHOST, // a socket directory works too
  port: process.env.PGPORT,
  username: process.env.PGUSER || 'postgres',
  password: process.env.PGPASSWORD,
  database: process.env.PGDATABASE || 'flowstream',
  logging: false,
});

// One row of flowstream.streams_now: a stream and its debts at flowstream.now().
class Stream extends Model {}
const streamAttributes = {
  id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true }, // a view has no key: say which
  sender: DataTypes.TEXT,             // fixed at creation
  recipient: DataTypes.TEXT,          // saving a new one transfers the stream
  token: DataTypes.TEXT,              // fixed at creation
  rate_per_second: DataTypes.DECIMAL, // saving adjusts; 0 pauses; > 0 on a paused stream restarts
  balance: DataTypes.DECIMAL,         // create: a first deposit; saving refused (deposit/withdraw/refund)
  snapshot_time: DataTypes.DATE,      // create: the start (default now); then read only
  snapshot_debt: DataTypes.DECIMAL,   // read only, as are all down to depletion_time
  total_debt: DataTypes.DECIMAL,
  covered_debt: DataTypes.DECIMAL,
  uncovered_debt: DataTypes.DECIMAL,
  withdrawable: DataTypes.DECIMAL,
  refundable: DataTypes.DECIMAL,
  status: DataTypes.TEXT,
  depletion_time: DataTypes.DATE,
  voided: DataTypes.BOOLEAN,          // saving true voids
  transferable: DataTypes.BOOLEAN,    // create only (default true)
  void_after: {                       // the sweeper's grace, an interval: '2 days'
    type: DataTypes.STRING,           // (pg reads an interval as an object: give it back as text)
    get() { const v = this.getDataValue('void_after'); return v && typeof v === 'object' ? v.toPostgres() : v; },
  },
  metadata: DataTypes.JSONB,
  created_at: DataTypes.DATE,
  version: DataTypes.BIGINT,          // the id of the stream's last event; saving the one read checks it (40001)
};
Stream.init(streamAttributes, { sequelize, schema: 'flowstream', tableName: 'streams_now', timestamps: false });

// The same view with Sequelize's own optimistic locking (version: true), for the trap below:
// Sequelize then writes version = version + 1 itself, which the view refuses.
class VersionedStream extends Model {}
VersionedStream.init(streamAttributes, {
  sequelize, schema: 'flowstream', tableName: 'streams_now', timestamps: false, version: true,
});

// flowstream.events: the append-only history, one row per operation (read only).
class Event extends Model {}
Event.init({
  id: { type: DataTypes.BIGINT, primaryKey: true },
  stream_id: DataTypes.BIGINT,
  op: DataTypes.TEXT,
  actor: DataTypes.TEXT,
  amount: DataTypes.DECIMAL,
  destination: DataTypes.TEXT,
  at: DataTypes.DATE,
}, { sequelize, schema: 'flowstream', tableName: 'events', timestamps: false });

const PLAN = 35;               // the checks below, counted: test/clients/run.sh expects exactly this many
const APP_ROLE = 'orm_js_app'; // the application's role: a member of flowstream_app
const TOKEN = 'ORMJS';         // a token with 6 decimals
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

const iso = (date) => (date === null ? null : date.toISOString());

async function story(t) {
  // A statement in the transaction, with $1, $2... bound to args (without args, no binding: $$ stays $$)
  const sql = (text, args) => sequelize.query(text, { bind: args, transaction: t, type: QueryTypes.SELECT });

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
  // Saves a change in a savepoint; returns the SQLSTATE it failed with (null if it did not).
  async function refused(stream, change) {
    const savepoint = await sequelize.transaction({ transaction: t });
    try {
      Object.assign(stream, change);
      await stream.save({ transaction: savepoint });
      await savepoint.commit();
      return null;
    } catch (err) {
      await savepoint.rollback();
      return err.original ? err.original.code : String(err);
    } finally {
      await stream.reload({ transaction: t }); // forget the refused change
    }
  }
  // An API function, in the transaction; its single value.
  const call = async (text, ...args) => Object.values((await sql(text, args))[0])[0];

  // Set-up, as the superuser; all of it is rolled back at the end.
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
  const stream = await Stream.create({ // INSERT ... RETURNING: the trigger calls flowstream.create_stream()
    sender: 'user:alice', recipient: 'user:bob', token: TOKEN,
    rate_per_second: '0.001', balance: '100', metadata: { plan: 'pro' },
  }, { transaction: t });
  check('create() through the ORM gives an id', /^[0-9]+$/.test(String(stream.id)), true);
  check('the new stream streams, solvent', stream.status, 'streaming_solvent');
  check('balance 100, no debt yet, 100 refundable',
    [stream.balance, stream.total_debt, stream.refundable], ['100.000000', '0.000000', '100.000000']);
  // 100 / 0.001 = 100000 s = 1 day 3 h 46 min 40 s; one more base unit (0.000001) takes 0.001 s
  check('depletion time', iso(stream.depletion_time), '2026-01-02T03:46:40.001Z');
  check('created at the test clock\'s time', iso(stream.created_at), '2026-01-01T00:00:00.000Z');

  // One day later: 86400 s x 0.001 = 86.4 owed, all covered by the 100; 13.6 refundable.
  await setClock('2026-01-02 00:00:00+00');
  await stream.reload({ transaction: t });
  check('after a day: total, covered, uncovered debt',
    [stream.total_debt, stream.covered_debt, stream.uncovered_debt], ['86.400000', '86.400000', '0.000000']);
  check('after a day: withdrawable, refundable', [stream.withdrawable, stream.refundable], ['86.400000', '13.600000']);

  // Alice doubles the rate through the ORM: an adjust_rate, with a snapshot of the 86.4 owed.
  stream.rate_per_second = '0.002';
  await stream.save({ transaction: t, returning: true }); // UPDATE ... RETURNING: the new snapshot and status
  check('rate changed to 0.002', stream.rate_per_second, '0.002');
  check('snapshot_debt 86.4 at 2026-01-02 00:00', [stream.snapshot_debt, iso(stream.snapshot_time)],
    ['86.400000', '2026-01-02T00:00:00.000Z']);

  // Six hours later: 86.4 + 21600 s x 0.002 = 86.4 + 43.2 = 129.6 owed; the balance covers 100 of it.
  await setClock('2026-01-02 06:00:00+00');
  await stream.reload({ transaction: t });
  check('after 6 h at 0.002: total 129.6, covered 100, uncovered 29.6',
    [stream.total_debt, stream.covered_debt, stream.uncovered_debt], ['129.600000', '100.000000', '29.600000']);
  check('the stream is insolvent', stream.status, 'streaming_insolvent');

  // Rate 0 pauses: the 129.6 stays owed, nothing more accrues.
  stream.rate_per_second = '0';
  await stream.save({ transaction: t, returning: true });
  check('rate 0 pauses (insolvent)', stream.status, 'paused_insolvent');
  check('pause snapshot: 129.6 at 2026-01-02 06:00', [stream.snapshot_debt, iso(stream.snapshot_time)],
    ['129.600000', '2026-01-02T06:00:00.000Z']);
  await setClock('2026-01-03 06:00:00+00');
  await stream.reload({ transaction: t });
  check('a paused day later, still 129.6 owed', stream.total_debt, '129.600000');

  // Alice deposits 200 (anyone may): balance 300, so the 129.6 is covered; 300 - 129.6 = 170.4 refundable.
  await sql('SELECT flowstream.deposit($1, $2)', [stream.id, '200']);
  await stream.reload({ transaction: t });
  check('deposit 200: balance 300', stream.balance, '300.000000');
  check('paused, now solvent', stream.status, 'paused_solvent');
  check('covered 129.6, refundable 170.4', [stream.covered_debt, stream.refundable], ['129.600000', '170.400000']);

  // A rate on a paused stream restarts it.
  stream.rate_per_second = '0.001';
  await stream.save({ transaction: t, returning: true });
  check('a rate restarts the paused stream', stream.status, 'streaming_solvent');
  check('restart snapshot: 129.6 at 2026-01-03 06:00', [stream.snapshot_debt, iso(stream.snapshot_time)],
    ['129.600000', '2026-01-03T06:00:00.000Z']);

  // A day later: 129.6 + 86400 s x 0.001 = 216 owed; 300 - 216 = 84 refundable.
  await setClock('2026-01-04 06:00:00+00');
  await stream.reload({ transaction: t });
  check('a day after restart: total 216, withdrawable 216, refundable 84',
    [stream.total_debt, stream.withdrawable, stream.refundable], ['216.000000', '216.000000', '84.000000']);

  // Bob, the recipient, may not change the rate: 42501, and nothing changed.
  await actFor('user:bob');
  check('the recipient changing the rate is refused (42501)',
    await refused(stream, { rate_per_second: '1' }), '42501');
  check('... and the rate is still 0.001', stream.rate_per_second, '0.001');

  // Bob withdraws 200, then the rest: 216 - 200 = 16. Balance 300 - 216 = 84.
  check('the recipient withdraws 200', await call('SELECT flowstream.withdraw($1, $2)', stream.id, '200'), '200.000000');
  check('withdraw_max gives the remaining 16', await call('SELECT flowstream.withdraw_max($1)', stream.id), '16.000000');
  await stream.reload({ transaction: t });
  check('balance 84, nothing owed', [stream.balance, stream.total_debt], ['84.000000', '0.000000']);

  // The balance is derived: an ORM update of it is refused (0A000), as is any derived column.
  await actFor('user:alice');
  check('updating balance through the ORM is refused (0A000)', await refused(stream, { balance: '1000' }), '0A000');
  check('updating total_debt through the ORM is refused (0A000)', await refused(stream, { total_debt: '1' }), '0A000');

  // Alice takes 50 of the unstreamed balance back: 84 - 50 = 34.
  await sql('SELECT flowstream.refund($1, $2)', [stream.id, '50']);
  await stream.reload({ transaction: t });
  check('refund 50: balance 34, refundable 34', [stream.balance, stream.refundable], ['34.000000', '34.000000']);

  // Alice gives the sweeper a grace: the stream is voided after 2 days insolvent.
  stream.void_after = '2 days';
  await stream.save({ transaction: t, returning: true });
  check('void_after set through the ORM: 2 days', stream.void_after, '2 days');

  // The history: one event per operation, with the user who acted.
  const events = await Event.findAll({ where: { stream_id: stream.id }, order: [['id', 'ASC']], transaction: t });
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

  // Optimistic locking, on a second stream that Alice streams to Carol and pauses.
  const other = await Stream.create({
    sender: 'user:alice', recipient: 'user:carol', token: TOKEN, rate_per_second: '0.001', balance: '10',
  }, { transaction: t });
  other.rate_per_second = '0';
  await other.save({ transaction: t, returning: true });
  const stale = await Stream.findByPk(other.id, { transaction: t });
  // Another transaction sets a grace meanwhile (a savepoint stands for it here: the stream
  // exists only in this uncommitted transaction); `stale` is now stale.
  await sql('SAVEPOINT other');
  await sql('SELECT flowstream.set_void_after($1, $2)', [other.id, '1 day']);
  await sql('RELEASE SAVEPOINT other');
  // save() writes only the changed fields: mark version changed, so the one read is written too.
  stale.changed('version', true);
  check('a stale save() that carries its version is refused (40001)',
    await refused(stale, { metadata: { plan: 'stale' } }), '40001');
  await other.reload({ transaction: t });
  check("... and the other transaction's change survives", [other.status, other.void_after, other.metadata],
    ['paused_solvent', '1 days', {}]); // pg's spelling of 1 day
  // Sequelize's version: true increments version itself: refused even on a row just read.
  const versioned = await VersionedStream.findByPk(other.id, { transaction: t });
  check('trap: with version: true, saving a row just read is refused (40001)',
    await refused(versioned, { metadata: { plan: 'versioned' } }), '40001');
  // A fresh row, its version carried: applied; returning gives the new version.
  const before = other.version;
  other.metadata = { plan: 'checked' };
  other.changed('version', true);
  await other.save({ transaction: t, returning: true });
  check('a fresh save() that carries its version works; returning gives the new version',
    [other.metadata, BigInt(other.version) > BigInt(before), other.void_after], [{ plan: 'checked' }, true, '1 days']);

  await sql('RESET ROLE');
  check('verify() finds no broken invariant', await call('SELECT count(*) FROM flowstream.verify()'), '0');
}

async function main() {
  console.log(`# plan ${PLAN}`);
  let t = null;
  try {
    t = await sequelize.transaction();
    await story(t);
  } catch (err) { // an unexpected error ends the story: report it as a failure
    failed++;
    console.log(`not ok - the story stopped: ${err.message}\n# ${String(err.stack).replace(/\n/g, '\n# ')}`);
  } finally {
    if (t) await t.rollback(); // nothing of the story stays
    await sequelize.close();
  }
  process.exitCode = failed ? 1 : 0;
}

main();
