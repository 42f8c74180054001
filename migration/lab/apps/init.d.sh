#!/bin/sh
### BEGIN INIT INFO
# Provides:          @ID@
# Required-Start:    $network $remote_fs
# Required-Stop:     $network $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: @ID@ (@ARCHETYPE@ sample legacy app)
### END INIT INFO
# Installed by the dcc lab; code in /opt/@ID@, config in /etc/@ID@/app.conf.
NAME=@ID@
PIDFILE=/run/$NAME.pid
LOG=/var/log/$NAME.log
DAEMON=/usr/bin/python3
ARGS="/opt/$NAME/app.py /etc/$NAME/app.conf"

case "$1" in
  start)
    start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile "$PIDFILE" \
        --output "$LOG" --chdir /opt/$NAME --startas "$DAEMON" -- $ARGS ;;
  stop)
    start-stop-daemon --stop --quiet --oknodo --pidfile "$PIDFILE" --retry TERM/5/KILL/2 --remove-pidfile ;;
  restart|force-reload)
    "$0" stop && "$0" start ;;
  status)
    start-stop-daemon --status --pidfile "$PIDFILE"; rc=$?
    [ $rc -eq 0 ] && echo "$NAME is running" || echo "$NAME is not running"
    exit $rc ;;
  *)
    echo "Usage: $0 {start|stop|restart|status}" >&2; exit 3 ;;
esac
