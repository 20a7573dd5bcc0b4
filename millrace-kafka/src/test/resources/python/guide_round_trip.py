"""The reference guide's kafka-python samples, run against Millrace.

Usage: python3 guide_round_trip.py BOOTSTRAP
Prints one line per received message and "OK <count>" at the end; exits non-zero on failure.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer

bootstrap = sys.argv[1]

# Push-based ingestion, as in the guide: JSON-ish events to user_activity_events.
producer = KafkaProducer(
    bootstrap_servers=bootstrap,
    value_serializer=lambda v: json.dumps(v).encode("utf-8"),
)
for i in range(20):
    event = {"user_id": "user%d" % i, "activity_type": "song_played", "timestamp": int(time.time())}
    producer.send("user_activity_events", value=event)

producer.flush()
producer.close()

# The masking example's producer sends raw bytes (a key added to check keys too).
producer = KafkaProducer(bootstrap_servers=bootstrap)
for i in range(10):
    producer.send("sensitive_data", key=b"john", value=("User: john, Password: secret%d" % i).encode())
producer.flush()
producer.close()

# A group consumer reads them back, as in the guide.
consumer = KafkaConsumer(
    "sensitive_data",
    bootstrap_servers=bootstrap,
    group_id="my-consumer-group",
    auto_offset_reset="earliest",
    consumer_timeout_ms=20000,
)
received = []
for msg in consumer:
    received.append(msg.value.decode())
    print("received", msg.partition, msg.offset, msg.key.decode(), msg.value.decode())
    if len(received) == 10:
        break
consumer.commit()
consumer.close()

expected = ["User: john, Password: secret%d" % i for i in range(10)]
if received != expected:
    print("MISMATCH", received, file=sys.stderr)
    sys.exit(1)

events = KafkaConsumer(
    "user_activity_events",
    bootstrap_servers=bootstrap,
    group_id="activity-readers",
    auto_offset_reset="earliest",
    consumer_timeout_ms=20000,
    value_deserializer=lambda b: json.loads(b.decode("utf-8")),
)
users = set()
for msg in events:
    users.add(msg.value["user_id"])
    if len(users) == 20:
        break
events.close()
if len(users) != 20:
    print("MISSING EVENTS", sorted(users), file=sys.stderr)
    sys.exit(1)
print("OK", len(received) + len(users))
