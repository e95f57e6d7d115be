"""The measuring scripts' shared timing loop: each way of doing one thing, called in turn, round after round."""

import time


def print_cpu_rounds(ways, rounds, calls):
    """Call each of `ways` (name -> a function of no arguments) once untimed, then, for `rounds` rounds, `calls` times
    each in turn (the ways alternating, so that a disturbance hits them all), printing each way's CPU time a call
    (`time.process_time`: the work, not the wait)."""
    for way in ways.values():
        way()
    for round_ in range(rounds):
        for name, way in ways.items():
            start = time.process_time()
            for _ in range(calls):
                way()
            print(f"round {round_ + 1}: {name}: {(time.process_time() - start) / calls * 1000:.2f} ms CPU a call")
