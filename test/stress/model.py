"""
model.py -- an independent model of flowstream's SPEC §1, §4 and §5, for the
differential stress test (driver.py).

It shares no code with the C: it is written from SPEC.md alone, in pure
Python with exact rationals (fractions.Fraction) for every amount, so that
"kept exact" means what it says.  Units:

  * amounts, debts, rates in *tokens* (Fraction); balances and amounts the
    API moves are also kept as integers in base units (10^-decimals tokens);
  * times are integers: microseconds since 1970-01-01 00:00:00 UTC.

The model answers, for each operation of the managed API, either the
SQLSTATE the API must raise (ranked as SPEC §5 says) or the value it must
return, and it exposes the views of a stream (debts, status, depletion time)
at any time, for comparison with flowstream.streams_now.
"""
import collections
from decimal import Decimal, InvalidOperation
from fractions import Fraction

MAX_UNITS = 2 ** 127 - 1            # balances, amounts and rates (in 10^-18 tokens/s)
US = 10 ** 6                        # microseconds per second
RATE_SCALE = 18                     # fractional digits of a rate


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


# timestamptz ends before 294277-01-01 00:00:00 UTC: the last microsecond it holds
TIME_MAX = days_from_civil(294277, 1, 1) * 86400 * US - 1


# and the first time a stream may use: 0001-01-01 00:00:00 UTC (SPEC §2: times are
# finite; the C refuses earlier ones, and the driver never uses them)
TIME_MIN = days_from_civil(1, 1, 1) * 86400 * US


def format_time(us):
    """A time in microseconds as a timestamptz literal in UTC."""
    days, rest = divmod(us, 86400 * US)
    y, m, d = civil_from_days(days)
    secs, micro = divmod(rest, US)
    hh, rem = divmod(secs, 3600)
    mm, ss = divmod(rem, 60)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d+00" % (y, m, d, hh, mm, ss, micro)


def read_time(text):
    """a timestamptz as PostgreSQL prints it with DateStyle ISO and TimeZone UTC"""
    if text is None or text in ("infinity", "-infinity"):
        return text
    date, clock = text.split(" ")
    assert clock.endswith("+00"), text
    y, mo, d = date.rsplit("-", 2)
    hms = clock[:-3]
    frac = 0
    if "." in hms:
        hms, f = hms.split(".")
        frac = int(f.ljust(6, "0"))
    hh, mi, ss = (int(x) for x in hms.split(":"))
    return parse_time(int(y), int(mo), int(d), hh, mi, ss, frac)


def parse_time(y, mo=1, d=1, hh=0, mi=0, ss=0, us=0):
    return ((days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss) * US) + us


def format_units(units, decimals):
    """base units as a numeric with exactly `decimals` fractional digits"""
    sign = "-" if units < 0 else ""
    units = abs(units)
    if decimals == 0:
        return sign + str(units)
    q, r = divmod(units, 10 ** decimals)
    return "%s%d.%0*d" % (sign, q, decimals, r)


def format_fraction(x, digits):
    """an exact decimal of x (whose denominator divides 10^digits), no trailing zeros"""
    n = x * 10 ** digits
    assert n.denominator == 1, x
    s = format_units(int(n), digits)
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


class Err(Exception):
    """An operation refused with a SQLSTATE."""

    def __init__(self, sqlstate, why):
        super().__init__(sqlstate, why)
        self.sqlstate = sqlstate
        self.why = why


def parse_amount(literal, scale, what="amount"):
    """
    A numeric argument (None is SQL NULL) in units of 10^-scale: the SPEC
    allows at most `scale` fractional digits (trailing zeros are fine), and
    no more than 2^127 - 1 units.  Zero and negative values are returned as
    such: whether they are allowed is the operation's business.
    """
    if literal is None:
        raise Err("22004", "%s is null" % what)
    try:
        d = Decimal(literal)
    except InvalidOperation:
        raise Err("22023", "%s is not a number" % what)
    if not d.is_finite():
        raise Err("22023", "%s is not finite" % what)
    x = Fraction(d) * 10 ** scale
    if x.denominator != 1:
        raise Err("22023", "%s has more than %d fractional digits" % (what, scale))
    units = int(x)
    if units <= 0:
        raise Err("22023", "%s must be positive" % what)
    if units > MAX_UNITS:
        raise Err("22003", "%s is out of range" % what)
    return units


class Stream:
    """One stream of the managed layer, as SPEC §1 describes its state."""

    def __init__(self, key, sender, recipient, decimals, rps, st, created, transferable,
                 void_after):
        self.key = key
        self.sender = sender
        self.recipient = recipient
        self.decimals = decimals
        self.rps = rps                  # tokens per second (Fraction)
        self.balance = 0                # base units
        self.sd = Fraction(0)           # snapshot debt in tokens, exact
        self.st = st                    # snapshot time (the start while pending)
        self.last = created             # the last operation that changed the state
        self.last_event = created       # the last operation of any kind (transfers too)
        self.voided = False
        self.transferable = transferable
        self.void_after = void_after    # seconds (Fraction) or None
        self.events = 1                 # the create event

    # ---- views at time t (SPEC §1) ----
    def unit(self):
        """one base unit in tokens"""
        return Fraction(1, 10 ** self.decimals)

    def ongoing(self, t):
        if t > self.st:
            return self.rps * (t - self.st) / US
        return Fraction(0)

    def total_debt(self, t):
        """in base units: the only rounding point, floor"""
        x = (self.sd + self.ongoing(t)) * 10 ** self.decimals
        return x.numerator // x.denominator

    def covered(self, t):
        return min(self.balance, self.total_debt(t))

    def uncovered(self, t):
        return max(self.total_debt(t) - self.balance, 0)

    def refundable(self, t):
        return self.balance - self.covered(t)

    def status(self, t):
        if self.st > t:
            return "pending"
        if self.voided:
            return "voided"
        insolvent = self.uncovered(t) > 0
        if self.rps == 0:
            return "paused_insolvent" if insolvent else "paused_solvent"
        return "streaming_insolvent" if insolvent else "streaming_solvent"

    def depletion_time(self):
        """None (rate 0), 'infinity' or microseconds"""
        if self.rps == 0:
            return None
        target = Fraction(self.balance + 1, 10 ** self.decimals)   # tokens
        need = target - self.sd
        if need <= 0:
            return self.st
        x = need * US / self.rps                                    # microseconds
        delta = -((-x.numerator) // x.denominator)                  # ceil
        if self.st + delta > TIME_MAX:
            return "infinity"
        return self.st + delta

    def view(self, t):
        """what flowstream.streams_now shows at t"""
        return {
            "rate_per_second": self.rps,
            "balance": Fraction(self.balance, 10 ** self.decimals),
            "snapshot_debt": self.sd,
            "snapshot_time": self.st,
            "total_debt": Fraction(self.total_debt(t), 10 ** self.decimals),
            "covered_debt": Fraction(self.covered(t), 10 ** self.decimals),
            "uncovered_debt": Fraction(self.uncovered(t), 10 ** self.decimals),
            "withdrawable": Fraction(self.covered(t), 10 ** self.decimals),
            "refundable": Fraction(self.refundable(t), 10 ** self.decimals),
            "status": self.status(t),
            "depletion_time": self.depletion_time(),
            "voided": self.voided,
            "recipient": self.recipient,
            "transferable": self.transferable,
            "void_after": self.void_after,
            "events": self.events,
        }

    # ---- transitions (they assume every check passed) ----
    def snapshot(self, t):
        self.sd += self.ongoing(t)
        if self.st < t:
            self.st = t


class Result:
    """What an operation must give: sqlstate None and a value, or a sqlstate."""

    def __init__(self, sqlstate=None, value=None, why=None, event=None):
        self.sqlstate = sqlstate
        self.value = value      # text of the returned value ('' for void), or a stream key
        self.why = why
        self.event = event      # the last event expected after a success: dict

    def __repr__(self):
        if self.sqlstate:
            return "error %s (%s)" % (self.sqlstate, self.why)
        return "ok %r" % (self.value,)


class Model:
    """
    The managed layer: streams by key, tokens by name, who may act.

    app_members: the roles that are members of flowstream_app (they may act
    through flowstream.actor).
    """

    def __init__(self, tokens, app_members, default_void_after=None):
        self.tokens = dict(tokens)                  # name -> decimals
        self.app_members = set(app_members)
        self.default_void_after = default_void_after
        self.streams = {}
        self.next_key = 1

    @staticmethod
    def actor_of(role, actor_setting, app_members):
        """(actor, spoofed): SPEC §4"""
        if actor_setting:
            if role in app_members:
                return actor_setting, False
            return role, True
        return role, False

    def run(self, op):
        """Applies op (a dict, see driver.Op) and returns a Result; the state changes only on success."""
        try:
            return getattr(self, "op_" + op["name"])(op)
        except Err as e:
            return Result(e.sqlstate, why=e.why)

    # ---- helpers of every operation on an existing stream ----
    def _begin(self, op):
        """SF001 and SF010: the stream, the actor and the time"""
        if op.get("id_null"):
            raise Err("22004", "stream id is null")
        s = self.streams.get(op["key"])
        if s is None:
            raise Err("SF001", "stream not found")
        t = op["t"]
        if t < s.last_event:
            raise Err("SF010", "time before the stream's last operation")
        actor, spoofed = self.actor_of(op["role"], op.get("actor"), self.app_members)
        return s, t, actor, spoofed

    @staticmethod
    def _authorize(spoofed, allowed, what):
        if spoofed:
            raise Err("42501", "flowstream.actor set by a non-member")
        if not allowed:
            raise Err("42501", "the actor may not " + what)

    @staticmethod
    def _event(s, name, actor, t, amount=None, destination=None):
        s.events += 1
        s.last_event = t
        return {"op": name, "actor": actor, "amount": amount, "destination": destination, "at": t}

    # ---- the API ----
    def op_create(self, op):
        actor, spoofed = self.actor_of(op["role"], op.get("actor"), self.app_members)
        sender = op["sender"]
        if sender is None:
            raise Err("22004", "sender is null")
        # no stream yet, so no status errors: first who may act, the sender
        self._authorize(spoofed, actor == sender, "create a stream for another sender")
        recipient = op["recipient"]
        for name in ("recipient", "token", "rate", "start", "deposit", "transferable"):
            if op.get(name) is None and not (name == "deposit" and op.get("deposit_default")) \
                    and not (name == "start" and op.get("start_default")):
                raise Err("22004", name + " is null")
        if sender == "" or recipient == "":
            raise Err("22023", "empty sender or recipient")
        if op["token"] not in self.tokens:
            raise Err("22023", "unknown token")
        decimals = self.tokens[op["token"]]
        t = op["t"]
        start = t if op.get("start_default") else op["start"]
        rate = op["rate"]
        # rate: 0 is allowed (paused from the start) when the start is not in the future
        try:
            rate_units = parse_amount(rate, RATE_SCALE, "rate")
        except Err as e:
            if e.sqlstate == "22023" and "positive" in e.why and Fraction(Decimal(rate)) == 0:
                rate_units = 0
            else:
                raise
        if rate_units == 0 and start > t:
            raise Err("22023", "a future start needs a positive rate")
        deposit = 0
        if not op.get("deposit_default"):
            try:
                deposit = parse_amount(op["deposit"], decimals, "deposit")
            except Err as e:
                if not (e.sqlstate == "22023" and "positive" in e.why
                        and Fraction(Decimal(op["deposit"])) == 0):
                    raise
        key = self.next_key
        self.next_key += 1
        s = Stream(key, sender, recipient, decimals, Fraction(rate_units, 10 ** RATE_SCALE), start,
                   t, op["transferable"], self.default_void_after)
        self.streams[key] = s
        event = {"op": "create", "actor": actor, "amount": None, "destination": None, "at": t}
        if deposit > 0:
            s.balance = deposit
            s.events += 1
            event = {"op": "deposit", "actor": actor, "amount": Fraction(deposit, 10 ** decimals),
                     "destination": None, "at": t}
        return Result(value=key, event=event)

    def op_deposit(self, op):
        s, t, actor, spoofed = self._begin(op)
        if s.voided:
            raise Err("SF002", "voided")
        self._authorize(spoofed, True, "deposit")
        a = parse_amount(op["amount"], s.decimals)
        if s.balance + a > MAX_UNITS:
            raise Err("22003", "balance out of range")
        s.balance += a
        s.last = t
        return Result(value="", event=self._event(s, "deposit", actor, t, Fraction(a, 10 ** s.decimals)))

    def _withdraw(self, op, s, t, actor, a):
        to = op.get("to")
        if to is None:
            to = s.recipient
        # a pending stream has nothing accrued: SF006, not a status error
        covered = s.covered(t)
        if a > covered:
            raise Err("SF006", "more than withdrawable")
        paid = Fraction(a, 10 ** s.decimals)
        if paid <= s.sd:
            s.sd -= paid
        else:
            s.sd = s.sd + s.ongoing(t) - paid
            s.st = t
        s.balance -= a
        s.last = t
        return Result(value=format_units(a, s.decimals),
                      event=self._event(s, "withdraw", actor, t, paid, to))

    def _withdraw_auth(self, op, s, actor, spoofed):
        to = op.get("to")
        dest = s.recipient if to is None else to
        self._authorize(spoofed, dest == s.recipient or actor == s.recipient,
                        "withdraw to another destination")
        if dest == "":
            raise Err("22023", "empty destination")

    def op_withdraw(self, op):
        s, t, actor, spoofed = self._begin(op)
        self._withdraw_auth(op, s, actor, spoofed)
        a = parse_amount(op["amount"], s.decimals)
        return self._withdraw(op, s, t, actor, a)

    def op_withdraw_max(self, op):
        s, t, actor, spoofed = self._begin(op)
        self._withdraw_auth(op, s, actor, spoofed)
        a = s.covered(t)
        if a == 0:
            raise Err("22023", "nothing to withdraw")
        return self._withdraw(op, s, t, actor, a)

    def _refund(self, s, t, actor, a):
        if a > s.refundable(t):
            raise Err("SF007", "more than refundable")
        s.balance -= a
        s.last = t
        return Fraction(a, 10 ** s.decimals), self._event(s, "refund", actor, t,
                                                          Fraction(a, 10 ** s.decimals), s.sender)

    def op_refund(self, op):
        s, t, actor, spoofed = self._begin(op)
        self._authorize(spoofed, actor == s.sender, "refund")
        a = parse_amount(op["amount"], s.decimals)
        _, event = self._refund(s, t, actor, a)
        return Result(value="", event=event)

    def op_refund_max(self, op):
        s, t, actor, spoofed = self._begin(op)
        self._authorize(spoofed, actor == s.sender, "refund")
        a = s.refundable(t)
        if a == 0:
            raise Err("22023", "nothing to refund")
        _, event = self._refund(s, t, actor, a)
        return Result(value=format_units(a, s.decimals), event=event)

    def op_pause(self, op):
        s, t, actor, spoofed = self._begin(op)
        status = s.status(t)
        if status == "pending":
            raise Err("SF005", "pending")
        if status == "voided" or s.rps == 0:
            raise Err("SF003", "paused or voided")
        self._authorize(spoofed, actor == s.sender, "pause")
        s.snapshot(t)
        s.rps = Fraction(0)
        s.last = t
        return Result(value="", event=self._event(s, "pause", actor, t))

    def op_restart(self, op):
        s, t, actor, spoofed = self._begin(op)
        status = s.status(t)
        if status == "pending":
            raise Err("SF004", "pending is not paused")
        if status == "voided":
            raise Err("SF002", "voided")
        if s.rps != 0:
            raise Err("SF004", "not paused")
        self._authorize(spoofed, actor == s.sender, "restart")
        r = Fraction(parse_amount(op["rate"], RATE_SCALE, "rate"), 10 ** RATE_SCALE)
        # the paused interval is never charged
        s.st = max(s.st, t)
        s.rps = r
        s.last = t
        return Result(value="", event=self._event(s, "restart", actor, t, r))

    def op_adjust_rate(self, op):
        s, t, actor, spoofed = self._begin(op)
        status = s.status(t)
        if status != "pending" and (status == "voided" or s.rps == 0):
            raise Err("SF003", "paused or voided")
        self._authorize(spoofed, actor == s.sender, "adjust the rate")
        r = Fraction(parse_amount(op["rate"], RATE_SCALE, "rate"), 10 ** RATE_SCALE)
        if r == s.rps:
            raise Err("SF008", "same rate")
        if status != "pending":
            s.snapshot(t)
        s.rps = r
        s.last = t
        return Result(value="", event=self._event(s, "adjust_rate", actor, t, r))

    def op_void(self, op):
        s, t, actor, spoofed = self._begin(op)
        if s.voided:
            raise Err("SF002", "voided")
        self._authorize(spoofed, actor in (s.sender, s.recipient), "void")
        written_off = s.uncovered(t)
        if written_off == 0:
            s.sd += s.ongoing(t)
        else:
            s.sd = Fraction(s.balance, 10 ** s.decimals)
        s.st = t                    # for a pending stream too: it ends before it began
        s.rps = Fraction(0)
        s.voided = True
        s.last = t
        amount = Fraction(written_off, 10 ** s.decimals)
        return Result(value=format_units(written_off, s.decimals),
                      event=self._event(s, "void", actor, t, amount))

    def op_transfer(self, op):
        s, t, actor, spoofed = self._begin(op)
        if not s.transferable:
            raise Err("SF011", "not transferable")
        self._authorize(spoofed, actor == s.recipient, "transfer")
        new = op["new_recipient"]
        if new is None:
            raise Err("22004", "new recipient is null")
        if new == "" or new == s.recipient:
            raise Err("22023", "new recipient must be another, non-empty name")
        s.recipient = new
        return Result(value="", event=self._event(s, "transfer", actor, t, None, new))

    def op_set_void_after(self, op):
        s, t, actor, spoofed = self._begin(op)
        if s.voided:
            raise Err("SF002", "voided")
        self._authorize(spoofed, actor == s.sender, "set the grace")
        grace = op["void_after"]        # seconds (Fraction) or None
        if grace is not None and grace < 0:
            raise Err("22023", "negative grace")
        # a call that succeeds is an operation with its event, even when the grace is
        # the same (SPEC §3: one event per operation)
        s.void_after = grace
        return Result(value="", event=self._event(s, "set_void_after", actor, t))


# =====================================================================
# Accounts and flows (SPEC §6), written from the SPEC alone.
#
# Units (exact Python integers):
#   * an account's balance in 10^-24 tokens ("exact"), signed;
#   * a netflow or a rate in 10^-18 tokens per second, which is also
#     10^-24 tokens per microsecond, so that
#         balance(t) = static + netflow * (t - settled_at)   [10^-24 tokens]
#     with t in microseconds;
#   * amounts and buffers in base units (10^-decimals tokens).
# The balance is shown floored to base units (toward minus infinity);
# available = floored balance - buffer.  Nothing here is ported from the
# C: the critical and insolvency times are found by searching time for the
# first microsecond at which the shown value goes below zero, not by a
# closed formula.
# =====================================================================

EXACT_SCALE = 24                    # an account's balance: 10^-24 tokens
SWEEPER = "flowstream_sweeper"      # the actor of the liquidation's events


def ceil_fraction(x):
    return -((-x.numerator) // x.denominator)


class Policy:
    """A token's buffer settings (SPEC §6): buffer_period, min_buffer, the liquidation reward."""

    def __init__(self, period_us, min_buffer, reward, valid=True):
        self.period_us = period_us      # microseconds
        self.min_buffer = min_buffer    # base units
        self.reward = reward            # a party, or None: the unburnt buffer stays
        self.valid = valid              # a negative period or a min_buffer that is no amount: 22023

    def flow_buffer(self, rate, decimals):
        """max(min_buffer, ceil(rate x buffer_period)) in base units; rate in 10^-18 tokens/s"""
        tokens = Fraction(rate, 10 ** RATE_SCALE) * Fraction(self.period_us, US)
        return max(self.min_buffer, ceil_fraction(tokens * 10 ** decimals))


class Account:
    """A party's balance of one token."""

    def __init__(self, party, token, decimals):
        self.party = party
        self.token = token
        self.decimals = decimals
        self.unit = 10 ** (EXACT_SCALE - decimals)     # 10^-24 tokens per base unit
        self.static = 0             # 10^-24 tokens at settled
        self.netflow = 0            # 10^-24 tokens per microsecond (= 10^-18 tokens/s)
        self.settled = None
        self.last = None            # None: nobody has used it
        self.buffer = 0             # base units locked by its open outgoing flows
        self.outflows = 0           # its open outgoing flows
        self.events = 0             # events that name it
        self.history = []           # (t, static, netflow, settled, buffer) after each operation

    @property
    def used(self):
        return self.last is not None

    def exact(self, t):
        if not self.used:
            return 0
        assert t >= self.settled, (t, self.settled)
        return self.static + self.netflow * (t - self.settled)

    def balance(self, t):
        return self.exact(t) // self.unit

    def available(self, t):
        return self.balance(t) - self.buffer

    def status(self, t):
        if self.balance(t) < 0:
            return "deficit"
        if self.available(t) < 0:
            return "critical"
        return "healthy"

    def settle(self, t):
        """the balance stays what it is at t; the line starts again from t"""
        self.static = self.exact(t)
        self.settled = t
        self.last = t

    def record(self, t):
        self.events += 1
        self.history.append((t, self.static, self.netflow, self.settled, self.buffer))

    def first_below(self, lock):
        """
        The first microsecond (from the last operation on: the state says
        nothing of earlier times) at which floor(balance) - lock < 0:
        None if never, 'infinity' beyond timestamptz.  By search, so as not
        to share a formula with the C.
        """
        if not self.used:
            return None

        def below(t):
            return self.exact(t) // self.unit - lock < 0

        lo = self.settled
        if below(lo):
            return lo
        if self.netflow >= 0:
            return None
        if not below(TIME_MAX):
            return "infinity"
        hi = TIME_MAX                   # below(hi), not below(lo)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if below(mid):
                hi = mid
            else:
                lo = mid
        return hi

    def critical_time(self):
        return self.first_below(self.buffer)

    def insolvency_time(self):
        return self.first_below(0)

    def state_at(self, at):
        """(exact balance, buffer) at a past time from the history; None before the first event"""
        found = None
        for h in self.history:
            if h[0] <= at:
                found = h
            else:
                break
        if found is None:
            return None
        _, static, netflow, settled, buffer = found
        return static + netflow * (at - settled), buffer


class AccountFlow:
    """A flow from a sender's account to a receiver's."""

    def __init__(self, key, sender, receiver, token, rate, buffer, t):
        self.key = key
        self.sender = sender
        self.receiver = receiver
        self.token = token
        self.rate = rate            # 10^-18 tokens per second; 0 once closed
        self.buffer = buffer        # base units
        self.opened_at = t
        self.closed_at = None
        self.events = 1

    @property
    def open(self):
        return self.closed_at is None


def event(op, actor, t, amount=None, destination=None, account=None, peer=None, flow=None,
          flow_buffer=None, stream=None, token=None):
    """an event as flowstream.events records it (token: that of its account)"""
    return {"op": op, "actor": actor, "at": t, "amount": amount, "destination": destination,
            "account": account, "peer": peer, "flow": flow, "flow_buffer": flow_buffer,
            "stream": stream, "token": token}


class AccountResult(Result):
    def __init__(self, sqlstate=None, value=None, why=None, events=()):
        super().__init__(sqlstate, value, why)
        self.events = list(events)


class AccountModel:
    """
    Accounts and flows of a set of tokens, and the debt streams that meet
    them (streams: a Model of the same tokens, whose stream operations it
    reuses).

    tokens: name -> decimals; policies: name -> Policy.
    """

    def __init__(self, tokens, policies, app_members, streams):
        self.tokens = dict(tokens)
        self.policies = dict(policies)
        self.app_members = set(app_members)
        self.streams = streams
        self.accounts = {}          # (party, token) -> Account
        self.flows = {}             # key -> AccountFlow
        self.next_flow = 1
        self.ledger = {tok: 0 for tok in self.tokens}   # deposits - withdrawals, 10^-24 tokens
        self.notes = collections.Counter()              # what the run went through, for the report
        self.token_of = {dec: tok for tok, dec in self.tokens.items()}  # the tokens' decimals differ
        assert len(self.token_of) == len(self.tokens)

    def account(self, party, token):
        a = self.accounts.get((party, token))
        if a is None:
            a = self.accounts[(party, token)] = Account(party, token, self.tokens[token])
        return a

    def open_flow_of(self, sender, receiver, token):
        for f in self.flows.values():
            if f.open and (f.sender, f.receiver, f.token) == (sender, receiver, token):
                return f
        return None

    def run(self, op):
        try:
            return getattr(self, "op_" + op["name"])(op)
        except Err as e:
            return AccountResult(e.sqlstate, why=e.why)

    # ---- the checks, in the order SPEC §5 ranks them
    def _actor(self, op):
        return Model.actor_of(op["role"], op.get("actor"), self.app_members)

    @staticmethod
    def _nulls(op, *names):
        for n in names:
            if op.get(n) is None:
                raise Err("22004", n + " is null")

    def _time(self, t, *accounts):
        """SF010: t before the last operation of an account involved"""
        for a in accounts:
            if a is not None and a.used and t < a.last:
                raise Err("SF010", "time before the last operation of the account of %s" % a.party)

    def _existing(self, party, token):
        return self.accounts.get((party, token)) if token in self.tokens else None

    @staticmethod
    def _authorize(spoofed, allowed, what):
        Model._authorize(spoofed, allowed, what)

    def _names(self, *names):
        for n in names:
            if n == "":
                raise Err("22023", "empty party or destination")

    def _token(self, token):
        if token not in self.tokens:
            raise Err("22023", "unknown token")
        return self.tokens[token]

    @staticmethod
    def _take(a, t, units):
        """SPEC §6: no one takes more than the floored available balance; critical first"""
        avail = a.available(t)
        if avail < 0:
            raise Err("SF016", "critical: available %d" % avail)
        if units > avail:
            raise Err("SF013", "%d needed, %d available" % (units, avail))

    def _flow(self, op):
        if op.get("flow") is None:
            raise Err("22004", "flow id is null")
        f = self.flows.get(op["flow"])
        if f is None:
            raise Err("SF001", "flow not found")
        return f

    # ---- lump sums
    def op_account_deposit(self, op):
        self._nulls(op, "party", "token")
        party, token, t = op["party"], op["token"], op["t"]
        self._time(t, self._existing(party, token))
        actor, spoofed = self._actor(op)
        self._authorize(spoofed, True, "deposit")
        self._names(party)
        dec = self._token(token)
        units = parse_amount(op["amount"], dec)
        a = self.account(party, token)
        a.settle(t)
        a.static += units * a.unit
        a.record(t)
        self.ledger[token] += units * a.unit
        return AccountResult(value="", events=[event("account_deposit", actor, t, Fraction(units, 10 ** dec),
                                                     account=party, token=token)])

    def op_account_withdraw(self, op):
        self._nulls(op, "party", "token")
        party, token, t = op["party"], op["token"], op["t"]
        self._time(t, self._existing(party, token))
        actor, spoofed = self._actor(op)
        self._authorize(spoofed, actor == party, "withdraw from another's account")
        to = op.get("to")
        dest = party if to is None else to
        self._names(party, dest)
        dec = self._token(token)
        units = parse_amount(op["amount"], dec)
        a = self.account(party, token)
        self._take(a, t, units)
        a.settle(t)
        a.static -= units * a.unit
        a.record(t)
        self.ledger[token] -= units * a.unit
        return AccountResult(value=format_units(units, dec),
                             events=[event("account_withdraw", actor, t, Fraction(units, 10 ** dec), dest,
                                           account=party, token=token)])

    def op_account_transfer(self, op):
        self._nulls(op, "party", "peer", "token")
        party, peer, token, t = op["party"], op["peer"], op["token"], op["t"]
        self._time(t, self._existing(party, token), self._existing(peer, token))
        actor, spoofed = self._actor(op)
        self._authorize(spoofed, actor == party, "transfer from another's account")
        self._names(party, peer)
        dec = self._token(token)
        if party == peer:
            raise Err("22023", "a transfer to itself")
        units = parse_amount(op["amount"], dec)
        a, b = self.account(party, token), self.account(peer, token)
        self._take(a, t, units)
        self._transfer(a, b, units, t)
        return AccountResult(value="", events=[event("account_transfer", actor, t, Fraction(units, 10 ** dec),
                                                     peer, account=party, peer=peer, token=token)])

    @staticmethod
    def _transfer(a, b, units, t):
        a.settle(t)
        b.settle(t)
        a.static -= units * a.unit
        b.static += units * b.unit
        a.record(t)
        b.record(t)

    # ---- flows
    def _policy(self, token):
        p = self.policies[token]
        if not p.valid:
            raise Err("22023", "the token's buffer settings are out of range")
        return p

    @staticmethod
    def _move(s, r, delta, t):
        """settle both accounts at t, then the flow from s to r changes by delta"""
        s.settle(t)
        r.settle(t)
        s.netflow -= delta
        r.netflow += delta

    def op_open_flow(self, op):
        self._nulls(op, "party", "peer", "token")
        sender, receiver, token, t = op["party"], op["peer"], op["token"], op["t"]
        self._time(t, self._existing(sender, token), self._existing(receiver, token))
        actor, spoofed = self._actor(op)
        self._authorize(spoofed, actor == sender, "open a flow from another's account")
        if token in self.tokens and self.open_flow_of(sender, receiver, token):
            raise Err("SF015", "a flow is open already")
        self._names(sender, receiver)
        dec = self._token(token)
        if sender == receiver:
            raise Err("22023", "a flow to itself")
        p = self._policy(token)
        rate = parse_amount(op["rate"], RATE_SCALE, "rate")
        s, r = self.account(sender, token), self.account(receiver, token)
        buf = p.flow_buffer(rate, dec)
        self._take(s, t, buf)
        self._move(s, r, rate, t)
        s.buffer += buf
        s.outflows += 1
        s.record(t)
        r.record(t)
        key = self.next_flow
        self.next_flow += 1
        self.flows[key] = AccountFlow(key, sender, receiver, token, rate, buf, t)
        return AccountResult(value=key, events=[event("open_flow", actor, t, Fraction(rate, 10 ** RATE_SCALE),
                                                      receiver, sender, receiver, key,
                                                      Fraction(buf, 10 ** dec), token=token)])

    def _flow_begin(self, op):
        f = self._flow(op)
        t = op["t"]
        s, r = self.account(f.sender, f.token), self.account(f.receiver, f.token)
        self._time(t, s, r)
        if not f.open:
            raise Err("SF014", "flow closed")
        actor, spoofed = self._actor(op)
        return f, s, r, t, actor, spoofed

    def op_update_flow(self, op):
        f, s, r, t, actor, spoofed = self._flow_begin(op)
        self._authorize(spoofed, actor == f.sender, "change another's flow")
        dec = self.tokens[f.token]
        p = self._policy(f.token)
        rate = parse_amount(op["rate"], RATE_SCALE, "rate")
        if rate == f.rate:
            raise Err("SF008", "same rate")
        full = p.flow_buffer(rate, dec)
        if rate > f.rate:
            # a raise locks the buffer of the new rate: the increase must be available
            self._take(s, t, max(full - f.buffer, 0))
            buf = full
        else:
            buf = min(full, f.buffer)       # lowering a rate never raises the buffer
        self._move(s, r, rate - f.rate, t)
        s.buffer += buf - f.buffer
        f.rate, f.buffer = rate, buf
        f.events += 1
        s.record(t)
        r.record(t)
        return AccountResult(value="", events=[event("update_flow", actor, t, Fraction(rate, 10 ** RATE_SCALE),
                                                     f.receiver, f.sender, f.receiver, f.key,
                                                     Fraction(buf, 10 ** dec), token=f.token)])

    def _close(self, f, s, r, t):
        self._move(s, r, -f.rate, t)
        s.buffer -= f.buffer
        s.outflows -= 1
        f.rate, f.buffer, f.closed_at = 0, 0, t
        f.events += 1
        s.record(t)
        r.record(t)

    def op_close_flow(self, op):
        f, s, r, t, actor, spoofed = self._flow_begin(op)
        self._authorize(spoofed, actor in (f.sender, f.receiver), "close another's flow")
        self._close(f, s, r, t)
        return AccountResult(value="", events=[event("close_flow", actor, t, None, f.receiver, f.sender,
                                                     f.receiver, f.key, Fraction(0), token=f.token)])

    # ---- the sweeper
    def critical_candidates(self, t):
        """accounts with open outgoing flows whose critical time has passed, earliest first"""
        out = []
        for a in self.accounts.values():
            if a.outflows > 0:
                c = a.critical_time()
                if isinstance(c, int) and c <= t:
                    out.append((c, a))
        out.sort(key=lambda ca: ca[0])
        return out

    def liquidation_ambiguous(self, t, limit):
        """
        Whether the sweeper's order is not fixed where it matters: a tie of
        critical times at its limit, or a tie in a token that pays a reward
        (a reward paid to an account the same run takes next changes it).
        """
        cands = self.critical_candidates(t)
        if len(cands) > limit and cands[limit - 1][0] == cands[limit][0]:
            return True
        seen = set()
        for c, a in cands[:limit]:
            if (c, a.token) in seen and self.policies[a.token].reward is not None:
                return True
            seen.add((c, a.token))
        return False

    def op_liquidate_critical(self, op):
        t = op["t"]
        if op["role"] not in ("postgres", "st_admin"):
            raise Err("42501", "only the owner and flowstream_admin run the sweeper")
        limit = op.get("max", 1000)
        if limit <= 0:
            raise Err("22023", "max_accounts must be positive")
        events = []
        done = 0
        before = {(a.party, a.token) for _, a in self.critical_candidates(t)[:limit]}
        rewarded = set()
        healed = 0
        for _, a in self.critical_candidates(t)[:limit]:
            # its critical time, from its state now: an earlier liquidation of
            # this run may have paid it a reward
            if a.available(t) >= 0:
                healed += (a.party, a.token) in rewarded
                continue
            dec = a.decimals
            unburnt = min(max(a.balance(t), 0), a.buffer)
            for f in sorted((f for f in self.flows.values()
                             if f.open and f.sender == a.party and f.token == a.token), key=lambda f: f.key):
                r = self.account(f.receiver, f.token)
                self._close(f, a, r, t)
                events.append(event("liquidate", SWEEPER, t, None, f.receiver, f.sender, f.receiver, f.key,
                                    Fraction(0), token=a.token))
            reward = self.policies[a.token].reward
            if reward is not None and reward != a.party and unburnt > 0:
                self._transfer(a, self.account(reward, a.token), unburnt, t)
                rewarded.add((reward, a.token))
                events.append(event("account_transfer", SWEEPER, t, Fraction(unburnt, 10 ** dec), reward,
                                    a.party, reward, token=a.token))
            done += 1
        self.notes["liquidation runs taking %s" % ("0" if not done else "1" if done == 1 else "2+")] += 1
        self.notes["liquidation rewards paid"] += sum(e["op"] == "account_transfer" for e in events)
        self.notes["liquidation: a reward paid to a later candidate"] += len(rewarded & before)
        result = AccountResult(value=str(done), events=events)
        result.healed = healed          # accounts a reward of this run made healthy again
        return result

    # ---- where a stream meets an account (SPEC §6: the two models meet)
    def _stream_begin(self, op, party_of):
        if op.get("id_null"):
            raise Err("22004", "stream id is null")
        s = self.streams.streams.get(op.get("key"))
        if s is None:
            raise Err("SF001", "stream not found")
        t = op["t"]
        if t < s.last_event:
            raise Err("SF010", "time before the stream's last operation")
        tok = self.token_of[s.decimals]
        party = party_of(s)
        a = self.accounts.get((party, tok))
        self._time(t, a)
        actor, spoofed = self._actor(op)
        return s, t, actor, spoofed, party, tok

    def op_deposit_from_account(self, op):
        s, t, actor, spoofed, party, tok = self._stream_begin(op, lambda s: s.sender)
        if s.voided:
            raise Err("SF002", "voided")
        self._authorize(spoofed, actor == s.sender, "deposit from another's account")
        units = parse_amount(op["amount"], s.decimals)
        if s.balance + units > MAX_UNITS:
            raise Err("22003", "balance out of range")
        a = self.account(party, tok)
        self._take(a, t, units)
        s.balance += units
        s.last = t
        s.last_event = t
        s.events += 1
        a.settle(t)
        a.static -= units * a.unit
        a.record(t)
        self.ledger[tok] -= units * a.unit
        amount = Fraction(units, 10 ** s.decimals)
        return AccountResult(value="", events=[event("deposit_from_account", actor, t, amount, account=party,
                                                     stream=s.key, token=tok)])

    def _withdraw_to_account(self, op, maximum):
        s, t, actor, spoofed, party, tok = self._stream_begin(op, lambda s: s.recipient)
        self._authorize(spoofed, actor == s.recipient, "withdraw into the recipient's account")
        covered = s.covered(t)
        if maximum:
            units = covered
            if units == 0:
                raise Err("22023", "nothing to withdraw")
        else:
            units = parse_amount(op["amount"], s.decimals)
            if units > covered:
                raise Err("SF006", "more than withdrawable")
        paid = Fraction(units, 10 ** s.decimals)
        if paid <= s.sd:
            s.sd -= paid
        else:
            s.sd = s.sd + s.ongoing(t) - paid
            s.st = t
        s.balance -= units
        s.last = t
        s.last_event = t
        s.events += 1
        a = self.account(party, tok)
        a.settle(t)
        a.static += units * a.unit
        a.record(t)
        self.ledger[tok] += units * a.unit
        return AccountResult(value=format_units(units, s.decimals),
                             events=[event("withdraw_to_account", actor, t, paid, account=party,
                                           stream=s.key, token=tok)])

    def op_withdraw_to_account(self, op):
        return self._withdraw_to_account(op, False)

    def op_withdraw_max_to_account(self, op):
        return self._withdraw_to_account(op, True)

    # ---- views
    def netflow_of(self, party, token, t):
        """flowstream.netflow(party, token): the account's flows and the streaming debt streams"""
        a = self.accounts.get((party, token))
        total = Fraction(a.netflow if a else 0, 10 ** RATE_SCALE)
        dec = self.tokens[token]
        for s in self.streams.streams.values():
            if s.decimals != dec or s.sender == s.recipient or party not in (s.sender, s.recipient):
                continue
            if s.status(t) in ("streaming_solvent", "streaming_insolvent"):
                total += s.rps if s.recipient == party else -s.rps
        return total

    def conservation(self, token, t):
        """(Σ exact balances at t, deposits - withdrawals): equal, in 10^-24 tokens"""
        return sum(a.exact(t) for (p, tok), a in self.accounts.items() if tok == token), self.ledger[token]
