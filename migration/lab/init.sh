#!/bin/sh
# Stage 2 of a lab host's boot, run by tini as PID 1's child inside the host's own
# mount/uts/ipc/pid/net namespaces, after pivot_root into its overlay. Mounts the
# pseudo filesystems, starts sshd and cron, then every enabled LSB service, and stays up.
set -u
mount -t proc proc /proc
umount -l /.oldroot && rmdir /.oldroot 2>/dev/null
mount -t sysfs -o ro sysfs /sys 2>/dev/null
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
mkdir -p /run/lock /run/sshd /dev/pts /dev/shm
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
hostname "$(cat /etc/hostname)"
/usr/sbin/sshd -E /var/log/sshd.log
# Every Debian host runs cron; it reads /etc/crontab, /etc/cron.d and users' crontabs.
[ -x /usr/sbin/cron ] && /usr/sbin/cron
for s in /etc/rc2.d/S*; do
    [ -x "$s" ] && "$s" start >>/var/log/dcc-boot.log 2>&1
done
echo "dcc-lab: $(hostname) up"
exec sleep infinity
