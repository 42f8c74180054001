#!/bin/sh
# Stage 1 of a lab host's boot: PID 1 of the new PID namespace, still seeing the
# machine's root. Gives the host a minimal /dev and pivots into its overlay, then tini.
set -eu
root="$1"
mount --make-rprivate /
mount --bind "$root" "$root"
mount -t tmpfs -o mode=755,nosuid dev "$root/dev"
for n in null zero full random urandom tty; do
    touch "$root/dev/$n"
    mount --bind "/dev/$n" "$root/dev/$n"
done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
cd "$root"
mkdir -p .oldroot
pivot_root . .oldroot
cd /
exec /usr/bin/tini -s -- /bin/sh /usr/local/sbin/dcc-init
