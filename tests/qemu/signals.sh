#!/bin/bash
# SIGTERM and SIGINT to a running tagvisor (run, migrate, a run saving a snapshot, a
# destination waiting for a migration): it exits with 143 or 130, and every QEMU it
# started (found by PID, as its descendants) is gone, as are the temporary snapshot
# files; after SIGKILL too (137). Prints one line per case.
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0

descendants() { # PID: its descendants' PIDs, from /proc
	local pids=$1 all="" next
	while [ -n "$pids" ]; do
		next=""
		for p in $pids; do
			next="$next $(awk -v p="$p" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null)"
		done
		pids=$(echo $next)
		all="$all $pids"
	done
	echo $all
}

qemus_of() { # PIDs: those that are QEMU
	for p in "$@"; do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = qemu-system-aar ] && echo "$p"
	done
}

# case NAME SIGNAL WANT-STATUS WANT-QEMUS TAGVISOR-ARGS...
# SIGNAL "INT-GROUP" is Ctrl-C in a terminal: SIGINT to tagvisor's whole process group.
case_() {
	local name=$1 sig=$2 want=$3 nq=$4 pid qemus status left st target
	shift 4
	if [ "$sig" = INT-GROUP ]; then
		setsid build/tagvisor "$@" </dev/null >"$dir/$name.out" 2>"$dir/$name.err" &
	else
		build/tagvisor "$@" </dev/null >"$dir/$name.out" 2>"$dir/$name.err" &
	fi
	pid=$!
	for _ in $(seq 300); do # a loaded machine can take long to start QEMU
		qemus=$(qemus_of $(descendants $pid))
		[ "$(echo $qemus | wc -w)" -ge "$nq" ] && break
		sleep 0.1
	done
	sleep 1 # well into the run
	qemus=$(qemus_of $(descendants $pid))
	if [ "$sig" = INT-GROUP ]; then
		target=-$pid # setsid made it its group's leader
		sig=INT
	else
		target=$pid
	fi
	kill "-$sig" -- "$target"
	wait "$pid"
	status=$?
	# A QEMU killed with its parent still has its memory to tear down: give it 10 s.
	for _ in $(seq 100); do
		left=""
		for q in $qemus; do
			# Alive, or dead but unreaped (a zombie: it runs nothing)?
			st=$(awk '{ print $3 }' "/proc/$q/stat" 2>/dev/null)
			[ -n "$st" ] && [ "$st" != Z ] && left="$left $q"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ "$status" = "$want" ] && [ -z "$left" ] && [ "$(echo $qemus | wc -w)" = "$nq" ] &&
		[ -z "$(ls -A "$dir/snap")" ]; then
		echo "$name: exit status $status, $nq QEMU stopped, nothing left behind"
	else
		echo "$name: FAIL: exit status $status (want $want), QEMUs $qemus, left:$left," \
			"files: $(ls -A "$dir/snap")" | tee /dev/stderr
		tail -n 5 "$dir/$name.err" >&2
		failed=1
	fi
}

mkdir -p "$dir/snap"
case_ run_sigterm TERM 143 1 run build/guests/spin.elf
case_ run_sigint INT 130 1 run build/guests/spin.elf
case_ run_ctrl_c INT-GROUP 130 1 run build/guests/spin.elf
case_ snapshot_sigterm TERM 143 1 run --snapshot "$dir/snap/s.tvsnap" --snapshot-at 60s build/guests/spin.elf
case_ migrate_sigterm TERM 143 2 migrate --migrate-at 30s build/guests/spin.elf
case_ migrate_sigint INT 130 2 migrate --migrate-at 30s build/guests/spin.elf
case_ incoming_sigterm TERM 143 1 run --incoming "tcp:127.0.0.1:$((20000 + RANDOM % 30000))"
# SIGKILL leaves tagvisor no time to clean up: QEMU must die with it all the same.
case_ run_sigkill KILL 137 1 run build/guests/spin.elf
case_ migrate_sigkill KILL 137 2 migrate --migrate-at 30s build/guests/spin.elf
exit $failed
