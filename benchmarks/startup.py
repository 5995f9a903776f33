"""How long until the home screen answers a key: `python -m benchmarks.startup [runs]`.

Each run is a fresh Python process (nothing cached in memory, honest imports), driving
the real app headless with `App.run_test`. Times are measured from just before the
process is spawned:

- ready:   the home screen is mounted and has painted its first frame (run_test returns);
- key:     a Down key sent right after that has moved the highlight in the modes list
           (the app is interactive while the packs and checker load in a worker thread);
- packs:   the packs are loaded and the tables filled;
- warm:    sympy, numpy, fsrs and the checker are imported and exercised (the first
           answer check will not pay for imports).

The target is `key` under 1 s on a 2-core machine. Prints the median and range.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import time
T0 = time.time()
import asyncio, json, os, sys
from quizapp.tui.app import create_app
from quizapp.tui.messages import LibraryLoaded

seen = {}


def hook(message):
    if isinstance(message, LibraryLoaded):
        seen.setdefault("packs", time.time())

async def main():
    t_create = time.time()
    app = create_app()
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        t_ready = time.time()
        # Send Down and watch for its effect (the highlight moves down the modes list).
        # Pilot.press itself also waits for the whole process to go idle, which the
        # background loader prevents, so its return time would not measure the UI.
        modes = app.screen.query_one("#modes")
        before = modes.highlighted
        press = asyncio.create_task(pilot.press("down"))
        deadline = time.time() + 30
        while modes.highlighted == before and time.time() < deadline:
            await asyncio.sleep(0.002)
        t_key = time.time()
        screen = type(app.screen).__name__
        while not app.engine_ready:
            await asyncio.sleep(0.005)
        t_warm = time.time()
        t_packs = seen["packs"]
        await press
        questions = len(app.library.questions) if app.library else 0
    print(json.dumps({"t0": T0, "create": t_create, "ready": t_ready, "key": t_key,
                      "packs": t_packs, "warm": t_warm, "screen": screen,
                      "questions": questions}))

asyncio.run(main())
"""

PHASES = ("create", "ready", "key", "packs", "warm")


def one_run() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QUIZAPP_HOME": home}
        spawned = time.time()
        out = subprocess.run(
            [sys.executable, "-c", CHILD],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"the app failed to start:\n{out.stderr}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if data["screen"] != "HomeScreen":
        raise SystemExit(f"expected the home screen, got {data['screen']}")
    result = {phase: data[phase] - spawned for phase in PHASES}
    result["interpreter"] = data["t0"] - spawned
    result["questions"] = data["questions"]
    return result


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 5
    print(f"quizapp start-up, {runs} fresh processes ({os.cpu_count()} CPUs), seconds from spawn")
    results = [one_run() for _ in range(runs)]
    labels = {
        "interpreter": "python started (before any import)",
        "create": "app module imported, app created",
        "ready": "home screen painted (first frame)",
        "key": "first key press processed  <- target < 1 s",
        "packs": "packs loaded, home tables filling",
        "warm": "checker warm (sympy/numpy/fsrs)",
    }
    for phase, label in labels.items():
        values = [r[phase] for r in results]
        print(
            f"  {label:<44} median {statistics.median(values):6.3f}"
            f"   min {min(values):6.3f}   max {max(values):6.3f}"
        )
    print(f"  ({results[0]['questions']:.0f} questions loaded)")


if __name__ == "__main__":
    main(sys.argv[1:])
