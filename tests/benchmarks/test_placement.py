"""Where an N-process run (`python -m benchmarks --processes N`) puts its server processes, client processes
and sockets; planned only, nothing is started."""

from __future__ import annotations

import pytest

from benchmarks.__main__ import main
from benchmarks.placement import place, split


def test_eight_servers_on_sixteen_cores_are_pinned_one_per_core_with_six_client_processes_beside_them():
    placement = place(list(range(16)), servers=8, clients=16000, senders=10)

    assert placement.pinned
    assert placement.server_cpus == [0, 1, 2, 3, 4, 5, 6, 7]
    assert placement.client_cpus == [{8}, {9}, {10}, {11}, {12}, {13}]
    assert placement.sender_cpus == {14}  # and core 15 is left to Redis
    assert placement.sender_sockets + sum(placement.shares) == 16000
    assert max(placement.shares) - min(placement.shares) <= 1
    assert placement.slices()[0] == (10, 10 + placement.shares[0])
    assert placement.slices()[-1][1] == 16000
    assert "pinned: server process i on CPU 0-7" in placement.describe()


def test_too_few_cores_leaves_everything_unpinned_with_one_client_process_unless_asked():
    assert not place([0, 1], servers=2, clients=1000, senders=10).pinned
    assert place([0, 1], servers=2, clients=1000, senders=10).shares == [990]
    assert place([0, 1], servers=2, clients=1000, senders=10, client_processes=3).shares == [330, 330, 330]
    assert "unpinned" in place([0, 1], servers=8, clients=16000, senders=10).describe()


def test_one_core_more_than_servers_pins_the_servers_and_puts_every_client_on_the_last_core():
    placement = place([0, 1, 2], servers=2, clients=100, senders=4, client_processes=2)

    assert placement.server_cpus == [0, 1]
    assert placement.client_cpus == [{2}, {2}]
    assert placement.sender_cpus == {2}


def test_sockets_split_evenly_and_a_client_process_never_gets_none():
    assert split(10, 3) == [4, 3, 3]
    assert place(list(range(16)), servers=8, clients=5, senders=4).shares == [1]
    with pytest.raises(ValueError, match="at least one server"):
        place([0, 1], servers=0, clients=10, senders=1)


def test_plan_only_prints_the_plan_of_eight_processes_and_sixteen_thousand_sockets(capsys):
    main(
        ["--processes", "8", "--clients", "16000", "--rates", "10,20,40", "--plan-only", "--plan-cores", "16"]
    )

    out = capsys.readouterr().out
    assert "scenarios baseline, uvicorn-redis" in out
    assert "8 server processes, 16,000 sockets in one room" in out
    assert "2,000, 2,000, 2,000, 2,000, 2,000, 2,000, 2,000, 2,000 per server process" in out
    assert "6 client processes: 2,665, 2,665" in out


def test_processes_refuse_a_scenario_whose_layer_cannot_cross_processes(capsys):
    with pytest.raises(SystemExit):
        main(["--processes", "2", "--scenarios", "uvicorn-memory", "--plan-only"])
    assert "needs a Redis layer" in capsys.readouterr().err
