"""Recorded host output for profile inference tests.

The lab hosts' output was recorded from a running lab (tests/fixtures/layout/lab-*.out,
renumbered to 10.77). The vendor-shaped hosts are written here the way such hosts print, section
by section: PHP under Apache with MariaDB on another host (dpk-*), a service under its own user
with SQLite under /var/lib (grt-app1), a cron batch writing a spool with a status page
(kds-batch1), and a layout unlike any of them: a systemd service under /data with its
PostgreSQL on another host (ksk-*).
"""

from __future__ import annotations

from pathlib import Path

from migration.discovery.assemble import assemble
from migration.discovery.facts import HostFacts

MARKER = "@@dcc-0123456789abcdef@@"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "layout"
VENDOR_ESTATE = FIXTURES / "estate-vendor"


def output(**sections: str) -> bytes:
    """Script output with `sections` (keyword `ss_listen` is section `ss-listen`), ended properly.

    `init_text`, `pidfiles` and `group` become the layout section's V|Y, Q and R records, as the
    host's layout program prints them."""
    extra = [sections.pop("init_text", "")]
    extra += [f"Q\t{line}" for line in sections.pop("pidfiles", "").splitlines() if line.strip()]
    extra += [f"R\t{line.strip()}" for line in sections.pop("group", "").splitlines() if line.strip()]
    if any(extra):
        sections["layout"] = "\n".join([sections.get("layout", ""), *extra]).strip("\n")
    body = "".join(f"\n{MARKER} {name.replace('_', '-')}\n{text.strip(chr(10))}" for name, text in sections.items())
    return (body + f"\n{MARKER} end\n").encode()


def facts_of(host: str, address: str, raw: bytes) -> HostFacts:
    return assemble(host, address, "2026-12-01T00:00:00+00:00", raw, MARKER)


def lab_facts() -> dict[str, HostFacts]:
    found = {}
    for path in sorted(FIXTURES.glob("lab-*.out")):
        host = path.stem.removeprefix("lab-")
        found[host] = facts_of(host, "", path.read_bytes())
    return found


def _t(text: str) -> str:
    """Fixture text with `|` standing for a tab (readable columns)."""
    return "\n".join(line.strip().replace("|", "\t") for line in text.strip().splitlines())


PASSWD_BASE = "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin"
GROUP_BASE = "root:x:0:\nwww-data:x:33:"
PHP_WEB = output(
    hostname="dpk-web1",
    ps="""
     1     0 root     1000 /sbin/tini -- /init
    40     1 root     9000 /usr/sbin/sshd
    60     1 root    20000 /usr/sbin/apache2 -k start
    61    60 www-data 15000 /usr/sbin/apache2 -k start
    62    60 www-data 15000 /usr/sbin/apache2 -k start
    """,
    ss_listen="""
LISTEN 0 511 *:80 *:* users:(("apache2",pid=62,fd=4),("apache2",pid=61,fd=4),("apache2",pid=60,fd=4))
LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=40,fd=3))
""",
    packages=_t("""
        apache2|2.4.62-1~deb12u2|installed
        apache2-bin|2.4.62-1~deb12u2|installed
        libapache2-mod-php8.2|8.2.26-1~deb12u1|installed
        php8.2-mysql|8.2.26-1~deb12u1|installed
    """),
    passwd=PASSWD_BASE,
    layout=_t("""
        F|lrw|/proc/60/exe|/usr/sbin/apache2
        F|lrw|/proc/60/cwd|/
        F|lrw|/proc/61/exe|/usr/sbin/apache2
        F|lrw|/proc/62/exe|/usr/sbin/apache2
        P|60
        F|l-w|2|/var/log/apache2/error.log
        F|l-w|8|/var/log/apache2/simpatda-access.log
        P|61
        F|l-w|2|/var/log/apache2/error.log
        X|60|/usr/lib/apache2/modules/libphp8.2.so
        X|60|/usr/lib/php/20220829/pdo_mysql.so
        O|?|||apache2-bin|/usr/sbin/apache2
        O|?|||libapache2-mod-php8.2|/usr/lib/apache2/modules/libphp8.2.so
        O|?|||php8.2-mysql|/usr/lib/php/20220829/pdo_mysql.so
        O|d|root|root|apache2|/etc/apache2
        O|d|root|root|apache2|/etc/apache2/sites-available
        O|d|root|root|apache2|/etc/apache2/sites-enabled
        O|d|root|root|apache2|/etc/apache2/mods-enabled
        U|f|root|root||/etc/apache2/sites-available/simpatda.conf
        U|l|root|root||/etc/apache2/sites-enabled/simpatda.conf
        U|l|root|root||/etc/apache2/mods-enabled/php8.2.load
        U|d|root|root||/var/www/simpatda
        U|f|root|root||/var/www/simpatda/status.php
        U|f|root|root||/var/www/simpatda/upload.php
        U|d|root|root||/var/www/simpatda/config
        U|d|root|root||/var/www/simpatda/lib
        U|d|www-data|www-data||/var/www/simpatda/uploads
        U|d|root|root||/var/lib/dcc-lab
        S|5120|/var/www/simpatda
        L|/etc/apache2/sites-available/simpatda.conf:4:DocumentRoot /var/www/simpatda
        L|/etc/apache2/sites-available/simpatda.conf:5:<Directory /var/www/simpatda>
        L|/etc/apache2/sites-available/simpatda.conf:10:<DirectoryMatch "^/var/www/simpatda/(config|lib)/">
        L|/etc/apache2/sites-available/simpatda.conf:13:<Directory /var/www/simpatda/uploads>
        L|/var/www/simpatda/config/database.php:5:'host'     => '10.76.61.12',
        L|/var/www/simpatda/config/database.php:7:'database' => 'simpatda',
        L|/var/www/simpatda/status.php:15:'rows' => $rows, 'uploads' => $uploads, 'db_host' => $c['host']]);
    """),
    init_text=_t("""
        V|/etc/init.d/apache2:APACHE_CONFDIR=/etc/apache2
        V|/etc/init.d/apache2:PIDFILE=$(. $APACHE_ENVVARS && echo $APACHE_PID_FILE)
        V|/etc/init.d/ssh:PIDFILE=/run/sshd.pid
    """),
    pidfiles=_t("/run/apache2/apache2.pid|60\n/run/sshd.pid|40"),
    group=GROUP_BASE,
)
PHP_DB = output(
    hostname="dpk-db1",
    ps="""
     1     0 root   1000 /sbin/tini -- /init
    50     1 mysql 90000 /usr/sbin/mariadbd
    """,
    ss_listen='LISTEN 0 80 10.76.61.12:3306 0.0.0.0:* users:(("mariadbd",pid=50,fd=20))',
    db_binaries="/usr/sbin/mariadbd",
    passwd=PASSWD_BASE + "\nmysql:x:100:102:MySQL Server:/nonexistent:/bin/false",
    db_catalog=_t("E|mariadb\nD|simpatda|1048576|simpatda_app\nD|other_app|4096|other"),
    group=GROUP_BASE,
)
SERVICE_SQLITE = output(
    hostname="grt-app1",
    ps="""
     1     0 root      1000 /sbin/tini -- /init
    70     1 ekinerja 30000 /usr/bin/python3 /usr/local/ekinerja/bin/ekinerja-server /etc/ekinerja/ekinerja.ini
    """,
    ss_listen='LISTEN 0 5 0.0.0.0:8970 0.0.0.0:* users:(("ekinerja-server",pid=70,fd=3))',
    packages=_t("python3.11-minimal|3.11.2-6+deb12u9|installed\nlibpython3.11-stdlib|3.11.2-6+deb12u9|installed"),
    passwd=PASSWD_BASE + "\nekinerja:x:1201:1201:ekinerja-garut service:/var/lib/ekinerja:/usr/sbin/nologin",
    layout=_t("""
        F|lrw|/proc/70/exe|/usr/bin/python3.11
        F|lrw|/proc/70/cwd|/var/lib/ekinerja
        P|70
        F|l-w|1|/var/log/ekinerja/ekinerjad.log
        X|70|/usr/lib/python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so
        O|?|||python3.11-minimal|/usr/bin/python3.11
        O|?|||libpython3.11-stdlib|/usr/lib/python3.11/lib-dynload/_sqlite3.cpython-311-x86_64-linux-gnu.so
        U|d|root|root||/etc/ekinerja
        U|f|root|ekinerja||/etc/ekinerja/ekinerja.ini
        U|d|ekinerja|ekinerja||/var/lib/ekinerja
        U|d|ekinerja|ekinerja||/var/lib/ekinerja/lampiran
        U|f|ekinerja|ekinerja||/var/lib/ekinerja/ekinerja.db
        S|900|/var/lib/ekinerja
        L|/etc/ekinerja/ekinerja.ini:3:listen = 0.0.0.0
        L|/etc/ekinerja/ekinerja.ini:7:database = /var/lib/ekinerja/ekinerja.db
        L|/etc/ekinerja/ekinerja.ini:8:attachments = /var/lib/ekinerja/lampiran
        L|/usr/local/ekinerja/bin/ekinerja-server:4:GET /api/ping, GET /api/laporan?limit=N, POST /api/laporan
        M|==> /var/lib/ekinerja/ekinerja.db <==
        M|SQLite format 3
    """),
    init_text=_t("""
        V|/etc/init.d/ekinerjad:NAME=ekinerjad
        V|/etc/init.d/ekinerjad:USER=ekinerja
        V|/etc/init.d/ekinerjad:DAEMON=/usr/local/ekinerja/bin/ekinerja-server
        V|/etc/init.d/ekinerjad:CONF=/etc/ekinerja/ekinerja.ini
        V|/etc/init.d/ekinerjad:PIDFILE=/run/ekinerja/$NAME.pid
        V|/etc/init.d/ekinerjad:--chuid "$USER:$USER" --chdir /var/lib/ekinerja --startas "$DAEMON" -- "$CONF" ;;
    """),
    pidfiles=_t("/run/ekinerja/ekinerjad.pid|70"),
    group=GROUP_BASE + "\nekinerja:x:1201:",
)
CRON_SPOOL = output(
    hostname="kds-batch1",
    ps="""
     1     0 root   1000 /sbin/tini -- /init
    30     1 root   2000 /usr/sbin/cron
    80     1 rekap 12000 /usr/bin/python3 /home/rekap/bin/status-server.py /etc/default/rekapdesa
    """,
    ss_listen='LISTEN 0 5 0.0.0.0:8090 0.0.0.0:* users:(("python3",pid=80,fd=3))',
    packages=_t("python3.11-minimal|3.11.2-6+deb12u9|installed"),
    passwd=PASSWD_BASE + "\nrekap:x:1301:1301:rekap-desa batch:/home/rekap:/bin/sh",
    cron_system=_t("""
        crontab|17 *    * * *   root    cd / && run-parts --report /etc/cron.hourly
        rekapdesa|* * * * * rekap /home/rekap/bin/rekap-harian.sh >> /var/log/rekapdesa/batch.log 2>&1
    """),
    layout=_t("""
        F|lrw|/proc/80/exe|/usr/bin/python3.11
        F|lrw|/proc/80/cwd|/var/spool/rekapdesa
        P|80
        F|l-w|1|/var/log/rekapdesa/rekapdesa-web.log
        O|?|||python3.11-minimal|/usr/bin/python3.11
        U|d|rekap|rekap||/home/rekap
        U|d|rekap|rekap||/home/rekap/bin
        U|d|rekap|rekap||/var/spool/rekapdesa
        U|d|rekap|rekap||/var/spool/rekapdesa/arsip
        U|d|rekap|rekap||/var/spool/rekapdesa/reports
        U|f|root|root||/etc/default/rekapdesa
        U|f|root|root||/etc/cron.d/rekapdesa
        S|40|/home/rekap
        S|700|/var/spool/rekapdesa
        L|/etc/default/rekapdesa:2:SPOOL=/var/spool/rekapdesa
        L|/home/rekap/bin/status-server.py:4:GET /status, GET /laporan/terbaru (latest CSV), POST /kirim
        L|/home/rekap/bin/rekap-harian.sh:5:. /etc/default/rekapdesa
    """),
    init_text=_t("""
        V|/etc/init.d/rekapdesa-web:NAME=rekapdesa-web
        V|/etc/init.d/rekapdesa-web:USER=rekap
        V|/etc/init.d/rekapdesa-web:DAEMON=/home/rekap/bin/status-server.py
        V|/etc/init.d/rekapdesa-web:CONF=/etc/default/rekapdesa
        V|/etc/init.d/rekapdesa-web:PIDFILE=/run/rekapdesa/$NAME.pid
        V|/etc/init.d/cron:DAEMON=/usr/sbin/cron
        V|/etc/init.d/cron:PIDFILE=/var/run/crond.pid
    """),
    pidfiles=_t("/run/rekapdesa/rekapdesa-web.pid|80\n/run/crond.pid|30"),
    group=GROUP_BASE + "\nrekap:x:1301:",
)
UNLIKE_APP = output(
    hostname="ksk-app1",
    ps="""
     1     0 root     1000 /sbin/init
    90     1 antrian 40000 /data/antrian/current/antrian-server --config /data/antrian/shared/config.toml
    """,
    ss_listen='LISTEN 0 128 *:9443 *:* users:(("antrian-server",pid=90,fd=6))',
    ss_established=('ESTAB 0 0 10.76.64.11:41000 10.76.64.20:5432 users:(("antrian-server",pid=90,fd=7))'),
    passwd=PASSWD_BASE + "\nantrian:x:990:990::/data/antrian:/usr/sbin/nologin",
    layout=_t("""
        F|lrw|/proc/90/exe|/data/antrian/current/antrian-server
        F|lrw|/proc/90/cwd|/data/antrian/current
        P|90
        F|l-w|3|/data/antrian/shared/queue.log
        F|lrw|4|/data/antrian/shared/state.db
        G|90|/system.slice/antrian.service
        U|?|||/data/antrian/current/antrian-server
        U|?|||/data/antrian/shared/queue.log
        U|?|||/data/antrian/shared/state.db
        L|/data/antrian/shared/config.toml:3:upstream_db = "postgres://antrian@10.76.64.20:5432/antrian"
        L|/data/antrian/shared/config.toml:4:spool = "/data/antrian/shared/spool"
        M|==> /data/antrian/shared/state.db <==
        M|SQLite format 3
    """),
    init_text=_t("""
        Y|/etc/systemd/system/antrian.service:ExecStart=/data/antrian/current/antrian-server --config /data/antrian/shared/config.toml
        Y|/etc/systemd/system/antrian.service:User=antrian
        Y|/etc/systemd/system/antrian.service:WorkingDirectory=/data/antrian/current
    """),
    group=GROUP_BASE + "\nantrian:x:990:",
)
UNLIKE_DB = output(
    hostname="ksk-db1",
    ps="""
     1     0 root      1000 /sbin/init
    55     1 postgres 30000 /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main
    """,
    ss_listen='LISTEN 0 244 0.0.0.0:5432 0.0.0.0:* users:(("postgres",pid=55,fd=6))',
    db_binaries="/usr/lib/postgresql/15/bin/postgres",
    db_catalog=_t("""
        E|postgresql
        D|postgres|7708007|postgres
        D|antrian|9120000|antrian
        D|unrelated|8000000|someone
        C|antrian|antrian|10.76.64.11|41000
    """),
    passwd=PASSWD_BASE,
    group=GROUP_BASE,
)
VENDOR_HOSTS = {"dpk-web1": ("10.76.61.11", PHP_WEB), "dpk-db1": ("10.76.61.12", PHP_DB),
                "grt-app1": ("10.76.62.11", SERVICE_SQLITE), "kds-batch1": ("10.76.63.11", CRON_SPOOL),
                "ksk-app1": ("10.76.64.11", UNLIKE_APP), "ksk-db1": ("10.76.64.20", UNLIKE_DB)}


def vendor_facts() -> dict[str, HostFacts]:
    return {host: facts_of(host, ip, raw) for host, (ip, raw) in VENDOR_HOSTS.items()}
