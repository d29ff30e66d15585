-- flowstream, one hot stream: every client deposits into stream :hot.
\set amount random(1, 1000)
SELECT flowstream.deposit(:hot, :amount);
