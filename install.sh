#!/bin/sh
# freedmr installer: downloads the freedmr binary for this machine, checks it against SHA256SUMS,
# installs it with a config, a system user, a state directory and a hardened systemd unit, and
# starts it. Re-running upgrades in place (the config is never overwritten).
#
#   curl -fsSL https://<base>/install.sh | sh                  install or upgrade
#   curl -fsSL https://<base>/install.sh | sh -s -- --uninstall   remove binary and unit, keep config and data
#
# Environment:
#   FREEDMR_BASE_URL  where freedmr-linux-<arch> and SHA256SUMS are downloaded from
#   FREEDMR_ROOT      install under this directory instead of / (packaging and tests); no user is
#                     created and systemd is not touched
#   FREEDMR_ARCH      override the detected machine type (uname -m)
#   FREEDMR_NO_START  set to 1 to install without enabling/starting the service
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
SYSCTL_PATH="/etc/sysctl.d/60-freedmr.conf"
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
Usage: install.sh [--uninstall] [--help]

Installs or upgrades freedmr: /usr/local/bin/freedmr, /etc/freedmr/freedmr.toml (created once, with a
random passphrase), /var/lib/freedmr, a system user "freedmr" and the systemd unit freedmr.service.
--uninstall removes the binary and the unit but keeps the config, the data and the user.

Environment: FREEDMR_BASE_URL (download location), FREEDMR_ROOT (install under a directory instead
of /, without creating users or touching systemd), FREEDMR_ARCH (override uname -m),
FREEDMR_NO_START=1 (do not enable or start the service).
EOF
}

# --- privileges -----------------------------------------------------------------------------
# With FREEDMR_ROOT set everything goes under that directory as the current user. Otherwise we
# need root; when not root, use sudo for the commands that need it.
SUDO=""
SYSTEM=0 # 1 = installing into the real / as root: create the user, chown, use systemd
if [ -z "$ROOT" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		SYSTEM=1
	elif command -v sudo >/dev/null 2>&1; then
		SUDO="sudo"
		SYSTEM=1
		say "not running as root: using sudo for the installation steps"
	else
		die "run as root (e.g. curl -fsSL $BASE_URL/install.sh | sudo sh), or set FREEDMR_ROOT to install into a directory"
	fi
fi

systemd_running() {
	[ "$SYSTEM" -eq 1 ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}

# --- machine detection ----------------------------------------------------------------------
detect_arch() {
	machine="${FREEDMR_ARCH:-$(uname -m)}"
	case "$machine" in
	x86_64 | amd64) echo x64 ;;
	aarch64 | arm64) echo arm64 ;;
	armv6l | armv7l | armv8l | armhf | arm)
		die "this is a 32-bit ARM system ($machine); freedmr needs a 64-bit OS (e.g. Raspberry Pi OS 64-bit on a Pi 3, 4, 5 or Zero 2 W)"
		;;
	*) die "unsupported machine type \"$machine\" (freedmr is built for x86_64 and aarch64)" ;;
	esac
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
ExecStart=$BIN_PATH --config $CONFIG_PATH
WorkingDirectory=$STATE_DIR
Restart=on-failure
RestartSec=5
# Exit status 2 means a bad config: fix it (freedmr --check-config) instead of restarting in a loop.
RestartPreventExitStatus=2
TimeoutStopSec=15
SyslogIdentifier=freedmr
UMask=0027
LimitNOFILE=65536

# Hardening: the server needs UDP/TCP sockets and its state directory, nothing else.
NoNewPrivileges=yes
ProtectSystem=strict
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

install_freedmr() {
	detect_os
	arch="$(detect_arch)"
	name="freedmr-linux-$arch"
	tmp="$(mktemp -d "${TMPDIR:-/tmp}/freedmr-install.XXXXXX")"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM

	say "downloading $name from $BASE_URL"
	download "$BASE_URL/SHA256SUMS" "$tmp/SHA256SUMS"
	download "$BASE_URL/$name" "$tmp/$name"

	expected="$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1; exit }' "$tmp/SHA256SUMS")"
	[ -n "$expected" ] || die "SHA256SUMS has no entry for $name"
	actual="$(sha256_of "$tmp/$name")"
	if [ "$expected" != "$actual" ]; then
		die "checksum mismatch for $name (expected $expected, got $actual): refusing to install"
	fi
	say "checksum OK ($actual)"
	chmod 0755 "$tmp/$name"
	new_version="$("$tmp/$name" --version 2>&1)" || die "the downloaded binary does not run on this machine: $new_version"

	bin="$ROOT$BIN_PATH"
	config="$ROOT$CONFIG_PATH"
	if [ -x "$bin" ]; then
		old_version="$("$bin" --version 2>/dev/null || echo "unknown version")"
		say "upgrading: $old_version -> $new_version"
	else
		say "installing $new_version"
	fi

	# An existing config must still be valid for the new version before anything is replaced.
	if [ -f "$config" ]; then
		if ! "$tmp/$name" --check-config "$config" >"$tmp/check.out" 2>&1; then
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
	$SUDO mv -f "$bin.new" "$bin"
	say "installed $BIN_PATH"

	# Config: generated by the installed binary itself, with a fresh random passphrase. Never overwritten.
	fresh_passphrase=""
	if [ -f "$config" ]; then
		say "keeping existing $CONFIG_PATH"
	else
		fresh_passphrase="$(random_passphrase)"
		"$bin" --print-default-config >"$tmp/freedmr.toml" || die "could not generate the default config"
		sed "s/^passphrase = \"passw0rd\"\$/passphrase = \"$fresh_passphrase\"/" "$tmp/freedmr.toml" >"$tmp/freedmr.toml.new"
		grep -q "^passphrase = \"$fresh_passphrase\"\$" "$tmp/freedmr.toml.new" || die "could not set the passphrase in the generated config"
		if grep -q '^passphrase = "passw0rd"$' "$tmp/freedmr.toml.new"; then die "the generated config still has the default passphrase"; fi
		"$bin" --check-config "$tmp/freedmr.toml.new" >/dev/null || die "the generated config does not pass --check-config"
		$SUDO cp "$tmp/freedmr.toml.new" "$config"
		$SUDO chmod 0640 "$config"
		if [ "$SYSTEM" -eq 1 ]; then $SUDO chown "root:$SERVICE_USER" "$config"; fi
		say "wrote $CONFIG_PATH with a new random passphrase"
	fi

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

	if [ "${FREEDMR_NO_START:-0}" = "1" ]; then
		say "FREEDMR_NO_START=1: not enabling or starting the service"
	elif systemd_running; then
		$SUDO systemctl daemon-reload
		$SUDO systemctl enable freedmr.service >/dev/null 2>&1 || $SUDO systemctl enable freedmr.service
		$SUDO systemctl restart freedmr.service
		say "service started: systemctl status freedmr; logs: journalctl -u freedmr -f"
	else
		say "skipped (systemd not running or not a system install): systemctl daemon-reload && systemctl enable --now freedmr"
	fi

	echo
	say "done. Point your hotspot at this machine, UDP port 62031 (see $CONFIG_PATH)."
	if [ -n "$fresh_passphrase" ]; then
		say "hotspot passphrase (Pi-Star: DMR Master password): $fresh_passphrase"
	fi
}

uninstall_freedmr() {
	if systemd_running; then
		$SUDO systemctl disable --now freedmr.service >/dev/null 2>&1 || true
	else
		say "skipped (systemd not running or not a system install): systemctl disable --now freedmr"
	fi
	removed=0
	for path in "$ROOT$UNIT_PATH" "$ROOT$BIN_PATH" "$ROOT$SYSCTL_PATH"; do
		if [ -e "$path" ]; then
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
	for arg in "$@"; do
		case "$arg" in
		--uninstall) action="uninstall" ;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			usage >&2
			die "unknown argument \"$arg\""
			;;
		esac
	done
	if [ "$action" = "uninstall" ]; then uninstall_freedmr; else install_freedmr; fi
}

main "$@"
