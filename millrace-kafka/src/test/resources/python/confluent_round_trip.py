"""confluent-kafka-python (librdkafka) against Millrace: admin, producer, group consumer.

Usage: python3 confluent_round_trip.py BOOTSTRAP
Creates topic "readings" (3 partitions) with the AdminClient, produces 300 keyed records with
headers through a Producer with delivery callbacks, reads them back with a group consumer
("readers") that commits synchronously, and checks every key, value, header and partition.
Prints "OK <count>" at the end; exits non-zero on any failure.
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = sys.argv[1]
TOPIC = "readings"
PARTITIONS = 3
COUNT = 300


def fail(message):
    print("FAIL", message, file=sys.stderr)
    sys.exit(1)


admin = AdminClient({"bootstrap.servers": bootstrap})
for topic, future in admin.create_topics(
    [NewTopic(TOPIC, num_partitions=PARTITIONS, replication_factor=1)], operation_timeout=10
).items():
    future.result(timeout=30)  # raises on error
metadata = admin.list_topics(timeout=30)
if TOPIC not in metadata.topics or len(metadata.topics[TOPIC].partitions) != PARTITIONS:
    fail("list_topics does not show %s with %d partitions: %s" % (TOPIC, PARTITIONS, metadata.topics))
if [b.id for b in metadata.brokers.values()] != [0]:
    fail("expected the single broker 0, got %s" % metadata.brokers)
print("admin: created", TOPIC, "with", PARTITIONS, "partitions")

delivered = {}
errors = []


def on_delivery(error, message):
    if error is not None:
        errors.append(error)
    else:
        delivered[message.key()] = (message.partition(), message.offset())


producer = Producer(
    {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "compression.type": "zstd",
        "linger.ms": 5,
    }
)
sent = {}
for i in range(COUNT):
    key = b"sensor-%03d" % i
    value = bytes([i % 256]) * (i % 17) + b"\x00reading-%d\xff" % i
    headers = [("unit", b"celsius"), ("seq", str(i).encode()), ("unit", b"again")]
    partition = i % PARTITIONS
    sent[key] = (partition, value, headers)
    producer.produce(TOPIC, key=key, value=value, partition=partition, headers=headers,
                     on_delivery=on_delivery)
    producer.poll(0)
remaining = producer.flush(30)
if remaining != 0 or errors:
    fail("flush left %d undelivered, errors %s" % (remaining, errors))
if len(delivered) != COUNT:
    fail("%d delivery callbacks for %d records" % (len(delivered), COUNT))
for key, (partition, offset) in delivered.items():
    if partition != sent[key][0] or offset < 0:
        fail("delivery of %s reported partition %d offset %d" % (key, partition, offset))
print("producer: %d delivered" % len(delivered))

consumer = Consumer(
    {
        "bootstrap.servers": bootstrap,
        "group.id": "readers",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
)
consumer.subscribe([TOPIC])
received = {}
deadline = time.monotonic() + 60
while len(received) < COUNT and time.monotonic() < deadline:
    message = consumer.poll(0.1)
    if message is None:
        continue
    if message.error() is not None:
        if message.error().code() == KafkaError._PARTITION_EOF:
            continue
        fail("consumer error %s" % message.error())
    received[message.key()] = (message.partition(), message.value(), message.headers())
    if delivered[message.key()][1] != message.offset():
        fail("%s read at offset %d, delivered at %d" % (message.key(), message.offset(),
                                                         delivered[message.key()][1]))
if received != sent:
    missing = sorted(set(sent) - set(received))
    wrong = [k for k in received if received[k] != sent.get(k)]
    fail("read back differs: %d missing (%s...), %d different (%s...)" % (
        len(missing), missing[:3], len(wrong), wrong[:3]))
consumer.commit(asynchronous=False)
committed = consumer.committed([TopicPartition(TOPIC, p) for p in range(PARTITIONS)], timeout=30)
consumer.close()
for tp in committed:
    if tp.error is not None or tp.offset != COUNT // PARTITIONS:
        fail("committed %s" % tp)
print("consumer: %d read back byte-identical, committed %s" % (
    len(received), [tp.offset for tp in committed]))
print("OK", len(received))
