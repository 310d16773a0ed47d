"""The GIL is released while a model runs, so Sessions on different Python threads run at the
same time. Proved without timing anything (the project allows no timed assertions in tests):

With the interpreter's switch interval set to 100 s, a thread holding the GIL keeps it until it
releases it by itself (blocking, or a C call that releases it): no forced switch happens during
these tests. A worker thread sets a flag, calls the model in a loop, and clears the flag. The
main thread can execute Python again only when the worker gives up the GIL. If run() kept the
GIL, the main thread would get it back only after the worker finished (flag cleared); since it
observes the flag set, the worker was inside run() (with the GIL released, or taking it back at
the very end of a run) while the main thread ran Python. With two workers on two Sessions, the
main thread observes both flags set: both threads are inside their run() calls at once."""
import sys
import threading

import numpy as np
import pytest

import layerscope


@pytest.fixture
def no_forced_switches():
    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    yield
    sys.setswitchinterval(old)


def worker(call, flags, key, stop, results, max_calls=1000):
    """flags[key] is True from before the first call until after the last one; the loop ends
    when `stop` is set or after max_calls (so a runtime that kept the GIL ends the test instead
    of hanging it)."""
    flags[key] = True
    n = 0
    while not stop.is_set() and n < max_calls:
        results.append(call())
        n += 1
    flags[key] = False


def test_run_releases_the_gil(matmul_model, no_forced_switches):
    s = layerscope.Session(matmul_model)
    x = np.random.default_rng(1).standard_normal((512, 64)).astype(np.float32)
    flags, stop, results = {}, threading.Event(), []
    t = threading.Thread(target=worker, args=(lambda: s.run({"x": x})[0], flags, "a", stop, results))
    t.start()  # returns once this thread holds the GIL again
    seen = flags["a"]
    stop.set()
    t.join()
    assert seen, "the main thread ran only after the worker's run() calls ended: run() kept the GIL"
    assert all(np.array_equal(r, results[0]) for r in results)


def test_profile_releases_the_gil(matmul_model, no_forced_switches):
    s = layerscope.Session(matmul_model)
    x = np.ones((512, 64), np.float32)
    flags, stop, results = {}, threading.Event(), []
    t = threading.Thread(target=worker, args=(lambda: s.profile({"x": x}, warmup=1, runs=2), flags, "a", stop,
                                              results, 20))
    t.start()
    seen = flags["a"]
    stop.set()
    t.join()
    assert seen, "profile() kept the GIL"
    assert results and len(results[0].layers) >= 2


def test_two_sessions_run_at_the_same_time(matmul_model, no_forced_switches):
    sessions = [layerscope.Session(matmul_model, threads=1) for _ in range(2)]
    x = np.random.default_rng(2).standard_normal((512, 64)).astype(np.float32)
    expected = sessions[0].run({"x": x})[0]
    flags, stop = {}, threading.Event()
    results = {0: [], 1: []}
    threads = [threading.Thread(target=worker, args=(lambda s=s: s.run({"x": x})[0], flags, i, stop, results[i]))
               for i, s in enumerate(sessions)]
    for t in threads:
        t.start()
    seen = (flags[0], flags[1])
    stop.set()
    for t in threads:
        t.join()
    assert seen == (True, True), "both threads were not inside run() at the same time"
    for i in (0, 1):
        assert results[i] and all(np.array_equal(r, expected) for r in results[i])


def test_one_session_shared_by_threads_serializes_correctly(matmul_model):
    s = layerscope.Session(matmul_model)
    inputs = [np.random.default_rng(i).standard_normal((4, 64)).astype(np.float32) for i in range(4)]
    expected = [s.run({"x": x})[0] for x in inputs]
    got = [[] for _ in inputs]

    def use(i):
        for _ in range(10):
            got[i].append(s.run({"x": inputs[i]})[0])
    threads = [threading.Thread(target=use, args=(i,)) for i in range(len(inputs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, outs in enumerate(got):
        assert len(outs) == 10 and all(np.array_equal(o, expected[i]) for o in outs)
