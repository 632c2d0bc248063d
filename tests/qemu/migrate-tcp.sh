#!/bin/bash
# Live migration between two separate tagvisor processes over TCP, as QEMU's -incoming:
#   tests/qemu/migrate-tcp.sh [--netns] [--dst "DEST OPTIONS"] RUN OPTIONS...
# starts `tagvisor run --incoming tcp:ADDR:PORT DEST OPTIONS` (in a network namespace of
# its own with --netns, a veth pair between it and us), then `tagvisor run --migrate-to
# tcp:ADDR:PORT RUN OPTIONS` here. Prints the source's console, then the destination's,
# their stderr to ours, and exits with the destination's status if the guest moved,
# else with the source's (as tagvisor migrate does).
set -u
netns=0
dst_opts=""
while :; do
	case ${1:-} in
	--netns) netns=1; shift ;;
	--dst) dst_opts=$2; shift 2 ;;
	*) break ;;
	esac
done
dir=$(mktemp -d)
ns=""
cleanup() {
	[ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null
	if [ -n "$ns" ]; then
		ip link del "tvh$$" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	fi
	rm -rf "$dir"
}
trap cleanup EXIT
addr=127.0.0.1
run_dst() { "$@"; }
if [ "$netns" = 1 ]; then
	# A second "machine": its own network stack, reached over a veth pair.
	ns=tvmig$$
	net=$((($$ % 200) + 20))
	ip netns add "$ns" || exit 7
	ip link add "tvh$$" type veth peer name "tvd$$" || exit 7
	ip link set "tvd$$" netns "$ns"
	ip addr add "10.77.$net.1/24" dev "tvh$$"
	ip link set "tvh$$" up
	ip netns exec "$ns" ip addr add "10.77.$net.2/24" dev "tvd$$"
	ip netns exec "$ns" ip link set "tvd$$" up
	ip netns exec "$ns" ip link set lo up
	addr=10.77.$net.2
	run_dst() { ip netns exec "$ns" "$@"; }
fi
# A free port: let the destination try until one binds.
for try in 1 2 3 4 5 6 7 8; do
	port=$((20000 + RANDOM % 30000))
	# shellcheck disable=SC2086 # DEST OPTIONS is a word list
	run_dst build/tagvisor run --timeout 240 --peer-timeout 20 --incoming "tcp:$addr:$port" \
		$dst_opts </dev/null >"$dir/dst.out" 2>"$dir/dst.err" &
	dpid=$!
	for _ in $(seq 50); do
		grep -q "waiting for a migration" "$dir/dst.err" 2>/dev/null && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$dpid" 2>/dev/null && break
	wait "$dpid"
	grep -q "Address already in use" "$dir/dst.err" || { cat "$dir/dst.err" >&2; exit 7; }
done
build/tagvisor run --timeout 240 --migrate-to "tcp:$addr:$port" "$@" </dev/null >"$dir/src.out" \
	2>"$dir/src.err"
sstatus=$?
wait "$dpid"
dstatus=$?
dpid=""
cat "$dir/src.out" "$dir/dst.out"
cat "$dir/src.err" "$dir/dst.err" >&2
if grep -q "migrated to the destination" "$dir/src.err"; then
	exit $dstatus
fi
exit $sstatus
