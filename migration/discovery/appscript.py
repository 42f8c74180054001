"""The read-only shell sections behind profile proposals, run inside discovery's one script.

Each only reads: /proc, find over a few roots, dpkg's file lists, grep over config files, the
first 15 bytes of candidate database files, and the database catalogs through the local admin
socket. Lines that mention a password, key, token or secret are dropped on the host, so they
never leave it. Every list is capped (head) and every slow step has a timeout.
"""

from __future__ import annotations

DATA_ROOTS = "/opt /srv /var/www /var/lib /var/spool /home"
_CONF_NAMES = " ".join(f'-o -name "*.{ext}"' for ext in (
    "conf", "cnf", "cfg", "ini", "env", "php", "inc", "yml", "yaml", "json", "xml", "properties", "sh", "py",
    "pl", "rb", "js", "toml"))[3:]
_DB_NAMES = " ".join(f'-o -name "*.{ext}"' for ext in ("db", "sqlite", "sqlite3", "db3", "s3db", "fdb"))[3:]
_SECRET = "pass|pwd|secret|token|key|credential|salt|private"
_INTERESTING = r"([0-9]{1,3}\.){3}[0-9]{1,3}|host|://|db|database|health|/ping|/status|/(srv|opt|var|home|data|mnt)/"

# Listening processes: exe, cwd and open files (ls -l shows each fd's mode), systemd unit from the
# cgroup, arguments that are paths, and the shared objects mapped (to name the packages they need).
APP_PROCS = r"""
for p in $(ss -Htlnp | grep -o 'pid=[0-9]*' | cut -c5- | sort -un | head -n 64); do
  [ -r /proc/$p/cmdline ] || continue
  printf 'P\t%s\n' "$p"
  ls -l /proc/$p/exe /proc/$p/cwd /proc/$p/fd/ 2>/dev/null | head -n 256 | sed -n 's/^\([l-][r-][w-]\).* \([^ ]*\) -> \(\/.*\)$/F\t\1\t\2\t\3/p'
  while IFS= read -r l; do case $l in 0::*|*:name=systemd:*) printf 'G\t%s\n' "${l##*:}" ;; esac; done < /proc/$p/cgroup
  tr '\0' '\n' < /proc/$p/cmdline | grep '^/' | head -n 32 | sed 's/^/A\t/'
  awk '$6 ~ /\.so/ && !s[$6]++ {print "X\t" $6}' /proc/$p/maps | head -n 200
done
"""

# Paths under the data roots (depth 2) and /etc (depth 3), plus every path a listener uses, each
# marked O (a package owns it: dpkg's lists) or U (none does); sizes of unowned top folders;
# config lines naming hosts, addresses, paths or health routes; SQLite files by magic bytes.
LAYOUT = rf"""
procs=$({{ {APP_PROCS} }} 2>/dev/null)
cands=$({{ find {DATA_ROOTS} -mindepth 1 -maxdepth 2 -xdev -printf '%y\t%u\t%g\t%p\n' | head -n 4000
  find /etc -mindepth 1 -maxdepth 3 -xdev -printf '%y\t%u\t%g\t%p\n' | head -n 4000
  printf '%s\n' "$procs" | sed -n 's/^F\t[^\t]*\t[^\t]*\t/?\t\t\t/p; s/^[AX]\t/?\t\t\t/p'; }} 2>/dev/null)
own=$(printf '%s\n' "$cands" | awk -F'\t' 'FILENAME=="-" {{ if (!($4 in m)) m[$4]=$1 "\t" $2 "\t" $3; next }}
  ($0 in m) && !($0 in o) {{ p=FILENAME; sub(/.*\//, "", p); sub(/\.list$/, "", p); sub(/:.*/, "", p);
    o[$0]=1; print "O\t" m[$0] "\t" p "\t" $0 }}
  END {{ for (k in m) if (!(k in o)) print "U\t" m[k] "\t\t" k }}' - /var/lib/dpkg/info/*.list 2>/dev/null)
printf '%s\n' "$procs" "$own"
tops=$(printf '%s\n' "$own" | awk -F'\t' '$1=="U" && $2=="d" {{print $6}}' \
  | grep -E '^/(opt|srv|var/www|var/lib|var/spool|home)/[^/]+$|^/etc/[^/]+$' | head -n 200)
printf '%s\n' "$tops" | grep -v '^/etc/' | xargs -r -d '\n' timeout 10 du -sxk 2>/dev/null | sed 's/^/S\t/'
{{ printf '%s\n' "$tops" | xargs -r -d '\n' sh -c 'find "$@" -maxdepth 4 -xdev -type f -size -256k ! -name ".*" \( {_CONF_NAMES} \) 2>/dev/null' sh | head -n 400
  printf '%s\n' "$tops" | grep '^/etc/' | xargs -r -d '\n' sh -c 'find "$@" -maxdepth 2 -type f -size -256k 2>/dev/null' sh | head -n 200
  printf '%s\n' "$own" | awk -F'\t' '$1=="U" && $2=="f" {{print $6}}' | grep -E '^/etc/[^/]+/' | grep -v -i -E '{_SECRET}|\.(pem|crt|der)$' | head -n 200
  printf '%s\n' "$procs" | sed -n 's/^A\t//p' | grep -E '^/(etc|opt|srv|var|home|usr/local)/' | head -n 64
}} | sort -u | xargs -r -d '\n' grep -H -n -I -i -m 40 -E '{_INTERESTING}' 2>/dev/null \
  | grep -v -i -E '{_SECRET}' | grep -v -E '^[^:]*:[0-9]+:[[:space:]]*(#|//|;|\*)' | cut -c1-600 | head -n 4000 | sed 's/^/L\t/'
{{ printf '%s\n' "$tops" | grep -v '^/etc/' | xargs -r -d '\n' sh -c 'find "$@" -maxdepth 3 -xdev -type f -size +0 \( {_DB_NAMES} \) 2>/dev/null' sh | head -n 200
  printf '%s\n' "$procs" | sed -n 's/^F\t[^\t]*\t[^\t]*\t//p' | grep -E '^/(opt|srv|var|home)/' | head -n 200
}} | sort -u | xargs -r -d '\n' head -v -c 15 2>/dev/null | tr -c '[:print:]\n' '?' | head -c 65536 | sed 's/^/M\t/'
"""

# Init scripts (assignments and lines naming paths) and systemd units (what they run, as whom).
INIT_TEXT = (r"""grep -H -m 200 -E '^[^#]*(=|/)' /etc/init.d/* 2>/dev/null | cut -c1-600 | sed 's/^/V\t/'; """
             r"""grep -H -E '^(ExecStart|ExecStop|ExecReload|User|Group|WorkingDirectory|PIDFile|EnvironmentFile|"""
             r"""Environment)=' /etc/systemd/system/*.service /etc/systemd/system/*/*.service """
             r"""/lib/systemd/system/*.service 2>/dev/null | cut -c1-600 | sed 's/^/D\t/'""")

PIDFILES = (r"""for f in /run/*.pid /run/*/*.pid; do [ -f "$f" ] || continue; i=; read -r i < "$f"; """
            r"""printf '%s\t%s\n' "$f" "$i"; done""")

# Database catalogs through the local admin socket: names, sizes, owners, and who is connected.
DB_CATALOG = r"""
if [ -d /run/postgresql ] && command -v psql >/dev/null; then
  printf 'E\tpostgresql\n'
  timeout 5 runuser -u postgres -- psql -X -A -t -q -F "$(printf '\t')" \
    -c "select 'D', datname, pg_database_size(datname), pg_get_userbyid(datdba) from pg_database where datallowconn and not datistemplate" \
    -c "select 'C', datname, usename, coalesce(host(client_addr), 'local'), coalesce(client_port, 0) from pg_stat_activity where datname is not null and pid <> pg_backend_pid()"
fi
if [ -S /run/mysqld/mysqld.sock ] && command -v mysql >/dev/null; then
  printf 'E\tmariadb\n'
  timeout 5 mysql -N -B -e "select 'D', s.schema_name, coalesce(sum(t.data_length + t.index_length), 0), coalesce((select group_concat(distinct d.user) from mysql.db d where d.db = s.schema_name), '') from information_schema.schemata s left join information_schema.tables t on t.table_schema = s.schema_name where s.schema_name not in ('mysql', 'information_schema', 'performance_schema', 'sys') group by s.schema_name; select 'C', db, user, substring_index(host, ':', 1), if(host like '%:%', substring_index(host, ':', -1), 0) from information_schema.processlist where db is not null and id <> connection_id()"
fi
"""

SECTIONS: tuple[tuple[str, str], ...] = (
    ("layout", LAYOUT.strip()),
    ("init-text", INIT_TEXT),
    ("pidfiles", PIDFILES),
    ("db-catalog", DB_CATALOG.strip()),
    ("group", "cat /etc/group"),
)
