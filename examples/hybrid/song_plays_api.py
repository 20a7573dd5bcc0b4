#!/usr/bin/env python3
"""A stand-in for the guide's song-play API (Last.fm in the guide): plays of one user, paginated.

GET /plays?page=N answers {"plays": [{"play_id", "user_id", "song_name", "timestamp"}...],
"next": "/plays?page=N+1"}, without "next" on the last page. It starts with --initial plays and
adds one every --every seconds, as a real feed grows. Prints "listening on PORT" once ready.

    python3 song_plays_api.py --port 8000
"""
import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PAGE_SIZE = 50


class Plays:
    def __init__(self, initial, every_seconds):
        self.lock = threading.Lock()
        self.plays = []
        for _ in range(initial):
            self.add()
        if every_seconds > 0:
            threading.Thread(target=self.grow, args=(every_seconds,), daemon=True).start()

    def add(self):
        with self.lock:
            n = len(self.plays) + 1
            self.plays.append({"play_id": "play-%d" % n, "user_id": "musicenthusiast",
                               "song_name": "Example Song %d" % n, "timestamp": int(time.time())})

    def grow(self, every_seconds):
        while True:
            time.sleep(every_seconds)
            self.add()

    def page(self, number):
        with self.lock:
            start = (number - 1) * PAGE_SIZE
            items = self.plays[start:start + PAGE_SIZE]
            more = len(self.plays) > start + PAGE_SIZE
        body = {"plays": items}
        if more:
            body["next"] = "/plays?page=%d" % (number + 1)
        return body


def handler_for(plays):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            url = urlparse(self.path)
            if url.path != "/plays":
                self.send_error(404)
                return
            try:
                number = int(parse_qs(url.query).get("page", ["1"])[0])
                if number < 1:
                    raise ValueError
            except ValueError:
                self.send_error(400, "page must be a whole number >= 1")
                return
            body = json.dumps(plays.page(number)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--initial", type=int, default=3, help="plays there at the start")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between new plays (0: none)")
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", options.port), handler_for(Plays(options.initial, options.every)))
    print("listening on %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
