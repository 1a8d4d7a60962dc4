"""Where the processes of an N-process run go: server processes, client processes, the sender, and which
sockets each client process owns.

With at least N + 1 cores, server i is pinned to the i-th core and the client processes to the cores left;
one core is left to the sender and one to Redis when there are enough (16 cores, 8 servers: 6 client
processes, as in the reference run of issue 11). With fewer cores nothing is pinned.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Placement:
    servers: int
    pinned: bool
    server_cpus: list[int | None]
    client_cpus: list[set[int] | None]
    sender_cpus: set[int] | None
    # Sockets held by the sender (the parent process) and by each client process, in cookie order.
    sender_sockets: int
    shares: list[int]

    @property
    def client_processes(self) -> int:
        return len(self.shares)

    def slices(self) -> list[tuple[int, int]]:
        """Each client process's sockets as [start, end) indexes into the cookies (after the sender's)."""
        bounds = []
        start = self.sender_sockets
        for share in self.shares:
            bounds.append((start, start + share))
            start += share
        return bounds

    def describe(self) -> str:
        if not self.pinned:
            return (
                f"unpinned: {self.servers} server process(es), {self.client_processes} client process(es) "
                "and the sender share the cores"
            )
        client = sorted({cpu for cpus in self.client_cpus if cpus for cpu in cpus})
        return (
            f"pinned: server process i on CPU {span(self.server_cpus)}, {self.client_processes} client "
            f"process(es) on CPU {span(client)}, sender on CPU {span(sorted(self.sender_cpus or ()))}"
        )


def span(cpus: list[int] | list[int | None]) -> str:
    values = [cpu for cpu in cpus if cpu is not None]
    if not values:
        return "-"
    if values == list(range(values[0], values[0] + len(values))) and len(values) > 1:
        return f"{values[0]}-{values[-1]}"
    return ",".join(str(cpu) for cpu in values)


def split(total: int, parts: int) -> list[int]:
    """`total` as evenly as possible over `parts` (the first ones get the remainder)."""
    base, extra = divmod(total, parts)
    return [base + (1 if n < extra else 0) for n in range(parts)]


def place(
    cores: list[int], servers: int, clients: int, senders: int, client_processes: int | None = None
) -> Placement:
    if servers < 1:
        raise ValueError("at least one server process")
    if clients < senders or senders < 1:
        raise ValueError("need at least one sender and no more senders than sockets")
    left = cores[servers:]
    pinned = len(cores) >= servers + 1
    if client_processes is None:
        # One core for the sender and one for Redis when the machine has them to spare.
        client_processes = max(1, len(left) - 2) if pinned else 1
    client_processes = max(1, min(client_processes, clients - senders or 1))
    shares = split(clients - senders, client_processes)
    if not pinned:
        return Placement(servers, False, [None] * servers, [None] * client_processes, None, senders, shares)
    client_cpus: list[set[int] | None] = [{left[n % len(left)]} for n in range(client_processes)]
    spare = left[client_processes:]
    sender_cpus = {spare[0]} if spare else set(left)
    return Placement(servers, True, list(cores[:servers]), client_cpus, sender_cpus, senders, shares)
