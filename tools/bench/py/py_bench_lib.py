"""Two identical functions: py_bench.map binds `bound`, never `unbound`."""


def bound(x):
    return x + 1


def unbound(x):
    return x + 1
