-- flowstream, accounts and flows: as acme_app, an application acting for
-- its users (flowstream.actor, set in the transaction that acts), either
-- update_flow of a random flow among the first :nflows (flow k is user:k's,
-- 0.0005 to 0.002 USDF/s out of 200,000 USDF: never short), or open_flow
-- then close_flow of the client's own pair (cyc-<client> to
-- payee-cyc-<client>): a third of the calls each.  Every call writes its
-- flow's row, its two accounts' rows and an event; every call must succeed
-- (an error aborts the client, and run.sh fails the run); a new rate is
-- drawn from 1.5 x 10^9 values, so it equals the current one with a
-- probability below 10^-9.
\set op random(1, 2)
\set r random(500000000, 2000000000)
\if :op = 1
\set k random(1, :nflows)
SELECT flowstream.update_flow(:k, :r * 0.000000000001)
FROM (SELECT set_config('flowstream.actor', 'user:' || CAST(:k AS bigint), true)) a;
\else
SELECT flowstream.open_flow(set_config('flowstream.actor', 'cyc-' || CAST(:client_id AS int), true),
                            'payee-cyc-' || CAST(:client_id AS int), 'USDF', :r * 0.000000000001) AS fid \gset
SELECT flowstream.close_flow(:fid)
FROM (SELECT set_config('flowstream.actor', 'cyc-' || CAST(:client_id AS int), true)) a;
\endif
