#!/bin/bash
# A second --gdb on a port the first one holds: refused at once, with the reason.
set -u
port=$((20000 + RANDOM % 30000))
build/tagvisor run --gdb=$port build/guests/hello.elf </dev/null >/dev/null 2>&1 &
first=$!
sleep 1.5
build/tagvisor run --gdb=$port build/guests/hello.elf </dev/null >/dev/null 2>/tmp/gdb2.$$
status=$?
kill $first
wait $first 2>/dev/null
grep -q "port $port on 127.0.0.1 is taken" /tmp/gdb2.$$ && echo "second --gdb: exit status $status, port taken"
rm -f /tmp/gdb2.$$
