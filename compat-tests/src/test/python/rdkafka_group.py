#!/usr/bin/python3
"""Two librdkafka (confluent_kafka) consumers in one consumer group against kafkalite.

Usage: rdkafka_group.py BOOTSTRAP TOPIC GROUP [ASSIGNOR]

ASSIGNOR is librdkafka's partition.assignment.strategy: "range" (eager, the default) or
"cooperative-sticky" (incremental). The scenario, on a 4-partition topic:
  1. consumer A subscribes alone and gets all 4 partitions; it reads while more records are produced;
  2. consumer B subscribes to the same group: after the rebalance each owns 2 partitions (disjoint),
     AdminClient.list_groups() (DescribeGroups) shows the group Stable with 2 members; both read;
  3. B closes (LeaveGroup): A takes all 4 partitions back and reads the rest;
  4. a fresh consumer C in the same group resumes from the committed offsets: it gets none of the old
     records, only those produced after it joined.
Both consumers run with enable.auto.commit=false and commit synchronously (explicit offsets) after every
batch, and commit again in on_revoke. Records are produced throughout, to explicit partitions.
A per-batch commit may be refused because of a rebalance, as Apache Kafka refuses it: with cooperative-sticky
a member keeps consuming while its own JoinGroup is parked on the coordinator connection, and a broker
handles a connection's requests one at a time, so an OffsetCommit sent then is handled once the new
generation has formed: ILLEGAL_GENERATION (it carries the old generation), or REBALANCE_IN_PROGRESS before
the generation's SyncGroup. Such a commit is retried with the next one, for the partitions the member still
owns (on_revoke has committed the positions of those it gave up); the checks below are unchanged.
Checks: every record seen, none twice; each consumer only gets records of partitions it owns; per
partition the offsets consumed are exactly 0..end-1; the group's committed offsets (OffsetFetch through
consumer.committed()) equal the end offsets (ListOffsets), while split (the per-batch commits of both) and
at the end.
Prints progress, then "TOTAL <n> records" and "rdkafka group ok" on success; exits 1 with a FAIL line
saying what went wrong otherwise.
"""
import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 4
TIMEOUT = 60.0
T0 = time.time()


class Mismatch(Exception):
    pass


def log(msg):
    print("%7.2fs %s" % (time.time() - T0, msg), flush=True)


def bounded(seconds, what, fn, *args):
    """Runs fn(*args) in a daemon thread and gives up after `seconds` (librdkafka calls such as close()
    can block far past their own timeouts when the broker misbehaves; a hang must be a failure)."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args)
        except BaseException as e:
            box["error"] = e

    t = threading.Thread(target=run, name=what, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise Mismatch("%s did not finish within %ss (hung)" % (what, seconds))
    if "error" in box:
        raise box["error"]
    return box.get("result")


class Source:
    """Produces records "<topic>-<i>" to partition i % 4 and remembers where each one landed."""

    def __init__(self, bootstrap, topic):
        self.topic = topic
        self.next = 0
        self.where = {}  # value -> (partition, offset)
        self.errors = []
        self.producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "acks": "all",
                                  "linger.ms": 5, "message.timeout.ms": int(TIMEOUT * 1000)})

    def produce(self, count):
        def on_delivery(err, msg):
            if err is not None:
                self.errors.append("%s: %s" % (msg.value(), err))
            else:
                self.where[msg.value().decode()] = (msg.partition(), msg.offset())

        for _ in range(count):
            i = self.next
            self.next += 1
            self.producer.produce(self.topic, key=("key-%d" % i).encode(), value=("%s-%d" % (self.topic, i)).encode(),
                                  partition=i % PARTITIONS, on_delivery=on_delivery)
            self.producer.poll(0)
        if self.producer.flush(TIMEOUT):
            raise Mismatch("records still undelivered after flush(%ss)" % TIMEOUT)
        if self.errors:
            raise Mismatch("delivery errors: %s" % self.errors[:5])
        if len(self.where) != self.next:
            raise Mismatch("%d delivery reports for %d records" % (len(self.where), self.next))

    def end_offsets(self):
        ends = {p: 0 for p in range(PARTITIONS)}
        for p, o in self.where.values():
            ends[p] = max(ends[p], o + 1)
        return ends


class Member:
    """A consumer in the group; poll() reads a batch, records it, and commits it synchronously."""

    def __init__(self, name, bootstrap, topic, group, assignor, seen):
        self.name = name
        self.topic = topic
        self.seen = seen  # value -> list of (member, partition, offset), shared
        self.count = 0
        self.revoked = []
        self.assigned = []
        self.refused = {}  # partition -> offset of a per-batch commit refused during a rebalance, to retry
        self.closed = False
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "client.id": "rdkafka-" + name,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": assignor,
            "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 500,
            "max.poll.interval.ms": 30000,
            "enable.partition.eof": False,
        })
        self.consumer.subscribe([topic], on_assign=self.on_assign, on_revoke=self.on_revoke)

    def on_assign(self, consumer, partitions):
        self.assigned.append(sorted(tp.partition for tp in partitions))
        log("%s: assigned %s (now owns %s)" % (self.name, self.assigned[-1], self.owned()))

    def on_revoke(self, consumer, partitions):
        self.revoked.append(sorted(tp.partition for tp in partitions))
        for tp in partitions:
            self.refused.pop(tp.partition, None)  # the commit below covers it (consumed positions)
        log("%s: revoked %s" % (self.name, self.revoked[-1]))
        # everything processed is committed already (after every batch); commit once more as a rebalance
        # listener would, and insist that it works (or that there is nothing left to commit)
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as e:
            if e.args[0].code() != KafkaError._NO_OFFSET:
                raise Mismatch("%s: commit in on_revoke failed: %s" % (self.name, e))

    def owned(self):
        return sorted(tp.partition for tp in self.consumer.assignment())

    def poll(self):
        msgs = self.consumer.consume(num_messages=50, timeout=0.1)
        if not msgs:
            self.commit({})
            return 0
        owned = set(self.owned())
        last = {}
        for m in msgs:
            if m.error() is not None:
                raise Mismatch("%s: consumer error: %s" % (self.name, m.error()))
            if m.partition() not in owned:
                raise Mismatch("%s: got a record of partition %d, which it does not own (owns %s)"
                               % (self.name, m.partition(), sorted(owned)))
            self.seen.setdefault(m.value().decode(), []).append((self.name, m.partition(), m.offset()))
            last[m.partition()] = m.offset()
        self.count += len(msgs)
        self.commit({p: o + 1 for p, o in last.items()})
        return len(msgs)

    def commit(self, offsets):
        """Commits offsets (partition -> next offset) synchronously, with any refused earlier during a rebalance."""
        owned = set(self.owned())
        retry = {p: o for p, o in self.refused.items() if p in owned and p not in offsets}
        self.refused = {}
        offsets = {**retry, **offsets}
        if not offsets:
            return
        commit = [TopicPartition(self.topic, p, o) for p, o in sorted(offsets.items())]
        try:
            result = self.consumer.commit(offsets=commit, asynchronous=False)
        except KafkaException as e:
            if e.args[0].code() not in (KafkaError.ILLEGAL_GENERATION, KafkaError.REBALANCE_IN_PROGRESS):
                raise
            log("%s: OffsetCommit of %s refused during a rebalance (%s); retried after it"
                % (self.name, sorted(offsets.items()), e.args[0].name()))
            self.refused = offsets
            return
        bad = [tp for tp in result or [] if tp.error is not None]
        if bad:
            raise Mismatch("%s: OffsetCommit of %s failed: %s" % (self.name, commit, [(tp.partition, tp.error) for tp in bad]))

    def close(self):
        if not self.closed:
            self.closed = True
            bounded(30, "%s close()" % self.name, self.consumer.close)


def poll_until(what, members, done, seconds=TIMEOUT):
    deadline = time.time() + seconds
    while True:
        for m in members:
            m.poll()
        if done():
            return
        if time.time() > deadline:
            raise Mismatch("timed out after %ss waiting until %s; %s" % (seconds, what, "; ".join(
                "%s owns %s, read %d" % (m.name, m.owned(), m.count) for m in members)))


def create_topic(bootstrap, topic):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)],
                                  operation_timeout=30, request_timeout=30)
    futures[topic].result(timeout=TIMEOUT)
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        md = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
        if md is not None and md.error is None and len(md.partitions) == PARTITIONS:
            return admin
        time.sleep(0.2)
    raise Mismatch("topic %s never showed %d partitions" % (topic, PARTITIONS))


def describe(admin, group):
    groups = admin.list_groups(group, timeout=10)
    if len(groups) != 1:
        raise Mismatch("list_groups(%s) returned %d groups" % (group, len(groups)))
    g = groups[0]
    if g.error is not None and g.error.code() != KafkaError.NO_ERROR:
        raise Mismatch("DescribeGroups(%s) error %s" % (group, g.error))
    return g


def run(bootstrap, topic, group, assignor):
    admin = create_topic(bootstrap, topic)
    source = Source(bootstrap, topic)
    seen = {}
    source.produce(400)
    log("produced 400 records to %s" % topic)

    a = Member("A", bootstrap, topic, group, assignor, seen)
    b = c = None
    try:
        # 1. A alone owns all 4 partitions
        poll_until("A owns 4 partitions and read 150 records", [a], lambda: a.owned() == [0, 1, 2, 3] and a.count >= 150)
        source.produce(100)
        log("A owns %s and read %d; produced 100 more" % (a.owned(), a.count))

        # 2. B joins: 2 partitions each, both read, then everything so far is read
        b = Member("B", bootstrap, topic, group, assignor, seen)
        poll_until("A and B own 2 disjoint partitions each", [a, b],
                   lambda: len(a.owned()) == 2 and len(b.owned()) == 2 and set(a.owned()).isdisjoint(b.owned()))
        log("split: A owns %s, B owns %s" % (a.owned(), b.owned()))
        g = describe(admin, group)
        if g.state != "Stable" or len(g.members) != 2 or g.protocol_type != "consumer":
            raise Mismatch("DescribeGroups while split: state=%s protocol_type=%s protocol=%s members=%s"
                           % (g.state, g.protocol_type, g.protocol, [m.client_id for m in g.members]))
        if sorted(m.client_id for m in g.members) != ["rdkafka-A", "rdkafka-B"]:
            raise Mismatch("DescribeGroups members: %s" % [m.client_id for m in g.members])
        log("DescribeGroups: %s, protocol %s, members %s" % (g.state, g.protocol, sorted(m.client_id for m in g.members)))
        a_before, b_before = a.count, b.count
        source.produce(200)
        poll_until("all %d records so far are read, by both" % source.next, [a, b],
                   lambda: len(seen) >= source.next and a.count > a_before and b.count > b_before)
        if len(a.owned()) != 2 or len(b.owned()) != 2:
            raise Mismatch("after reading, A owns %s, B owns %s" % (a.owned(), b.owned()))
        log("split read: A read %d in all, B read %d; %d distinct" % (a.count, b.count, len(seen)))
        # no rebalance since the split, so these are the per-batch commits of both members (OffsetFetch by A)
        committed = {tp.partition: tp.offset for tp in a.consumer.committed(
            [TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)}
        if committed != source.end_offsets():
            raise Mismatch("committed offsets while split %s, expected the end offsets %s" % (committed, source.end_offsets()))
        log("committed offsets while split = end offsets = %s" % committed)
        b_mid = b.count
        source.produce(100)
        poll_until("B reads the 50 new records of its 2 partitions", [a, b], lambda: b.count >= b_mid + 50)

        # 3. B leaves; A takes everything back
        b.close()
        log("B closed after reading %d" % b.count)
        source.produce(200)
        poll_until("A owns 4 partitions again and everything is read", [a],
                   lambda: a.owned() == [0, 1, 2, 3] and len(seen) >= source.next)
        log("A owns %s again; %d distinct records read of %d" % (a.owned(), len(seen), source.next))
        a.close()
        log("A closed after reading %d" % a.count)

        # the committed offsets are the end offsets
        ends = source.end_offsets()
        probe = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
        try:
            committed = {tp.partition: tp.offset for tp in probe.committed(
                [TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)}
            marks = {p: probe.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)[1]
                     for p in range(PARTITIONS)}
        finally:
            bounded(30, "probe close()", probe.close)
        if committed != ends or marks != ends:
            raise Mismatch("committed offsets %s, end offsets (ListOffsets) %s, expected %s" % (committed, marks, ends))
        log("committed offsets = end offsets = %s" % committed)

        # 4. a new member resumes from the committed offsets
        c = Member("C", bootstrap, topic, group, assignor, seen)
        poll_until("C owns 4 partitions", [c], lambda: c.owned() == [0, 1, 2, 3])
        first_new = source.next
        source.produce(40)
        poll_until("C reads the 40 new records", [c], lambda: len(seen) >= source.next, seconds=30)
        for _ in range(10):
            c.poll()  # anything beyond, e.g. old records re-read, shows up as duplicates below
        c_values = sorted((v for v, hits in seen.items() for h in hits if h[0] == "C"), key=lambda v: int(v.rsplit("-", 1)[1]))
        expected = ["%s-%d" % (topic, i) for i in range(first_new, source.next)]
        if c_values != expected:
            raise Mismatch("C read %d records %s..., expected only the %d new ones %s..."
                           % (len(c_values), c_values[:5], len(expected), expected[:5]))
        log("C resumed at the committed offsets: read only the %d new records" % len(c_values))
        c.close()
    finally:
        for m in (a, b, c):
            if m is not None:
                try:
                    m.close()
                except Exception as e:
                    log("close %s: %s" % (m.name, e))

    # every record seen exactly once, at the offset it was written to
    missing = [v for v in source.where if v not in seen]
    twice = {v: hits for v, hits in seen.items() if len(hits) > 1}
    if missing or twice:
        raise Mismatch("%d records never read (%s...), %d read more than once (%s...)"
                       % (len(missing), missing[:5], len(twice), list(twice.items())[:5]))
    for v, hits in seen.items():
        if v not in source.where or (hits[0][1], hits[0][2]) != source.where[v]:
            raise Mismatch("record %s read at %s, written at %s" % (v, hits[0][1:], source.where.get(v)))
    by_member = {}
    for hits in seen.values():
        by_member[hits[0][0]] = by_member.get(hits[0][0], 0) + 1
    log("TOTAL %d records, each read once: %s; A revoked %s, B revoked %s"
        % (len(seen), by_member, a.revoked, b.revoked))
    if a.count == 0 or b.count == 0:
        raise Mismatch("a member read nothing: %s" % by_member)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap, topic, group = argv[1:4]
    assignor = argv[4] if len(argv) > 4 else "range"
    import confluent_kafka
    log("librdkafka %s, confluent_kafka %s, assignor %s" % (confluent_kafka.libversion()[0], confluent_kafka.version()[0], assignor))
    try:
        run(bootstrap, topic, group, assignor)
    except Exception as e:
        kind = "" if isinstance(e, Mismatch) else type(e).__name__ + ": "
        log("FAIL %s%s" % (kind, e))
        return 1
    print("rdkafka group ok", flush=True)
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
