#!/usr/bin/python3
"""Secured connections through kafkalite with librdkafka (confluent_kafka); LibrdkafkaSecurityTest checks the output.

Usage:
  rdkafka_security.py roundtrip CONFIG_JSON TOPIC N
      produces N keyed records ("k-I" = "TOPIC-I") to the existing TOPIC (acks=all), then reads them back in a
      consumer group "TOPIC-group" (subscribe, earliest, one synchronous commit): every record once, in order
      per partition. Prints "ROUNDTRIP OK N" and exits 0, or a FAIL line and exits 1.
  rdkafka_security.py connect CONFIG_JSON TIMEOUT_S
      only connects: AdminClient.list_topics(). Prints each error librdkafka reports through error_cb as
      "ERROR_CB NAME CODE | TEXT", then "CONNECTED N topics", or "RAISED NAME CODE | TEXT" for what
      list_topics() raised, and librdkafka's log lines as "LOG ...". Exits 0 either way (the caller judges).
CONFIG_JSON is a JSON object of librdkafka properties (bootstrap.servers, security.protocol, ssl.*, sasl.*).
Prints "librdkafka V (confluent_kafka V)" first.
"""
import json
import logging
import os
import sys
import time

import confluent_kafka
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient

TIMEOUT = 30.0


class Mismatch(Exception):
    pass


def describe(err):
    """NAME CODE | TEXT of a KafkaError, on one line."""
    return "%s %d | %s" % (err.name(), err.code(), err.str().replace("\n", " "))


def roundtrip(config, topic, n):
    errors = []
    producer = Producer(dict(config, **{"acks": "all", "linger.ms": 5, "message.timeout.ms": int(TIMEOUT * 1000),
                                        "error_cb": lambda e: errors.append(describe(e))}))
    for i in range(n):
        producer.produce(topic, key="k-%d" % i, value="%s-%d" % (topic, i),
                         on_delivery=lambda err, msg: err and errors.append(describe(err)))
    deadline = time.time() + TIMEOUT
    # stop early on an error librdkafka will not get over by retrying (it keeps retrying regardless)
    while producer.flush(0.2) and time.time() < deadline and not any(e.startswith(("_AUTHENTICATION", "_SSL")) for e in errors):
        pass
    if len(producer):
        raise Mismatch("%d records undelivered; errors: %s" % (len(producer), errors[:5]))
    if errors:
        raise Mismatch("producer errors: %s" % errors[:5])

    consumer = Consumer(dict(config, **{"group.id": topic + "-group", "auto.offset.reset": "earliest",
                                        "enable.auto.commit": False, "session.timeout.ms": 6000,
                                        "error_cb": lambda e: errors.append(describe(e))}))
    try:
        consumer.subscribe([topic])
        got = []
        deadline = time.time() + TIMEOUT
        while len(got) < n and time.time() < deadline:
            for msg in consumer.consume(num_messages=n, timeout=0.5):
                if msg.error() is not None:
                    raise Mismatch("consumer error: %s" % describe(msg.error()))
                got.append(msg)
        if errors:
            raise Mismatch("consumer errors: %s" % errors[:5])
        last = {}  # partition -> index of the last record read from it
        for m in got:
            i = int(m.key().decode()[2:])
            if m.value().decode() != "%s-%d" % (topic, i):
                raise Mismatch("key %r with value %r" % (m.key(), m.value()))
            if i <= last.get(m.partition(), -1):
                raise Mismatch("record %d after record %d in partition %d" % (i, last[m.partition()], m.partition()))
            last[m.partition()] = i
        if sorted(int(m.key().decode()[2:]) for m in got) != list(range(n)):
            raise Mismatch("read %d records, expected each of %d once" % (len(got), n))
        consumer.commit(asynchronous=False)  # OffsetCommit in the group
    finally:
        consumer.close()
    print("ROUNDTRIP OK %d" % n, flush=True)


class Reports(logging.Handler):
    """Prints what librdkafka reports through error_cb and through its log (some failures, such as a connection
    the broker closes, are only logged), and notes whether a connection failure was among it."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.failure = False

    def error_cb(self, err):
        print("ERROR_CB " + describe(err), flush=True)
        self.failure |= err.code() != KafkaError._ALL_BROKERS_DOWN

    def emit(self, record):
        message = record.getMessage()
        print("LOG " + message, flush=True)
        self.failure |= message.startswith("FAIL ")

    def logger(self):
        logger = logging.getLogger("librdkafka")
        logger.setLevel(logging.INFO)
        logger.addHandler(self)
        return logger


def connect(config, timeout):
    reports = Reports()
    admin = AdminClient(dict(config, **{"error_cb": reports.error_cb, "logger": reports.logger()}))
    try:
        metadata = admin.list_topics(timeout=timeout)
        print("CONNECTED %d topics" % len(metadata.topics), flush=True)
        return
    except KafkaException as e:
        print("RAISED " + describe(e.args[0]), flush=True)
    # error_cb and the logger run from poll(): serve what librdkafka queued, at least until the failure's cause
    # and a little longer (librdkafka logs a failure and queues its error_cb one after the other)
    deadline = time.time() + 2.0
    while not reports.failure and time.time() < deadline:
        admin.poll(0.1)
    admin.poll(0.2)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    print("librdkafka %s (confluent_kafka %s)" % (confluent_kafka.libversion()[0], confluent_kafka.version()[0]), flush=True)
    mode, config = argv[1], json.loads(argv[2])
    try:
        if mode == "roundtrip":
            roundtrip(config, argv[3], int(argv[4]))
        elif mode == "connect":
            connect(config, float(argv[3]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except Exception as e:
        print("FAIL %s%s" % ("" if isinstance(e, Mismatch) else type(e).__name__ + ": ", e), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # os._exit: a librdkafka handle still retrying a broker must not block interpreter shutdown.
    os._exit(code)
