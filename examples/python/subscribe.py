#!/usr/bin/env python3
"""Prints every message of a feedwired daemon once, in seq order, filling gaps from its replay
endpoint: the algorithm of `feedwire sub`, in Python with pyzmq (Debian: python3-zmq).

    subscribe.py [--endpoint E] [--replay-endpoint E] [--since SEQ] [TOPIC-PREFIX ...]

One JSON object per line, {"topic": ..., "message": <body>}, as `feedwire sub` prints them.
Losses (older than the daemon's journal keeps) and a silent daemon are reported on stderr.
The protocol is in docs/messages.md ("Heartbeat", "Replay", "Delivery guarantees").
"""
import argparse
import json
import sys
import time

import zmq

HEARTBEAT_S = 2.0  # the daemon's [publish] heartbeat_interval_ms
REPLAY_TIMEOUT_MS = 3000  # a replay silent this long is asked again, on a new connection


def warn(text):
    print("subscribe.py: " + text, file=sys.stderr, flush=True)


def decode(frames):
    """(topic, body): the body as JSON when it is JSON, else as text."""
    topic, body = frames[0].decode(), frames[1].decode() if len(frames) > 1 else ""
    try:
        return topic, json.loads(body)
    except ValueError:
        return topic, body


def seq_of(body, key="seq"):
    return body.get(key) if isinstance(body, dict) else None


class Subscriber:
    def __init__(self, args):
        self.args = args
        self.context = zmq.Context()
        self.last = args.since  # the highest seq handled; None until the first one arrives

    def wants(self, topic):
        if not self.args.prefixes:
            return not topic.startswith("sys.")  # heartbeats only when asked for
        return any(p and topic.startswith(p) for p in self.args.prefixes)

    def show(self, topic, body):
        if self.wants(topic):
            line = json.dumps({"topic": topic, "message": body}, ensure_ascii=False,
                              separators=(",", ":"))
            print(line, flush=True)

    def deliver(self, topic, body):
        self.last = seq_of(body)
        self.show(topic, body)

    def lose(self, first, last, why):
        if first <= last:
            warn(f"seqs {first}..{last} lost: {why}")
            self.last = last

    def replay(self):
        """Delivers every journalled message after self.last, in seq order."""
        while True:
            # A new DEALER for each request: no late answer to an old one can mix in.
            dealer = self.context.socket(zmq.DEALER)
            dealer.linger = 0
            dealer.connect(self.args.replay_endpoint)
            dealer.send_json({"since": self.last})
            while dealer.poll(REPLAY_TIMEOUT_MS):
                topic, body = decode(dealer.recv_multipart())
                if topic == "sys.replay.end":
                    dealer.close()
                    return
                if topic == "sys.replay.error":
                    dealer.close()
                    oldest = seq_of(body, "oldest_seq")
                    if oldest is not None and oldest - 1 > self.last:
                        # Too old for the journal: report the loss, take what is still there.
                        self.lose(self.last + 1, oldest - 1, body.get("error"))
                    else:  # a busy server, say
                        warn(f"replay after seq {self.last} refused: {body}; asking again")
                        time.sleep(REPLAY_TIMEOUT_MS / 1000)
                    break
                if seq_of(body) > self.last:
                    self.deliver(topic, body)
            else:
                # No answer: the daemon may be restarting. Live messages wait in ZeroMQ's queue.
                warn(f"the replay endpoint {self.args.replay_endpoint} does not answer; "
                     "asking again")
                dealer.close()

    def run(self):
        sub = self.context.socket(zmq.SUB)
        sub.connect(self.args.endpoint)
        # Every topic, printing only the prefixes: seq counts all messages, so only the whole
        # stream tells a lost message from one that was filtered out.
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        if self.last is not None:
            self.replay()
        heard, silent = time.monotonic(), False
        while True:
            if not sub.poll(int(HEARTBEAT_S * 1000)):
                if not silent and time.monotonic() - heard > 3 * HEARTBEAT_S:
                    warn("no heartbeat from the daemon; waiting (ZeroMQ reconnects by itself)")
                    silent = True
                continue
            heard, silent = time.monotonic(), False
            topic, body = decode(sub.recv_multipart())
            if topic == "sys.heartbeat":
                self.show(topic, body)
                last_seq = seq_of(body, "last_seq")
                if last_seq is None:
                    continue
                if self.last is None:
                    self.last = last_seq  # the starting point: nothing older is replayed
                elif last_seq > self.last:
                    # Messages went by unseen, or are still on their way: give them a moment.
                    time.sleep(HEARTBEAT_S / 4)
                    while sub.poll(0):
                        self.on_live(*decode(sub.recv_multipart()))
                    if last_seq > self.last:
                        self.replay()
                continue
            self.on_live(topic, body)

    def on_live(self, topic, body):
        seq = seq_of(body)
        if seq is None:
            self.show(topic, body)  # not one of the daemon's numbered messages
            return
        if self.last is None:
            self.last = seq - 1
        if seq <= self.last:
            return  # a duplicate: the daemon re-sends unsent messages after a crash
        if seq > self.last + 1:
            self.replay()  # fills the gap; live messages wait in ZeroMQ's queue meanwhile
            if seq <= self.last:
                return
            self.lose(self.last + 1, seq - 1, "not in the daemon's journal")
        self.deliver(topic, body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="tcp://127.0.0.1:7701")
    parser.add_argument("--replay-endpoint", default="tcp://127.0.0.1:7702")
    parser.add_argument("--since", type=int, help="first print every message after this seq")
    parser.add_argument("prefixes", nargs="*", metavar="TOPIC-PREFIX")
    try:
        Subscriber(parser.parse_args()).run()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
