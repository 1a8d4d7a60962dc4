"""Formatting throughput: messages a second one core turns into stored HTML (Markdown, links, sanitizer).

Run in its own process, pinned to one CPU (`python -m benchmarks.formatting`); the benchmark reports it
next to its tables. The mix is what a team writes: mostly plain sentences, some with a link, some with
formatting, the odd code block.
"""

from __future__ import annotations

import os
import sys
import time

SAMPLES = (
    "Sounds good, see you at the standup tomorrow.",
    "Deploy is done, everything looks fine so far",
    "Can someone review https://example.com/org/repo/pull/1234 before lunch?",
    "I **really** think we should ship it *today*, not ~~next week~~.",
    "The flag is `CHAT_RATE_LIMIT_MESSAGES`, set it in the environment.",
    "Steps:\n1. pull\n2. `make test`\n3. push",
    "```\ndef hello():\n    return 'world'\n```",
    "> quoting the spec here\nand answering below",
    "ping @someone about the meeting, mail them at someone@example.com",
    "ok",
)


def throughput(seconds: float = 2.0) -> float:
    from messaging.formatting import format_text

    mentionable = {"someone": 1}
    for sample in SAMPLES:  # warm up
        format_text(sample, mentionable)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for sample in SAMPLES:
            format_text(sample, mentionable)
        done += len(SAMPLES)
    return done / (time.perf_counter() - started)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    print(f"{throughput(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0):.0f}")


if __name__ == "__main__":
    main()
