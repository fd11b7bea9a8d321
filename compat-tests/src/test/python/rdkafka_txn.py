#!/usr/bin/python3
"""Transactions through kafkalite with librdkafka (confluent_kafka); LibrdkafkaTransactionsTest checks the results.

Usage:
  rdkafka_txn.py produce BOOTSTRAP TOPIC TRANSACTIONAL_ID N
      one transaction writing N records to each of the 3 partitions, committed, then another, aborted:
      key "k-P-I", value "committed-P-I" / "aborted-P-I"; every record is acknowledged before the transaction ends.
  rdkafka_txn.py consume BOOTSTRAP TOPIC ISOLATION_LEVEL
      reads the 3 partitions from the beginning (assign(), no group) until each reports its end
      (PARTITION_EOF, the last stable offset under read_committed); prints "RECORD P OFFSET KEY VALUE" per record
      and "EOF P OFFSET" per partition.
  rdkafka_txn.py rpw BOOTSTRAP INPUT OUTPUT GROUP TRANSACTIONAL_ID TOTAL
      read-process-write: a consumer in GROUP (read_committed) reads INPUT; each batch is written as "out-VALUE"
      to the same partition of OUTPUT with its offsets (send_offsets_to_transaction) in one committed
      transaction, until TOTAL records were processed. The first batch is written once in an aborted
      transaction first (after which the group must have no committed offset), then again, committed.
      Prints "ABORTED n" and "PROCESSED n".
Prints "librdkafka V (confluent_kafka V)" first and "rdkafka txn ok" last; exits 1 with a FAIL line otherwise.
"""
import os
import sys
import time

import confluent_kafka
from confluent_kafka import OFFSET_BEGINNING, OFFSET_INVALID, Consumer, KafkaError, Producer, TopicPartition

PARTITIONS = 3
TIMEOUT = 30.0


class Mismatch(Exception):
    pass


def produce(bootstrap, topic, txn_id, n):
    errors = []
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
    producer.init_transactions(TIMEOUT)
    for kind in ("committed", "aborted"):
        producer.begin_transaction()
        for p in range(PARTITIONS):
            for i in range(int(n)):
                producer.produce(topic, key="k-%d-%d" % (p, i), value="%s-%d-%d" % (kind, p, i), partition=p,
                                 on_delivery=lambda err, msg: err and errors.append(err))
        if producer.flush(TIMEOUT):
            raise Mismatch("records of the %s transaction still undelivered after flush(%ss)" % (kind, TIMEOUT))
        if kind == "committed":
            producer.commit_transaction(TIMEOUT)
        else:
            producer.abort_transaction(TIMEOUT)
    if errors:
        raise Mismatch("delivery errors: %s" % errors[:5])


def consume(bootstrap, topic, isolation):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-assign-only", "enable.auto.commit": False,
                         "isolation.level": isolation, "enable.partition.eof": True, "auto.offset.reset": "error"})
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    eof = {}
    deadline = time.time() + TIMEOUT
    while len(eof) < PARTITIONS:
        if time.time() > deadline:
            raise Mismatch("no end of partition after %ss for partitions %s" % (TIMEOUT, sorted(set(range(PARTITIONS)) - set(eof))))
        for m in consumer.consume(num_messages=100, timeout=0.5):
            if m.error() is not None and m.error().code() == KafkaError._PARTITION_EOF:
                eof[m.partition()] = m.offset()
            elif m.error() is not None:
                raise Mismatch("consumer error: %s" % m.error())
            else:
                print("RECORD %d %d %s %s" % (m.partition(), m.offset(), m.key().decode(), m.value().decode()))
    for p, offset in sorted(eof.items()):
        print("EOF %d %d" % (p, offset))
    consumer.close()


def read_process_write(bootstrap, input_topic, output, group, txn_id, total):
    total = int(total)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    consumer.subscribe([input_topic])
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
    producer.init_transactions(TIMEOUT)
    processed, aborted, counts = 0, None, {}
    deadline = time.time() + TIMEOUT
    while processed < total:
        if time.time() > deadline:
            raise Mismatch("processed only %d of %d records in %ss; per partition %s, assignment %s, positions %s" % (
                processed, total, TIMEOUT, counts, [tp.partition for tp in consumer.assignment()],
                [(tp.partition, tp.offset) for tp in consumer.position(consumer.assignment())]))
        msgs = consumer.consume(num_messages=50, timeout=0.5)
        for m in msgs:
            if m.error() is not None:
                raise Mismatch("consumer error: %s" % m.error())
        if not msgs:
            continue
        positions = {}
        for m in msgs:
            positions[m.partition()] = m.offset() + 1
            counts[m.partition()] = counts.get(m.partition(), 0) + 1
        for end in (["abort"] if aborted is None else []) + ["commit"]:
            producer.begin_transaction()
            for m in msgs:
                producer.produce(output, key=m.key(), value=b"out-" + m.value(), partition=m.partition())
            producer.send_offsets_to_transaction([TopicPartition(input_topic, p, o) for p, o in positions.items()],
                                                 consumer.consumer_group_metadata(), TIMEOUT)
            if end == "abort":
                if producer.flush(TIMEOUT):
                    raise Mismatch("records of the aborted transaction still undelivered after flush(%ss)" % TIMEOUT)
                producer.abort_transaction(TIMEOUT)
                aborted = len(msgs)
                committed = consumer.committed([TopicPartition(input_topic, p) for p in range(PARTITIONS)], timeout=TIMEOUT)
                if any(tp.offset != OFFSET_INVALID for tp in committed):
                    raise Mismatch("after the aborted transaction the group committed %s" % [(tp.partition, tp.offset) for tp in committed])
            else:
                producer.commit_transaction(TIMEOUT)
        processed += len(msgs)
    consumer.close()
    print("ABORTED %d" % aborted)
    print("PROCESSED %d" % processed)


def main(argv):
    commands = {"produce": (produce, 4), "consume": (consume, 3), "rpw": (read_process_write, 6)}
    if len(argv) < 2 or argv[1] not in commands or len(argv) != 2 + commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    print("librdkafka %s (confluent_kafka %s)" % (confluent_kafka.libversion()[0], confluent_kafka.version()[0]), flush=True)
    try:
        commands[argv[1]][0](*argv[2:])
    except Exception as e:
        kind = "" if isinstance(e, Mismatch) else type(e).__name__ + ": "
        print("FAIL %s%s" % (kind, e), flush=True)
        return 1
    print("rdkafka txn ok", flush=True)
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as in rdkafka_roundtrip.py: a librdkafka handle stuck in a call must not block the exit
