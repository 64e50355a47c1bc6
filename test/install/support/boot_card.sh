#!/bin/sh
# "Boot" a card made from a baked image, the way a read-only root runs it: in a private mount
# namespace (run under `unshare --mount --propagation private`), the card's tree is mounted
# read-only except its state directory; the host's libraries and programs stand in for the image's
# base OS (read-only too); then COMMAND runs chrooted in the card as UID:GID from the state
# directory, like the systemd unit (WorkingDirectory=/var/lib/freedmr).
#
#   boot_card.sh CARD UID:GID COMMAND [ARG...]
set -eu
card="$1"
ids="$2"
shift 2
state="$card/var/lib/freedmr"

mount --bind "$card" "$card"
mount --bind "$state" "$state"
mount -o remount,bind,ro "$card"
for dir in usr/lib usr/lib64 usr/bin; do
	if [ -d "/$dir" ] && [ -d "$card/$dir" ]; then
		mount --bind "/$dir" "$card/$dir"
		mount -o remount,bind,ro "$card/$dir"
	fi
done
mount -t proc proc "$card/proc"
mount --rbind /dev "$card/dev"

# The test is only meaningful if the root really is read-only and the state directory writable.
if touch "$card/etc/.write-probe" 2>/dev/null; then
	echo "boot_card.sh: the card's root is writable; refusing to run" >&2
	exit 97
fi
if ! touch "$state/.write-probe" 2>/dev/null; then
	echo "boot_card.sh: the card's state directory is not writable" >&2
	exit 98
fi
rm -f "$state/.write-probe"

exec chroot --userspec="$ids" "$card" /bin/sh -c 'cd /var/lib/freedmr && exec "$@"' sh "$@"
