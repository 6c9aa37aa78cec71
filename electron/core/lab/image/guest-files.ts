/**
 * Files written into the lab image after debootstrap. Pure data, so the image
 * key covers them and tests can read them.
 *
 * The baseline is deliberately that of a fresh cloud host, weak on purpose:
 * root may log in with a password, password authentication is on (through a
 * drop-in, the way Debian's cloud images do it, so that appending to
 * sshd_config does not change it: the trap facts.md describes), every module
 * is loadable, sysctls are the kernel's defaults.
 */
export interface GuestFile {
  /** Absolute path inside the guest. */
  path: string;
  content: string;
  mode: number;
}

export const KERNEL_CMDLINE = 'root=/dev/vda1 ro console=ttyS0,115200 net.ifnames=0';
export const GUEST_HOSTNAME = 'hardenlab';
export const SECRETS_UNIT = 'hardenlab-instance-secrets.service';
import { FW_CFG_AUTHORIZED_KEYS, FW_CFG_HOST_KEY_FILES, FW_CFG_PREFIX } from '../../hypervisor/qemu/instance/fw-cfg';
export { FW_CFG_AUTHORIZED_KEYS, FW_CFG_HOST_KEY_FILES, FW_CFG_PREFIX };

export function extlinuxConf(cmdline: string = KERNEL_CMDLINE): string {
  return `# Harden Lab lab VM boot loader.
# /vmlinuz and /initrd.img are symlinks that Debian moves whenever a kernel
# package is installed (the previous kernel becomes /vmlinuz.old), so a kernel
# upgrade inside the VM takes effect at the next boot without touching this file.
DEFAULT debian
PROMPT 0
TIMEOUT 10

LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND ${cmdline}

LABEL debian-old
  LINUX /vmlinuz.old
  INITRD /initrd.img.old
  APPEND ${cmdline}
`;
}

/** The guest side of the per-instance secrets (see secretsScript for the why). */
export function secretsUnit(): string {
  return `[Unit]
Description=Harden Lab: install this instance's SSH keys passed in by QEMU (fw_cfg)
Before=ssh.service
ConditionPathExists=/sys/firmware

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/hardenlab-instance-secrets

[Install]
WantedBy=multi-user.target
`;
}

export function secretsScript(): string {
  return `#!/bin/sh
# Harden Lab: installs this instance's secrets before sshd starts. The host
# generates them before the first boot (so it knows the host key fingerprint
# it will meet) and hands them in through QEMU's fw_cfg, read from
# /sys/firmware/qemu_fw_cfg: no disk mounting, no network, no cloud-init.
#
# Each item is installed once per distinct content: its checksum is kept under
# /var/lib/hardenlab, so reboots and snapshot restores leave the guest's own
# later changes alone (a hardening step that removes a host key type or an
# authorized key is not undone at the next boot). A new instance, or a new
# operator key, has new content and is installed.
#
# Every process start costs tens of milliseconds under TCG and this runs
# before sshd: shell builtins wherever they do, one sha256sum over all items
# read straight from fw_cfg, one process per item that has to be installed.
# The HARDENLAB_* overrides exist for the script's own tests on the host.
set -eu
umask 077
FW=\${HARDENLAB_FW_DIR:-/sys/firmware/qemu_fw_cfg/by_name/${FW_CFG_PREFIX}}
STATE=\${HARDENLAB_STATE_DIR:-/var/lib/hardenlab/fw_cfg}
SSH_DIR=\${HARDENLAB_SSH_DIR:-/etc/ssh}
LAB_USER=\${HARDENLAB_LAB_USER:-lab}
LAB_HOME=\${HARDENLAB_LAB_HOME:-}

if [ -z "\${HARDENLAB_FW_DIR:-}" ]; then
  modprobe qemu_fw_cfg 2>/dev/null || true
  i=0
  while [ ! -d /sys/firmware/qemu_fw_cfg/by_name ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
fi

install_items() {
  mkdir -p "$STATE"
  set --
  for f in ${[...FW_CFG_HOST_KEY_FILES, FW_CFG_AUTHORIZED_KEYS].join(' ')}; do
    if [ -r "$FW/$f/raw" ]; then set -- "$@" "$FW/$f/raw"; fi
  done
  if [ $# -eq 0 ]; then return 0; fi
  sha256sum -- "$@" > "$STATE/.seen"
  while read -r sum path; do
    f=\${path%/raw}
    f=\${f##*/}
    old=
    if [ -r "$STATE/$f.sha256" ]; then read -r old < "$STATE/$f.sha256" || true; fi
    if [ "$old" = "$sum" ]; then continue; fi
    case $f in
      ${FW_CFG_AUTHORIZED_KEYS})
        home=\${LAB_HOME:-$(getent passwd "$LAB_USER" | cut -d: -f6)}
        install -d -m 700 -o "$LAB_USER" -g "$LAB_USER" "$home/.ssh"
        ak="$home/.ssh/authorized_keys"
        if [ ! -e "$ak" ]; then install -m 600 -o "$LAB_USER" -g "$LAB_USER" /dev/null "$ak"; fi
        while IFS= read -r line || [ -n "$line" ]; do
          if [ -z "$line" ] || grep -qxF -- "$line" "$ak"; then continue; fi
          printf '%s\\n' "$line" >> "$ak"
        done < "$path"
        echo "hardenlab: operator key authorized for user $LAB_USER"
        ;;
      *.pub)
        install -m 644 "$path" "$SSH_DIR/$f"
        echo "hardenlab: installed $SSH_DIR/$f"
        ;;
      *)
        install -m 600 "$path" "$SSH_DIR/$f"
        echo "hardenlab: installed $SSH_DIR/$f"
        ;;
    esac
    printf '%s\\n' "$sum" > "$STATE/$f.sha256"
  done < "$STATE/.seen"
}

if [ -d "$FW" ]; then
  install_items
else
  echo "hardenlab: no fw_cfg items from Harden Lab; nothing to install"
fi

# Booted without Harden Lab's items and without any host key at all: sshd
# could not start, so make keys the way Debian's package would have.
set -- "$SSH_DIR"/ssh_host_*_key
if [ ! -e "$1" ] && [ "$SSH_DIR" = /etc/ssh ]; then ssh-keygen -A; fi
`;
}

export function guestFiles(): GuestFile[] {
  return [
    { path: '/etc/hostname', content: `${GUEST_HOSTNAME}\n`, mode: 0o644 },
    {
      path: '/etc/hosts',
      content: `127.0.0.1\tlocalhost\n127.0.1.1\t${GUEST_HOSTNAME}\n\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n`,
      mode: 0o644,
    },
    { path: '/etc/fstab', content: '# <file system> <mount point> <type> <options> <dump> <pass>\n/dev/vda1 / ext4 errors=remount-ro 0 1\n', mode: 0o644 },
    {
      path: '/etc/network/interfaces',
      content: 'source /etc/network/interfaces.d/*\n\nauto lo\niface lo inet loopback\n\nallow-hotplug eth0\niface eth0 inet dhcp\n',
      mode: 0o644,
    },
    { path: '/etc/apt/sources.list', content: 'deb http://deb.debian.org/debian bookworm main\n', mode: 0o644 },
    // dhclient writes it at boot; the build host's resolver must not leak in.
    { path: '/etc/resolv.conf', content: '', mode: 0o644 },
    // Empty: systemd gives each instance its own id at first boot.
    { path: '/etc/machine-id', content: '', mode: 0o444 },
    {
      path: '/etc/ssh/sshd_config.d/50-cloud-init.conf',
      content: '# Harden Lab lab baseline, as Debian cloud images ship it: passwords and root logins accepted.\nPasswordAuthentication yes\nPermitRootLogin yes\n',
      mode: 0o600,
    },
    { path: '/etc/sudoers.d/90-hardenlab-lab', content: '# Harden Lab: the lab user elevates without a password (labpw must type one).\nlab ALL=(ALL:ALL) NOPASSWD: ALL\n', mode: 0o440 },
    // Keep docs out of packages installed later in the VM too: apt under TCG is slow enough.
    {
      path: '/etc/dpkg/dpkg.cfg.d/01-hardenlab-nodoc',
      content:
        'path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\npath-exclude=/usr/share/locale/*\npath-include=/usr/share/locale/locale.alias\n',
      mode: 0o644,
    },
    { path: '/usr/local/sbin/hardenlab-instance-secrets', content: secretsScript(), mode: 0o755 },
    { path: `/etc/systemd/system/${SECRETS_UNIT}`, content: secretsUnit(), mode: 0o644 },
    { path: '/boot/extlinux/extlinux.conf', content: extlinuxConf(), mode: 0o644 },
  ];
}

/** Written before debootstrap runs and removed afterwards: dpkg without fsync per file is much faster on a build that is all-or-nothing anyway. */
export const BUILD_ONLY_DPKG_CFG: GuestFile = { path: '/etc/dpkg/dpkg.cfg.d/00-hardenlab-build', content: 'force-unsafe-io\n', mode: 0o644 };
