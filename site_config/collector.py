"""The garbage collector tuned for a process that holds thousands of long-lived sockets.

CPython's full collection walks every tracked object. With 1,000 sockets open (and Django's own modules,
templates and URL patterns) one took 110-190 ms on this project's 2-core machine, during which no socket
got a frame: the benchmark's p99 at 20 msg/s went from about 35 ms to 160-170 ms whenever one fell into a
step. Two changes (docs/measurements.md, "Garbage collection"):

- What is loaded before the first request lives as long as the process: `gc.freeze()` moves it out of every
  future collection.
- The youngest generation is collected after 7,000 allocations instead of 700. Fewer objects that are only
  briefly alive (a frame being fanned out, a message being rendered) are caught mid-flight and promoted, so
  the older generations, and full collections, fill up far more slowly. A collection of the youngest
  generation still takes well under a millisecond (0.06 ms on average, 0.1 at most, measured over a
  benchmark run).
"""

from __future__ import annotations

import gc

YOUNGEST_THRESHOLD = 7000


def tune() -> None:
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_THRESHOLD, middle, oldest)
