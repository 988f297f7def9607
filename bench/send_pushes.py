#!/usr/bin/env python3
"""Sends every request of a gen-requests file (PATH<TAB>BODY per line) exactly once, over a few
keep-alive connections, and fails unless each is answered 200.

Usage: send_pushes.py PORT FILE [CONNECTIONS]

Unlike wrk, which runs for a time, this sends an exact number of requests: bench/callgrind.sh
divides instruction counts by it. Standard library only.
"""

import http.client
import sys
import threading


def send(port, lines, failures):
    try:
        send_all(port, lines, failures)
    except (OSError, http.client.HTTPException) as error:
        failures.append(f"connection failed: {error}")


def send_all(port, lines, failures):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "text/xml"}
    for line in lines:
        path, body = line.split("\t", 1)
        connection.request("POST", path, body.encode(), headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            failures.append(f"{response.status} for {path.split('?')[0]}")
    connection.close()


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: send_pushes.py PORT FILE [CONNECTIONS]")
    port = int(sys.argv[1])
    connections = int(sys.argv[3]) if len(sys.argv) == 4 else 4
    with open(sys.argv[2], encoding="utf-8") as file:
        lines = [line.rstrip("\n") for line in file if line.strip()]
    failures = []
    threads = [
        threading.Thread(target=send, args=(port, lines[k::connections], failures))
        for k in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{len(failures)} of {len(lines)} requests failed, first: {failures[0]}")
    print(len(lines))


if __name__ == "__main__":
    main()
