"""Event streams catching up beside a probe: STREAMS clients open GET /v1/events/stream?after=0 at once and read as fast
as they can (as EventSource clients do after a server restart), while a probe sends POST /v1/messages on a new
connection every half second. Prints the probes' latencies and the events the streams received.

usage: streams.py PORT KEY STREAMS SECONDS FROM_HANDLE
"""
import http.client
import json
import sys
import threading
import time

port, key, streams, seconds, handle = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
stop = threading.Event()
lock = threading.Lock()
received = {"events": 0, "failed": 0}


def follow():
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("GET", "/v1/events/stream?after=0", headers={"Authorization": "Bearer " + key})
        response = connection.getresponse()
        count = 0
        while not stop.is_set():
            line = response.fp.readline()
            if not line:
                break
            if line.startswith(b"id:"):
                count += 1
                if count % 1000 == 0:
                    with lock:
                        received["events"] += 1000
        with lock:
            received["events"] += count % 1000
    except Exception:  # a stream that could not open counts as failed
        with lock:
            received["failed"] += 1


threads = [threading.Thread(target=follow, daemon=True) for _ in range(streams)]
for t in threads:
    t.start()
started = time.time()
probes = []
while time.time() - started < seconds:
    t0 = time.time()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("POST", "/v1/messages", body=json.dumps({"to": "+14155550100", "from_handle": handle,
                                                                   "text": "probe"}),
                           headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        probes.append((response.status, time.time() - t0))
    except Exception:
        probes.append((0, time.time() - t0))
    time.sleep(0.5)
elapsed = time.time() - started
stop.set()
with lock:
    events, failed = received["events"], received["failed"]
latencies = sorted(latency for _, latency in probes)
statuses = sorted({status for status, _ in probes})
print("probes: %d, statuses %s, median %.0f ms, max %.0f ms" % (len(probes), statuses,
      1000 * latencies[len(latencies) // 2], 1000 * latencies[-1]))
print("streams: %d, %d could not open, %d events received, %.0f events/s" % (streams, failed, events, events / elapsed))
