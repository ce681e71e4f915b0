"""The seed's Python instrumentation code (../shared/seed/mcp-instrumentation-patterns.md,
sections 2.1, 3.1 and 4.1) with its OpenTelemetry calls taken out: the classes and
methods keep their names, parameters, return values and async-ness, so that
mcp-bpftrace can bind them by name (tests/python/seed.map) as a user would bind
the same functions of their own agent."""
