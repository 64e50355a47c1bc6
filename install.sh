#!/bin/sh
# freedmr installer: downloads the freedmr binary for this machine, checks it against SHA256SUMS,
# installs it with a config, a system user, a state directory and a hardened systemd unit, and
# starts it. Re-running upgrades in place (the config is never overwritten).
#
#   curl -fsSL https://<base>/install.sh | sh                  install or upgrade
#   curl -fsSL https://<base>/install.sh | sh -s -- --uninstall   remove binary and unit, keep config and data
#   sh install.sh --image DIR                                     bake into an SD-card image's root tree
#
# Environment:
#   FREEDMR_BASE_URL  where freedmr-linux-<arch> and SHA256SUMS are downloaded from
#   FREEDMR_ROOT      install under this directory instead of / (packaging and tests); no user is
#                     created and systemd is not touched
#   FREEDMR_ARCH      override the detected machine type (uname -m; with --image, the image's)
#   FREEDMR_NO_START  set to 1 to install without enabling/starting the service
#
# Image mode (--image DIR) runs nothing of the image: it lays out what a first boot needs — the
# binary for the image's architecture, the config with hbp.passphrase_file (no secret: each card
# creates its own at first boot, freedmr --first-boot), the unit enabled by its .wants symlink, the
# user and state directory as sysusers.d/tmpfiles.d files (applied to the image's /etc/passwd with
# the host's systemd-sysusers --root when it has one) and the sysctl file.
#
# POSIX sh; needs curl or wget, and sha256sum, shasum or openssl.
set -eu

DEFAULT_BASE_URL="https://github.com/freedmr/freedmr/releases/latest/download"
BASE_URL="${FREEDMR_BASE_URL:-$DEFAULT_BASE_URL}"
ROOT="${FREEDMR_ROOT:-}"
ROOT="${ROOT%/}"

BIN_PATH="/usr/local/bin/freedmr"
CONFIG_DIR="/etc/freedmr"
CONFIG_PATH="$CONFIG_DIR/freedmr.toml"
STATE_DIR="/var/lib/freedmr"
UNIT_PATH="/etc/systemd/system/freedmr.service"
WANTS_LINK="/etc/systemd/system/multi-user.target.wants/freedmr.service"
SYSCTL_PATH="/etc/sysctl.d/60-freedmr.conf"
SYSUSERS_PATH="/etc/sysusers.d/freedmr.conf"
TMPFILES_PATH="/etc/tmpfiles.d/freedmr.conf"
PASSPHRASE_FILE="$STATE_DIR/passphrase"
DEFAULT_PORT=62031
RMEM_MAX=4194304 # the default hbp.receive_buffer_bytes
SERVICE_USER="freedmr"

say() { printf '%s\n' "freedmr-install: $*"; }
warn() { printf '%s\n' "freedmr-install: warning: $*" >&2; }
die() {
	printf '%s\n' "freedmr-install: error: $*" >&2
	exit 1
}

usage() {
	cat <<'EOF'
Usage: install.sh [--image DIR] [--uninstall] [--help]

Installs or upgrades freedmr: /usr/local/bin/freedmr, /etc/freedmr/freedmr.toml (created once, with a
random passphrase), /var/lib/freedmr, a system user "freedmr" and the systemd unit freedmr.service.
--uninstall removes the binary and the unit but keeps the config, the data and the user.

--image DIR bakes freedmr into the root tree DIR of an SD-card image without running anything of
it: the binary for the image's architecture, a config that reads the passphrase from
/var/lib/freedmr/passphrase (created with a random passphrase at each card's first boot), the unit
enabled for multi-user.target, sysusers.d/tmpfiles.d entries for the user and state directory, and
the sysctl file. No secret is baked in.

Environment: FREEDMR_BASE_URL (download location), FREEDMR_ROOT (install under a directory instead
of /, without creating users or touching systemd), FREEDMR_ARCH (override uname -m; with --image,
the image's machine type, otherwise read from the image's /usr/bin/env), FREEDMR_NO_START=1 (do not
enable or start the service).
EOF
}

# --- privileges -----------------------------------------------------------------------------
# With FREEDMR_ROOT (or --image) set everything goes under that directory as the current user.
# Otherwise we need root; when not root, use sudo for the commands that need it.
SUDO=""
SYSTEM=0 # 1 = installing into the real / as root: create the user, chown, use systemd
IMAGE=0  # 1 = baking into an image's root tree (--image DIR)
setup_privileges() {
	[ -z "$ROOT" ] || return 0
	if [ "$(id -u)" -eq 0 ]; then
		SYSTEM=1
	elif command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
		SYSTEM=1
		say "not running as root: using sudo for the installation steps"
	else
		die "run as root (e.g. curl -fsSL $BASE_URL/install.sh | sudo sh), or set FREEDMR_ROOT to install into a directory"
	fi
}

systemd_running() {
	[ "$SYSTEM" -eq 1 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

# --- machine detection ----------------------------------------------------------------------
detect_arch() {
	arch_of "${FREEDMR_ARCH:-$(uname -m)}"
}

arch_of() { # machine type (uname -m style)
	machine="$1"
	case "$machine" in
	x86_64 | amd64) echo x64 ;;
	aarch64 | arm64) echo arm64 ;;
	armv6l | armv7l | armv8l | armhf | arm)
		die "this is a 32-bit ARM system ($machine); freedmr needs a 64-bit OS (e.g. Raspberry Pi OS 64-bit on a Pi 3, 4, 5 or Zero 2 W)"
		;;
	*) die "unsupported machine type \"$machine\" (freedmr is built for x86_64 and aarch64)" ;;
	esac
}

# The image's machine type, from the ELF header of one of its programs (never run): e_machine,
# the little-endian 16-bit field at offset 18 (62 = x86-64, 183 = AArch64, 40 = 32-bit ARM).
image_machine() {
	if [ -n "${FREEDMR_ARCH:-}" ]; then
		echo "$FREEDMR_ARCH"
		return
	fi
	for program in usr/bin/env bin/env usr/bin/dash bin/dash; do
		file="$ROOT/$program"
		if [ ! -f "$file" ] || [ -L "$file" ]; then continue; fi
		code="$(od -An -tu1 -N20 "$file" | awk '{ for (i = 1; i <= NF; i++) b[n++] = $i }
			END { if (n == 20 && b[0] == 127 && b[1] == 69 && b[2] == 76 && b[3] == 70) print b[18] + 256 * b[19] }')"
		case "$code" in
		62) echo x86_64 ;;
		183) echo aarch64 ;;
		40) echo armv7l ;;
		"") continue ;;
		*) echo "elf-machine-$code" ;;
		esac
		return
	done
	die "cannot tell the image's architecture (no ELF program at $ROOT/usr/bin/env); set FREEDMR_ARCH=aarch64 (or x86_64)"
}

detect_os() {
	os="$(uname -s)"
	[ "$os" = "Linux" ] || die "unsupported operating system \"$os\" (freedmr runs on Linux)"
}

# --- downloading and checking ---------------------------------------------------------------
download() { # url destination
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --retry 3 --connect-timeout 30 -o "$2" "$1" || die "download failed: $1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q --timeout=30 -O "$2" "$1" || die "download failed: $1"
	else
		die "need curl or wget to download freedmr"
	fi
}

sha256_of() { # file
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d ' ' -f 1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d ' ' -f 1
	elif command -v openssl >/dev/null 2>&1; then
		openssl dgst -sha256 "$1" | sed 's/^.*= *//'
	else
		die "need sha256sum, shasum or openssl to verify the download"
	fi
}

random_passphrase() {
	# 16 random bytes as 32 hex characters.
	pass="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
	[ "${#pass}" -eq 32 ] || die "could not read /dev/urandom"
	echo "$pass"
}

# The raw value of KEY in the [hbp] table of a TOML config (empty when not set there).
hbp_value() { # key file
	# shellcheck disable=SC2016 # an awk program ($0 is awk's), run through sudo when not root
	$SUDO awk -v key="$1" '
		/^[ \t]*\[/ { line = $0; sub(/[ \t]*#.*$/, "", line); gsub(/[ \t]/, "", line); section = line; next }
		section == "[hbp]" && match($0, "^[ \t]*" key "[ \t]*=") {
			value = substr($0, RLENGTH + 1); sub(/^[ \t]*/, "", value); sub(/[ \t]*(#.*)?$/, "", value); print value; exit
		}' "$2"
}

# The UDP port hotspots use: hbp.port of the installed config, else the default.
configured_port() { # config file
	port="$(hbp_value port "$1" 2>/dev/null || true)"
	case "$port" in
	"" | *[!0-9]*) echo "$DEFAULT_PORT" ;;
	*) echo "$port" ;;
	esac
}

# --- install --------------------------------------------------------------------------------
write_unit() { # destination
	cat >"$1" <<EOF
# Installed by the freedmr installer; re-running it overwrites this file.
# Local changes belong in: systemctl edit freedmr
[Unit]
Description=freedmr DMR master server (HomeBrew / OpenBridge)
Documentation=https://github.com/freedmr/freedmr
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
# Creates hbp.passphrase_file with a random passphrase if the config names one and it is missing
# (an SD-card image's first boot); does nothing otherwise. A failure here is reported by the server.
ExecStartPre=-$BIN_PATH --first-boot $CONFIG_PATH
ExecStart=$BIN_PATH --config $CONFIG_PATH
ExecReload=/bin/kill -HUP \$MAINPID
WorkingDirectory=$STATE_DIR
Restart=on-failure
RestartSec=5
# Exit status 2 means a bad config: fix it (freedmr --check-config) instead of restarting in a loop.
RestartPreventExitStatus=2
TimeoutStopSec=15
SyslogIdentifier=freedmr
UMask=0027
LimitNOFILE=65536

# Hardening: the server needs UDP/TCP sockets and its state directory, nothing else. It writes
# nothing but $STATE_DIR (logs go to the journal), so the root filesystem may be read-only.
NoNewPrivileges=yes
ProtectSystem=strict
StateDirectory=freedmr
StateDirectoryMode=0750
ReadWritePaths=$STATE_DIR
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
CapabilityBoundingSet=
AmbientCapabilities=
# Not set on purpose: MemoryDenyWriteExecute=yes (the JavaScript JIT needs writable+executable memory).

[Install]
WantedBy=multi-user.target
EOF
}

# --- image mode: sysusers.d / tmpfiles.d ------------------------------------------------------
write_sysusers() { # destination
	cat >"$1" <<EOF
# Installed by the freedmr installer: the system user freedmr.service runs as (sysusers.d(5)).
# systemd-sysusers creates it at boot when it is missing; image builders apply it at build time
# (systemd-sysusers --root=IMAGE) so that the root filesystem may be read-only from the first boot.
u $SERVICE_USER - "freedmr DMR master server" $STATE_DIR /usr/sbin/nologin
EOF
}

write_tmpfiles() { # destination
	cat >"$1" <<EOF
# Installed by the freedmr installer (tmpfiles.d(5)): the state directory, the only place freedmr
# writes (the hotspot passphrase file created at first boot, and any later state), and the
# ownership of its config.
d $STATE_DIR 0750 $SERVICE_USER $SERVICE_USER -
z $CONFIG_DIR 0750 root $SERVICE_USER -
z $CONFIG_PATH 0640 root $SERVICE_USER -
EOF
}

# "uid:gid" of the service user in the image's /etc/passwd (empty when it has none yet).
image_user_ids() {
	[ -f "$ROOT/etc/passwd" ] || return 0
	awk -F: -v user="$SERVICE_USER" '$1 == user { print $3 ":" $4; exit }' "$ROOT/etc/passwd"
}

# The user and the state directory, declared for systemd and, when the host can, applied to the
# image now (the host's own tools, with --root; nothing of the image runs).
bake_user_and_state_dir() {
	mkdir -p "$ROOT/etc/sysusers.d" "$ROOT/etc/tmpfiles.d"
	write_sysusers "$ROOT$SYSUSERS_PATH"
	write_tmpfiles "$ROOT$TMPFILES_PATH"
	chmod 0644 "$ROOT$SYSUSERS_PATH" "$ROOT$TMPFILES_PATH"
	say "installed $SYSUSERS_PATH and $TMPFILES_PATH"
	if [ -n "$(image_user_ids)" ]; then
		say "the image already has the user $SERVICE_USER"
	elif [ ! -f "$ROOT/etc/passwd" ]; then
		say "skipped: the image has no /etc/passwd yet; systemd-sysusers creates the user $SERVICE_USER at first boot"
	elif command -v systemd-sysusers >/dev/null 2>&1 && systemd-sysusers --root="$ROOT" "$ROOT$SYSUSERS_PATH" >/dev/null 2>&1; then
		say "created the user $SERVICE_USER in the image (systemd-sysusers --root)"
	else
		say "skipped (no usable systemd-sysusers here): systemd-sysusers creates the user $SERVICE_USER at first boot, which needs a writable /etc then"
	fi
}

# Give the image's config and state directory to the service user (numeric ids from the image).
chown_in_image() {
	ids="$(image_user_ids)"
	[ -n "$ids" ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		warn "not root: $CONFIG_DIR and $STATE_DIR in the image keep their owner; systemd-tmpfiles fixes it at boot"
		return 0
	fi
	chown "${ids%%:*}:${ids#*:}" "$ROOT$STATE_DIR"
	chown "0:${ids#*:}" "$ROOT$CONFIG_DIR"
	if [ -f "$ROOT$CONFIG_PATH" ]; then chown "0:${ids#*:}" "$ROOT$CONFIG_PATH"; fi
}

# --- install --------------------------------------------------------------------------------
fetch_checked() { # name: download $BASE_URL/<name> into $tmp and verify it against SHA256SUMS
	download "$BASE_URL/$1" "$tmp/$1"
	expected="$(awk -v n="$1" '$2 == n || $2 == "*" n { print $1; exit }' "$tmp/SHA256SUMS")"
	[ -n "$expected" ] || die "SHA256SUMS has no entry for $1"
	actual="$(sha256_of "$tmp/$1")"
	if [ "$expected" != "$actual" ]; then
		die "checksum mismatch for $1 (expected $expected, got $actual): refusing to install"
	fi
	say "checksum OK ($actual)"
	chmod 0755 "$tmp/$1"
}

install_freedmr() {
	detect_os
	if [ "$IMAGE" -eq 1 ]; then arch="$(arch_of "$(image_machine)")"; else arch="$(detect_arch)"; fi
	name="freedmr-linux-$arch"
	tmp="$(mktemp -d "${TMPDIR:-/tmp}/freedmr-install.XXXXXX")"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM

	say "downloading $name from $BASE_URL"
	download "$BASE_URL/SHA256SUMS" "$tmp/SHA256SUMS"
	fetch_checked "$name"

	# The binary that generates and checks the config runs here: the one being installed, except in
	# an image of another architecture, where it is this machine's build of the same release (the
	# image's binary is never run).
	tool="$tmp/$name"
	if [ "$IMAGE" -eq 1 ]; then
		host_arch="$(arch_of "$(uname -m)")"
		if [ "$host_arch" != "$arch" ]; then
			say "the image is $arch, this machine $host_arch: downloading freedmr-linux-$host_arch to write the config"
			fetch_checked "freedmr-linux-$host_arch"
			tool="$tmp/freedmr-linux-$host_arch"
		fi
	fi
	new_version="$("$tool" --version 2>&1)" || die "the downloaded binary does not run on this machine: $new_version"

	bin="$ROOT$BIN_PATH"
	config="$ROOT$CONFIG_PATH"
	if [ "$IMAGE" -eq 1 ]; then
		say "baking $name into the image $ROOT ($(printf '%s' "$new_version" | cut -d ' ' -f 1-2))"
	elif [ -x "$bin" ]; then
		old_version="$("$bin" --version 2>/dev/null || echo "unknown version")"
		say "upgrading: $old_version -> $new_version"
	else
		say "installing $new_version"
	fi

	# An existing config must still be valid for the new version before anything is replaced.
	# (Only a warning for what belongs to another machine, like an image's passphrase file.)
	if [ -f "$config" ]; then
		if ! $SUDO "$tool" --check-config "$config" >"$tmp/check.out" 2>&1; then
			cat "$tmp/check.out" >&2
			die "$CONFIG_PATH is not valid for $new_version; fix it and re-run (nothing was changed)"
		fi
	fi

	# System user.
	if [ "$SYSTEM" -eq 1 ]; then
		if ! id "$SERVICE_USER" >/dev/null 2>&1; then
			nologin="$(command -v nologin || echo /usr/sbin/nologin)"
			$SUDO useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home --shell "$nologin" "$SERVICE_USER" ||
				die "could not create the system user $SERVICE_USER"
			say "created system user $SERVICE_USER"
		fi
	elif [ "$IMAGE" -eq 1 ]; then
		bake_user_and_state_dir
	else
		say "skipped (not a system install): create system user $SERVICE_USER"
	fi

	# Directories and binary.
	$SUDO mkdir -p "$ROOT/usr/local/bin" "$ROOT$CONFIG_DIR" "$ROOT$STATE_DIR" "$ROOT/etc/systemd/system"
	$SUDO chmod 0750 "$ROOT$CONFIG_DIR" "$ROOT$STATE_DIR"
	if [ "$SYSTEM" -eq 1 ]; then
		$SUDO chown "root:$SERVICE_USER" "$ROOT$CONFIG_DIR"
		$SUDO chown "$SERVICE_USER:$SERVICE_USER" "$ROOT$STATE_DIR"
	fi
	# Copy next to the target, then rename: a running binary is replaced atomically.
	$SUDO cp "$tmp/$name" "$bin.new"
	$SUDO chmod 0755 "$bin.new"
	# Written just now, the binary sits in the page cache as the writes left it: on Linux 6.16 and
	# later, ext4 keeps it in large folios that freedmr's start-up page release cannot hand back
	# (src/shell/startup_pages.ts), so the service would idle 2-4 MiB higher until the pages are
	# next read from disk. Sync it and drop its page cache now (GNU dd; elsewhere this does nothing).
	$SUDO dd if=/dev/null of="$bin.new" oflag=nocache conv=notrunc,fdatasync count=0 >/dev/null 2>&1 || true
	$SUDO mv -f "$bin.new" "$bin"
	say "installed $BIN_PATH"

	# Config: generated by the new binary itself, never overwritten. A machine gets a fresh random
	# passphrase in it; an image gets none: it names hbp.passphrase_file, which each card creates
	# at its first boot (ExecStartPre=freedmr --first-boot), so no two cards share a secret.
	fresh_passphrase=""
	if [ -f "$config" ]; then
		say "keeping existing $CONFIG_PATH"
		if [ "$IMAGE" -eq 1 ] && [ -z "$(hbp_value passphrase_file "$config")" ]; then
			warn "$CONFIG_PATH in the image does not set hbp.passphrase_file: every card flashed from this image shares its passphrase"
		fi
	else
		"$tool" --print-default-config >"$tmp/freedmr.toml" || die "could not generate the default config"
		if [ "$IMAGE" -eq 1 ]; then
			sed -e "s|^passphrase = \"passw0rd\"\$|# passphrase = \"...\"  (not here: every card has its own, in passphrase_file)|" \
				-e "s|^# passphrase_file = .*\$|passphrase_file = \"$PASSPHRASE_FILE\"|" "$tmp/freedmr.toml" >"$tmp/freedmr.toml.new"
			grep -q "^passphrase_file = \"$PASSPHRASE_FILE\"\$" "$tmp/freedmr.toml.new" || die "could not set hbp.passphrase_file in the generated config"
			if grep -q '^passphrase = ' "$tmp/freedmr.toml.new"; then die "the generated config still has a passphrase"; fi
		else
			fresh_passphrase="$(random_passphrase)"
			sed "s/^passphrase = \"passw0rd\"\$/passphrase = \"$fresh_passphrase\"/" "$tmp/freedmr.toml" >"$tmp/freedmr.toml.new"
			grep -q "^passphrase = \"$fresh_passphrase\"\$" "$tmp/freedmr.toml.new" || die "could not set the passphrase in the generated config"
			if grep -q '^passphrase = "passw0rd"$' "$tmp/freedmr.toml.new"; then die "the generated config still has the default passphrase"; fi
		fi
		# hotspot state, last heard and call history are kept across restarts in the state directory
		if grep -q '^\[store\]$' "$tmp/freedmr.toml.new"; then
			sed "/^\[store\]\$/,/^\[/ s|^directory = \"\"\$|directory = \"$STATE_DIR\"|" "$tmp/freedmr.toml.new" >"$tmp/freedmr.toml.store"
			mv "$tmp/freedmr.toml.store" "$tmp/freedmr.toml.new"
			grep -q "^directory = \"$STATE_DIR\"\$" "$tmp/freedmr.toml.new" || die "could not set store.directory in the generated config"
		fi
		# (In an image the passphrase file does not exist yet: --check-config only warns about it.)
		"$tool" --check-config "$tmp/freedmr.toml.new" >/dev/null 2>"$tmp/check.err" || {
			cat "$tmp/check.err" >&2
			die "the generated config does not pass --check-config"
		}
		if [ "$IMAGE" -eq 0 ]; then cat "$tmp/check.err" >&2; fi
		$SUDO cp "$tmp/freedmr.toml.new" "$config"
		$SUDO chmod 0640 "$config"
		if [ "$SYSTEM" -eq 1 ]; then $SUDO chown "root:$SERVICE_USER" "$config"; fi
		if [ "$IMAGE" -eq 1 ]; then
			say "wrote $CONFIG_PATH: no passphrase in it; each card creates its own in $PASSPHRASE_FILE at first boot"
		else
			say "wrote $CONFIG_PATH with a new random passphrase"
		fi
	fi
	if [ "$IMAGE" -eq 1 ]; then chown_in_image; fi

	# The service runs without CAP_NET_ADMIN, so its UDP receive buffer is capped at
	# net.core.rmem_max (about 208 KiB by default: a burst of logins after an outage would be dropped).
	current_rmem="$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo 0)"
	if [ "$SYSTEM" -eq 1 ] && [ "$current_rmem" -ge "$RMEM_MAX" ] && [ ! -f "$SYSCTL_PATH" ]; then
		say "net.core.rmem_max is already $current_rmem: leaving it"
	else
		$SUDO mkdir -p "$ROOT/etc/sysctl.d"
		printf '%s\n' "# Installed by the freedmr installer: room for the UDP receive buffer freedmr asks for" \
			"# (hbp.receive_buffer_bytes), so a burst of hotspot logins is not dropped." \
			"net.core.rmem_max = $RMEM_MAX" >"$tmp/sysctl.conf"
		$SUDO cp "$tmp/sysctl.conf" "$ROOT$SYSCTL_PATH"
		$SUDO chmod 0644 "$ROOT$SYSCTL_PATH"
		if [ "$SYSTEM" -eq 1 ]; then
			$SUDO sysctl -q -p "$SYSCTL_PATH" >/dev/null 2>&1 || warn "could not apply $SYSCTL_PATH now (container?); it applies at the next boot"
		fi
		say "installed $SYSCTL_PATH (net.core.rmem_max = $RMEM_MAX)"
	fi

	# systemd unit.
	write_unit "$tmp/freedmr.service"
	$SUDO cp "$tmp/freedmr.service" "$ROOT$UNIT_PATH"
	$SUDO chmod 0644 "$ROOT$UNIT_PATH"
	say "installed $UNIT_PATH"

	if [ "$IMAGE" -eq 1 ]; then
		# What `systemctl enable` does, offline: the WantedBy= symlink.
		mkdir -p "$ROOT${WANTS_LINK%/*}"
		ln -sf "$UNIT_PATH" "$ROOT$WANTS_LINK"
		say "enabled freedmr.service ($WANTS_LINK -> $UNIT_PATH): it starts at the image's first boot"
	elif [ "${FREEDMR_NO_START:-0}" = "1" ]; then
		say "FREEDMR_NO_START=1: not enabling or starting the service"
	elif systemd_running; then
		$SUDO systemctl daemon-reload
		$SUDO systemctl enable freedmr.service >/dev/null 2>&1 || $SUDO systemctl enable freedmr.service
		$SUDO systemctl restart freedmr.service
		say "service started: systemctl status freedmr; logs: journalctl -u freedmr -f"
	else
		say "skipped (systemd not running or not a system install): systemctl daemon-reload && systemctl enable --now freedmr"
	fi

	port="$(configured_port "$config")"
	echo
	if [ "$IMAGE" -eq 1 ]; then
		say "done. Each card flashed from this image creates its own hotspot passphrase at first boot:"
		say "  sudo cat $PASSPHRASE_FILE (also named in: journalctl -u freedmr). Hotspots use UDP port $port."
	else
		say "done. Point your hotspot at this machine, UDP port $port (see $CONFIG_PATH)."
	fi
	if [ -n "$fresh_passphrase" ]; then
		say "hotspot passphrase (Pi-Star: DMR Master password): $fresh_passphrase"
	fi
}

uninstall_freedmr() {
	if systemd_running; then
		$SUDO systemctl disable --now freedmr.service >/dev/null 2>&1 || true
	elif [ "$IMAGE" -eq 0 ]; then
		say "skipped (systemd not running or not a system install): systemctl disable --now freedmr"
	fi
	removed=0
	for path in "$ROOT$WANTS_LINK" "$ROOT$UNIT_PATH" "$ROOT$BIN_PATH" "$ROOT$SYSCTL_PATH" "$ROOT$SYSUSERS_PATH" "$ROOT$TMPFILES_PATH"; do
		if [ -e "$path" ] || [ -L "$path" ]; then
			$SUDO rm -f "$path"
			say "removed ${path#"$ROOT"}"
			removed=1
		fi
	done
	if systemd_running; then $SUDO systemctl daemon-reload; fi
	[ "$removed" -eq 1 ] || say "freedmr was not installed"
	say "kept $CONFIG_DIR, $STATE_DIR and the user $SERVICE_USER (remove them by hand if you want them gone)"
}

main() {
	action="install"
	while [ "$#" -gt 0 ]; do
		case "$1" in
		--uninstall) action="uninstall" ;;
		--image=*) image_dir="${1#--image=}" ;;
		--image)
			[ "$#" -ge 2 ] || die "--image needs a directory (the image's root tree)"
			image_dir="$2"
			shift
			;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			usage >&2
			die "unknown argument \"$1\""
			;;
		esac
		shift
	done
	if [ -n "${image_dir:-}" ]; then
		[ -d "$image_dir" ] || die "--image $image_dir: not a directory (give the image's root tree, e.g. pi-gen's \$ROOTFS_DIR)"
		ROOT="$(cd "$image_dir" && pwd -P)"
		[ "$ROOT" != "/" ] || die "--image /: that is this machine; run the installer without --image instead"
		IMAGE=1
	fi
	setup_privileges
	if [ "$action" = "uninstall" ]; then uninstall_freedmr; else install_freedmr; fi
}

main "$@"
