"""Daily power summary: a Databox container app in plain Python (standard library only).

The box starts this file in the databox/python-base image with two environment variables:
DATABOX_API_SOCKET (a unix socket) and DATABOX_RUN_TOKEN (this run's bearer token). Every call
is `POST /v1/call` with `{"method": ..., "params": ...}`; the answer is `{"result": ...}` or
`{"error": {"code": ..., "message": ...}}`. The container has no network, a read-only root and
runs as nobody: the socket is the only way out.
"""

import http.client
import json
import os
import socket
import sys
from datetime import datetime, timezone


class AppApiError(Exception):
    """A refusal from the box, with its stable code (forbidden, bad_request, ...)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client over the run's unix socket instead of TCP."""

    def __init__(self, path):
        super().__init__("databox")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def call(method, params=None):
    """Calls the app API; returns `result` or raises AppApiError with the box's code and message."""
    body = json.dumps({"method": method, "params": params or {}})
    conn = UnixHTTPConnection(os.environ["DATABOX_API_SOCKET"])
    try:
        conn.request("POST", "/v1/call", body, {
            "Authorization": "Bearer " + os.environ["DATABOX_RUN_TOKEN"],
            "Content-Type": "application/json",
        })
        response = conn.getresponse()
        answer = json.loads(response.read() or b"{}")
    finally:
        conn.close()
    if response.status == 200:
        return answer.get("result")
    error = answer.get("error") or {}
    raise AppApiError(error.get("code", "internal"), error.get("message", "HTTP %d" % response.status))


def log(message, level="info"):
    call("log", {"level": level, "message": message})


def household_zone():
    """The household's zone if the householder shares it (`box.timeZone`), else UTC; and its name.

    The container's own clock is UTC whatever the box's zone: the zone comes only from the box.
    """
    name = (call("box.timeZone") or {}).get("timeZone")
    if not name:
        return timezone.utc, "UTC"
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name), name
    except Exception as error:  # no zone database in the image: say so and stay in UTC
        log("cannot use the time zone %s (%s): hours are in UTC" % (name, error), "warn")
        return timezone.utc, "UTC"


def summarise(points, threshold, zone=timezone.utc):
    """The day's mean, its peak hour (0-23, local to `zone`) and the hours whose mean is above `threshold` W."""
    if not points:
        return {"hours": 0, "peakHour": None, "peakWatts": None, "hoursAbove": 0}, None
    peak = max(points, key=lambda p: p["v"])
    mean = sum(p["v"] for p in points) / len(points)
    data = {
        "hours": len(points),
        # the box serves hourly buckets on the household's local hours, so the start names the hour
        "peakHour": datetime.fromtimestamp(peak["t"] / 1000, zone).hour,
        "peakWatts": peak["v"],
        "hoursAbove": sum(1 for p in points if p["v"] > threshold),
    }
    return data, mean


def main():
    settings = call("settings.get") or {}
    threshold = settings.get("thresholdWatts", 2000)
    try:
        read = call("data.read", {"request": "power"})
    except AppApiError as error:
        if error.code != "forbidden":
            raise
        log("power is not readable: " + str(error), "warn")
        read = {"points": []}
    zone, zone_name = household_zone()
    data, mean = summarise(read["points"], threshold, zone)
    data["timeZone"] = zone_name
    log("python %s read %d hourly means" % (sys.version.split()[0], data["hours"]))
    if mean is None:
        summary = "No power readings in the last day."
    else:
        summary = "Mean %.0f W; peak %.0f W at %02d:00 (%s); %d h above %g W." % (
            mean, data["peakWatts"], data["peakHour"], zone_name, data["hoursAbove"], threshold)
    insight = {"key": "daily-summary", "title": "Yesterday's power", "summary": summary, "unit": "W", "data": data}
    if mean is not None:
        insight["value"] = round(mean, 1)
    call("insight.emit", insight)


if __name__ == "__main__":
    try:
        main()
    except AppApiError as error:
        # tell the box why, in the words and code every runtime uses, then fail the run
        try:
            call("run.fail", {"message": str(error), "code": error.code})
        except Exception:
            pass
        print("app failed: %s (%s)" % (error, error.code), file=sys.stderr)
        sys.exit(1)
    except Exception as error:
        try:
            call("run.fail", {"message": str(error) or type(error).__name__})
        except Exception:
            pass
        raise
