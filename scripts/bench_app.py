#!/usr/bin/env python3
"""Measures the desktop app for scripts/bench-app.sh (run it through that script: it builds the
app, seeds the 500-asset queue and starts Xvfb and a D-Bus session around this helper).

    bench_app.py APP ROUNDS OUT_DIR [SEEDED_DATA_DIR]

Each round starts APP in a fresh HOME/XDG tree and a fresh data dir (VODSTUDIO_DATA_DIR), with
VODSTUDIO_STARTUP_PROBE=1: the app prints `startup-probe: <command> <ms> ms` on stderr at the
first call of each command from the window. The UI's first call (app_info) comes from onMount,
right after the first render, so "spawn -> app_info" is the time to an interactive window, timed
here from just before the spawn to the line arriving on the pipe.

Without SEEDED_DATA_DIR the data dir starts empty (idle figures); with it, each round restores
that dir from SEEDED_DATA_DIR.pristine (500 queued assets) and runs on it while this helper holds the queue's run.lock, as a
`vodstudio run` elsewhere would: the app follows the queue instead of uploading it, so the assets
stay queued. In that mode the screen is also captured every ~0.2 s for the first seconds, to time
when it first looks as it does once settled (the cards rendered).

RSS is read from /proc after IDLE_S seconds: the app process alone, and with all its descendants
(WebKitWebProcess, WebKitNetworkProcess, ...). Prints one JSON line per round on stdout.
"""

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

IDLE_S = float(os.environ.get("BENCH_IDLE_S", "10"))
START_TIMEOUT_S = 60.0


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def descendants(root):
    """Every live process under `root` (by parent pid), as {pid: comm}."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # The comm field may hold spaces: the ppid is the second field after its closing ')'.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = {}, [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found[child] = comm(child)
            todo.append(child)
    return found


def screen_shot(path):
    subprocess.run(["import", "-window", "root", path], check=True, stderr=subprocess.DEVNULL)


def differing_pixels(a, b):
    out = subprocess.run(
        ["compare", "-metric", "AE", "-fuzz", "3%", a, b, "null:"],
        capture_output=True, text=True,
    )
    try:
        return int(float(out.stderr.split()[0]))
    except (ValueError, IndexError):
        return 1 << 30


def one_round(app, n, out_dir, seeded):
    tmp = tempfile.mkdtemp(prefix=f"vodstudio-bench-{n}-")
    try:
        for d in ("home", "config", "data", "cache", "runtime", "shots"):
            os.makedirs(os.path.join(tmp, d))
        os.chmod(os.path.join(tmp, "runtime"), 0o700)
        data_dir = os.path.join(tmp, "data", "vodstudio")
        lock = None
        if seeded:
            # The queue records its posters' absolute paths, and the window may only read posters
            # under its own data dir: restore the seeded dir where it was made.
            data_dir = seeded
            shutil.rmtree(data_dir, ignore_errors=True)
            shutil.copytree(seeded + ".pristine", data_dir, symlinks=True)
            lock = open(os.path.join(data_dir, "run.lock"), "a")
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        env = dict(os.environ)
        env.update({
            "HOME": os.path.join(tmp, "home"),
            "XDG_CONFIG_HOME": os.path.join(tmp, "config"),
            "XDG_DATA_HOME": os.path.join(tmp, "data"),
            "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
            "XDG_RUNTIME_DIR": os.path.join(tmp, "runtime"),
            "VODSTUDIO_DATA_DIR": data_dir,
            "VODSTUDIO_STARTUP_PROBE": "1",
            # No GPU here: software rendering avoids EGL/DMA-BUF failures in WebKitGTK.
            "WEBKIT_DISABLE_DMABUF_RENDERER": "1",
            "LIBGL_ALWAYS_SOFTWARE": "1",
        })
        log_path = os.path.join(out_dir, f"round{n}{'-500' if seeded else ''}.log")
        probes = {}
        first_ipc = threading.Event()

        t0 = time.monotonic()
        proc = subprocess.Popen([app], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def read_stderr():
            with open(log_path, "w") as log:
                for line in proc.stderr:
                    now = time.monotonic()
                    log.write(line)
                    log.flush()
                    if line.startswith("startup-probe: "):
                        parts = line.split()
                        probes[parts[1]] = {"spawn_ms": (now - t0) * 1e3, "in_app_ms": float(parts[2])}
                        if parts[1] == "app_info":
                            first_ipc.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()

        shots = []
        if seeded:
            # Capture the screen until a few seconds after the first call, then settle.
            deadline = t0 + START_TIMEOUT_S
            while time.monotonic() < deadline and proc.poll() is None:
                path = os.path.join(tmp, "shots", f"{len(shots):03d}.ppm")
                screen_shot(path)
                shots.append((time.monotonic(), path))
                if first_ipc.is_set() and time.monotonic() - t0 > probes["app_info"]["spawn_ms"] / 1e3 + 4:
                    break
                time.sleep(0.15)
        while not first_ipc.wait(0.1):
            if proc.poll() is not None or time.monotonic() - t0 > START_TIMEOUT_S:
                proc.kill()
                reader.join(5)
                raise SystemExit(f"round {n}: the window made no call (log: {log_path}):\n"
                                 + open(log_path).read()[-2000:])
        start_ms = probes["app_info"]["spawn_ms"]
        # Idle: IDLE_S seconds after the window became interactive.
        time.sleep(max(0.0, t0 + start_ms / 1e3 + IDLE_S - time.monotonic()))
        if proc.poll() is not None:
            raise SystemExit(f"round {n}: the app exited early (log: {log_path})")
        procs = descendants(proc.pid)
        app_kib = rss_kib(proc.pid)
        children = {pid: (name, rss_kib(pid)) for pid, name in procs.items()}
        web_kib = sum(k for name, k in children.values() if name.startswith("WebKit"))
        total_kib = app_kib + sum(k for _, k in children.values())

        settled_ms = None
        final = os.path.join(out_dir, f"round{n}{'-500' if seeded else ''}.png")
        screen_shot(final)
        if seeded:
            # The first capture that looks like the settled screen (fewer than 0.2 % of the pixels
            # differ): the capture finished then, so this is an upper bound by up to one interval.
            for when, path in shots:
                if differing_pixels(path, final) < 1280 * 800 * 0.002:
                    settled_ms = (when - t0) * 1e3
                    break

        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reader.join(5)
        if lock:
            lock.close()
        return {
            "round": n,
            "queued": bool(seeded),
            "start_ms": round(start_ms, 1),
            "start_in_app_ms": probes["app_info"]["in_app_ms"],
            "list_assets_ms": round(probes.get("list_assets", {}).get("spawn_ms", -1), 1),
            "settled_screen_ms": None if settled_ms is None else round(settled_ms, 1),
            "app_kib": app_kib,
            "web_kib": web_kib,
            "total_kib": total_kib,
            "children": sorted(f"{name}={k}" for name, k in children.values()),
            "screenshot": final,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    app, rounds, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seeded = sys.argv[4] if len(sys.argv) > 4 else None
    os.makedirs(out_dir, exist_ok=True)
    for n in range(1, rounds + 1):
        print(json.dumps(one_round(app, n, out_dir, seeded)), flush=True)


if __name__ == "__main__":
    main()
