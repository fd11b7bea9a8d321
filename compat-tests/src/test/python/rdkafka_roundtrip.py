#!/usr/bin/python3
"""Round trip through kafkalite with librdkafka (confluent_kafka), once per compression codec.

Usage: rdkafka_roundtrip.py BOOTSTRAP [TOPIC_PREFIX] [CODEC...]

For each codec: creates a 3-partition topic <prefix>-<codec> with the AdminClient, produces N keyed
records with headers through an idempotent producer (acks=all, compression.type=<codec>), then reads the
3 partitions back from the beginning with assign() (no consumer group coordination, no commits) and
checks every record: key, value, headers, and per-partition offsets contiguous from 0.
Exits 0 when every codec round-tripped, 1 on any mismatch or error (with a message saying what).
Needs only the broker APIs ApiVersions, Metadata, CreateTopics, InitProducerId, Produce, ListOffsets, Fetch.
"""
import os
import sys
import threading
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

N = 2000
PARTITIONS = 3
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
TIMEOUT = 60.0


class Mismatch(Exception):
    pass


def record(codec, i):
    key = ("key-%s-%05d" % (codec, i)).encode()
    if i % 250 == 7:
        value = None  # a tombstone now and then
    elif i % 100 == 3:
        value = bytes(range(256)) * 3  # binary, not UTF-8
    else:
        value = ("value %d of %s " % (i, codec) + "abcdefghij" * (i % 40)).encode()
    headers = [("seq", str(i).encode()), ("codec", codec.encode())]
    if i % 50 == 0:
        headers.append(("empty", b""))
    return key, value, headers


def bounded(seconds, what, fn, *args):
    """Runs fn(*args) in a daemon thread and gives up after `seconds`: librdkafka calls such as
    get_watermark_offsets() and Consumer.close() can block far past their own timeouts when the broker
    keeps closing the connection, and a hang must show up as a failure with a message, not as a killed run."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args)
        except BaseException as e:  # handed to the caller
            box["error"] = e

    t = threading.Thread(target=run, name=what, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise Mismatch("%s did not finish within %ss (hung; see the broker log for a closed connection)" % (what, seconds))
    if "error" in box:
        raise box["error"]
    return box["result"]


def create_topic(admin, topic):
    futures = admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)],
                                  operation_timeout=30, request_timeout=30)
    try:
        futures[topic].result(timeout=TIMEOUT)
    except Exception as e:  # KafkaException wrapping a KafkaError
        raise Mismatch("CreateTopics %s failed: %s" % (topic, e))
    # wait until metadata shows all partitions with a leader
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        md = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
        if md is not None and md.error is None and len(md.partitions) == PARTITIONS \
                and all(p.leader >= 0 for p in md.partitions.values()):
            return
        time.sleep(0.2)
    raise Mismatch("topic %s never showed %d partitions with leaders in metadata" % (topic, PARTITIONS))


def produce(bootstrap, topic, codec):
    producer = Producer({
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": codec,
        "linger.ms": 20,
        "batch.num.messages": 500,
        "message.timeout.ms": int(TIMEOUT * 1000),
    })
    delivered = {}  # i -> (partition, offset)
    errors = []

    def on_delivery(err, msg, i):
        if err is not None:
            errors.append("record %d: %s" % (i, err))
        else:
            delivered[i] = (msg.partition(), msg.offset())

    for i in range(N):
        key, value, headers = record(codec, i)
        while True:
            try:
                producer.produce(topic, key=key, value=value, headers=headers,
                                 on_delivery=lambda err, msg, i=i: on_delivery(err, msg, i))
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(TIMEOUT)
    if remaining:
        raise Mismatch("%d records still undelivered after flush(%ss)" % (remaining, TIMEOUT))
    if errors:
        raise Mismatch("%d delivery errors, first: %s" % (len(errors), errors[:5]))
    if len(delivered) != N:
        raise Mismatch("only %d of %d delivery reports" % (len(delivered), N))
    return delivered


def watermarks(bootstrap, topic):
    """Low and high watermarks per partition, through ListOffsets (earliest and latest)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-assign-only",
                         "enable.auto.commit": False, "enable.auto.offset.store": False})
    try:
        result = {}
        for p in range(PARTITIONS):
            try:
                result[p] = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10, cached=False)
            except Exception as e:
                raise Mismatch("ListOffsets (get_watermark_offsets) for %s-%d failed: %s" % (topic, p, e))
        return result
    finally:
        consumer.close()


def consume(bootstrap, topic, start):
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "unused-assign-only",  # required by librdkafka; assign() never joins a group
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "enable.partition.eof": False,
        "auto.offset.reset": "error",
    })
    try:
        consumer.assign([TopicPartition(topic, p, start) for p in range(PARTITIONS)])
        got = []
        deadline = time.time() + TIMEOUT
        while len(got) < N and time.time() < deadline:
            for msg in consumer.consume(num_messages=500, timeout=0.5):
                if msg.error() is not None:
                    raise Mismatch("consumer error: %s" % msg.error())
                got.append(msg)
        # a short extra poll to catch anything beyond the expected count
        for msg in consumer.consume(num_messages=500, timeout=0.5):
            if msg.error() is None:
                got.append(msg)
        return got
    finally:
        consumer.close()


def check(codec, delivered, got):
    if len(got) != N:
        raise Mismatch("consumed %d records, expected %d" % (len(got), N))
    expected = {(p, o): i for i, (p, o) in delivered.items()}
    by_partition = {}
    for msg in got:
        by_partition.setdefault(msg.partition(), []).append(msg)
    for p, msgs in sorted(by_partition.items()):
        offsets = [m.offset() for m in msgs]
        if offsets != list(range(len(msgs))):
            bad = next(k for k, o in enumerate(offsets) if o != k)
            raise Mismatch("partition %d: offsets not contiguous from 0; at position %d got offset %d (offsets %s...)"
                           % (p, bad, offsets[bad], offsets[max(0, bad - 3):bad + 3]))
        for m in msgs:
            i = expected.get((p, m.offset()))
            if i is None:
                raise Mismatch("partition %d offset %d: no record was acknowledged there" % (p, m.offset()))
            key, value, headers = record(codec, i)
            if m.key() != key:
                raise Mismatch("p%d@%d: key %r != %r" % (p, m.offset(), m.key(), key))
            if m.value() != value:
                raise Mismatch("p%d@%d (record %d): value %r != %r"
                               % (p, m.offset(), i, (m.value() or b"")[:60], (value or b"")[:60]))
            if (m.headers() or []) != headers:
                raise Mismatch("p%d@%d (record %d): headers %r != %r" % (p, m.offset(), i, m.headers(), headers))
    return {p: len(msgs) for p, msgs in sorted(by_partition.items())}


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap = argv[1]
    prefix = argv[2] if len(argv) > 2 else "rdkafka"
    codecs = argv[3:] or CODECS
    admin = AdminClient({"bootstrap.servers": bootstrap})
    failures = []
    for codec in codecs:
        topic = "%s-%s" % (prefix, codec)
        started = time.time()
        try:
            create_topic(admin, topic)
            delivered = produce(bootstrap, topic, codec)
            produced = {p: sum(1 for (q, _) in delivered.values() if q == p) for p in range(PARTITIONS)}
            try:
                marks = bounded(15, "ListOffsets via get_watermark_offsets()", watermarks, bootstrap, topic)
                if marks != {p: (0, n) for p, n in produced.items()}:
                    raise Mismatch("watermarks (low, high) %s, expected %s"
                                   % (marks, {p: (0, n) for p, n in produced.items()}))
            except Mismatch as e:
                # Tell apart a broken ListOffsets from a broken data path: read from offset 0 explicitly
                # (no ListOffsets needed) and report both.
                try:
                    check(codec, delivered, bounded(TIMEOUT + 15, "consume from offset 0", consume, bootstrap, topic, 0))
                    data = "records read from explicit offset 0 were all correct"
                except Mismatch as e2:
                    data = "reading from explicit offset 0 failed too: %s" % e2
                raise Mismatch("%s; %s" % (e, data))
            counts = check(codec, delivered, bounded(TIMEOUT + 15, "consume from OFFSET_BEGINNING", consume,
                                                     bootstrap, topic, OFFSET_BEGINNING))
            print("OK   %-6s topic=%s records=%d per-partition=%s (%.1fs)"
                  % (codec, topic, N, counts, time.time() - started), flush=True)
        except Exception as e:
            failures.append(codec)
            kind = "" if isinstance(e, Mismatch) else type(e).__name__ + ": "
            print("FAIL %-6s topic=%s: %s%s" % (codec, topic, kind, e), flush=True)
    print("librdkafka %s (confluent_kafka %s): %d codecs ok, %d failed%s"
          % (__import__("confluent_kafka").libversion()[0], __import__("confluent_kafka").version()[0],
             len(codecs) - len(failures), len(failures), (": " + ", ".join(failures)) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: a librdkafka handle stuck in a hung call (see bounded()) must not block interpreter shutdown.
    os._exit(code)
