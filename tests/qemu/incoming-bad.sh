#!/bin/bash
# A destination (`tagvisor run --incoming`) fed a stream it must refuse, by a source that
# is a plain TCP client (bash's /dev/tcp): it must exit with status 7 and a message
# saying why, within its --peer-timeout of 3 s where the source stalls, with its QEMU
# gone. Prints the destination's stderr.
#   tests/qemu/incoming-bad.sh truncated|corrupt|version|oversized|garbage|slow|silent|closed
set -u
mode=$1
dir=$(mktemp -d)
trap 'kill "$dpid" 2>/dev/null; rm -rf "$dir"' EXIT
good=$dir/good.tvsnap
build/tagvisor run --snapshot "$good" --snapshot-at 30000000 --mte build/guests/mte_stress.elf \
	>/dev/null 2>&1 || { echo "cannot make a stream"; exit 7; }
size=$(stat -c %s "$good")
bad=$dir/bad
case $mode in
truncated) head -c $((size / 2)) "$good" >"$bad" ;;
corrupt)
	# One byte in the middle, inverted (whatever it was, it changes).
	cp "$good" "$bad"
	byte=$(od -An -tu1 -j $((size / 2)) -N 1 "$good" | tr -d ' ')
	printf "\\$(printf '%03o' $((255 - byte)))" | dd of="$bad" bs=1 seek=$((size / 2)) \
		conv=notrunc status=none ;;
version) cp "$good" "$bad"; printf '\x09' | dd of="$bad" bs=1 seek=8 conv=notrunc status=none ;;
oversized)
	# A valid header, then a CONFIG record that claims 4 GiB of payload.
	head -c 40 "$good" >"$bad"
	printf '\x01\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00' >>"$bad" ;;
garbage) head -c 100000 /dev/urandom >"$bad" ;;
*) : >"$bad" ;;
esac
for try in 1 2 3 4 5 6 7 8; do
	port=$((20000 + RANDOM % 30000))
	build/tagvisor run --timeout 60 --peer-timeout 3 --incoming "tcp:127.0.0.1:$port" \
		</dev/null >"$dir/out" 2>"$dir/err" &
	dpid=$!
	for _ in $(seq 50); do
		grep -q "waiting for a migration" "$dir/err" 2>/dev/null && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$dpid" 2>/dev/null && break
	wait "$dpid"
done
start=$(date +%s)
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 7
case $mode in
slow)
	# Twenty bytes, one every half second: alive, but far too slow.
	for i in $(seq 20); do head -c "$i" "$good" | tail -c 1 >&3 2>/dev/null || break; sleep 0.5; done ;;
silent) sleep 6 ;;
closed) exec 3>&- ;;
truncated) cat "$bad" >&3 2>/dev/null; exec 3>&- ;;
*) cat "$bad" >&3 2>/dev/null; sleep 1 ;;
esac
verdict=$(case $mode in closed | truncated) ;; *) timeout 5 head -n 1 <&3 2>/dev/null ;; esac)
exec 3>&-
wait "$dpid"
status=$?
dpid=""
cat "$dir/err"
echo "verdict sent to the source: ${verdict:-none}"
echo "destination exit status $status after $(($(date +%s) - start)) s"
