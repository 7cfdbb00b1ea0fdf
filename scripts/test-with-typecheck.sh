#!/bin/sh
# `pnpm test`: type checking and the test run side by side rather than one after the other (tsc waits on
# nothing the tests do, and the tests mostly wait on I/O). Fails if either fails; both always finish, so one
# run reports every type error and every failing test.
pnpm typecheck &
typecheck=$!
vitest run "$@"
tests=$?
wait "$typecheck"
types=$?
[ "$types" -eq 0 ] || echo "pnpm test: type checking failed (exit $types)" >&2
[ "$tests" -eq 0 ] || echo "pnpm test: tests failed (exit $tests)" >&2
[ "$types" -eq 0 ] && [ "$tests" -eq 0 ]
