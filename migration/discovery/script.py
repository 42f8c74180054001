"""The one read-only shell script discovery runs on each host, and the splitter for its output.

Every section is capped in size on the host; a per-run random marker separates sections so
that text a host prints (a cron line, a file name) cannot pose as the start of a section.
"""

from __future__ import annotations

import re
import secrets

from migration.discovery import appscript

_SS_LISTEN = "ss -Htlnp"
# Only reads: no command here writes a file, changes a service or installs anything.
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("os-release", "cat /etc/os-release"),
    ("uname", "uname -srm"),
    ("hostname", "hostname"),
    ("nproc", "nproc"),
    ("meminfo", "cat /proc/meminfo"),
    ("df", "df -PTk -x tmpfs -x devtmpfs -x overlay -x proc -x sysfs; df -PTk /"),
    ("packages", "dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Status}\\n'"),
    # Never run an init script, not even `status`: an LSB script may treat an unknown verb as
    # start or stop. A live pid in the service's pidfile (kill -0 sends nothing) means running.
    ("services", ("for f in /etc/init.d/*; do [ -x \"$f\" ] || continue; n=${f##*/}; "
                  "e=0; for l in /etc/rc2.d/S??\"$n\"; do [ -e \"$l\" ] && e=1; done; s=-; "
                  "for p in /run/\"$n\".pid /run/\"$n\"/\"$n\".pid /var/run/\"$n\".pid; do [ -f \"$p\" ] || continue; "
                  "read -r i < \"$p\"; case \"$i\" in ''|*[!0-9]*) s=1 ;; *) kill -0 \"$i\" && s=0 || s=1 ;; esac; "
                  "break; done; printf '%s\\t%s\\t%s\\n' \"$n\" \"$e\" \"$s\"; done")),
    ("ps", "ps -eo pid=,ppid=,user:32=,rss=,args= -ww"),
    ("ss-listen", _SS_LISTEN),
    ("ss-established", "ss -Htnp state established"),
    ("ss-timewait", "ss -Htn state time-wait"),
    ("du", "timeout 20 du -sxk /srv/* /srv/*/data /var/lib/postgresql /var/lib/mysql"),
    ("db-binaries", "ls -d /usr/lib/postgresql/*/bin/postgres /usr/sbin/mysqld /usr/sbin/mariadbd"),
    ("cron-system", ("for f in /etc/crontab /etc/cron.d/*; do [ -f \"$f\" ] || continue; "
                    "while IFS= read -r l; do printf '%s\\t%s\\n' \"${f##*/}\" \"$l\"; done < \"$f\"; done")),
    ("cron-user", ("for f in /var/spool/cron/crontabs/*; do [ -f \"$f\" ] || continue; "
                  "while IFS= read -r l; do printf '%s\\t%s\\n' \"${f##*/}\" \"$l\"; done < \"$f\"; done")),
    ("passwd", "cat /etc/passwd"),
    *appscript.SECTIONS,  # what profile proposals are built from
)
SECTION_NAMES = tuple(name for name, _ in _SECTIONS)
LAYOUT_NAMES = tuple(name for name, _ in appscript.SECTIONS)  # left out by build(layout=False)
SECTION_CAP = 1 << 20  # bytes per section, enforced on the host by head -c


def new_marker() -> str:
    """A fresh random marker for one run."""
    return f"@@dcc-{secrets.token_hex(8)}@@"


def build(marker: str, layout: bool = True) -> str:
    """The script for one run; `marker` is ours (hex), never text from a host. Without `layout`,
    the sections behind profile proposals are left out (discovery as it was before them)."""
    if not re.fullmatch(r"@@dcc-[0-9a-f]{16}@@", marker):
        raise ValueError("marker must come from new_marker()")
    lines = ["export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    if layout:  # the listeners once, for their section and for the layout program (ss -p scans /proc)
        lines.append(f"dcc_listen=$({_SS_LISTEN} 2>/dev/null)")
    for name, command in _SECTIONS:
        if not layout and name in LAYOUT_NAMES:
            continue
        if layout and name == "ss-listen":
            command = "printf '%s\\n' \"$dcc_listen\""
        lines.append(f"printf '\\n{marker} {name}\\n'")
        lines.append(f"{{ {command} ; }} 2>/dev/null </dev/null | head -c {SECTION_CAP}")
    lines.append(f"printf '\\n{marker} end\\n'")
    return "\n".join(lines) + "\n"


def split(output: bytes, marker: str, layout: bool = True) -> tuple[dict[str, str], list[str]]:
    """Section name -> text, plus warnings for missing, repeated or unknown sections."""
    text = output.decode("utf-8", errors="replace")
    sections: dict[str, str] = {}
    warnings: list[str] = []
    current: str | None = None
    chunks: list[str] = []
    for line in text.split("\n"):
        if line.startswith(marker + " "):
            _close(sections, current, chunks, warnings)
            current, chunks = line[len(marker) + 1:].strip(), []
            continue
        if current is not None:
            chunks.append(line)
    _close(sections, current, chunks, warnings)
    if "end" not in sections:
        warnings.append("output: ended early (truncated or the script was cut off)")
    sections.pop("end", None)
    expected = [n for n in SECTION_NAMES if layout or n not in LAYOUT_NAMES]
    warnings += [f"{name}: section missing" for name in expected if name not in sections]
    return sections, warnings


def _close(sections: dict[str, str], name: str | None, chunks: list[str], warnings: list[str]) -> None:
    if name is None:
        return
    if name != "end" and name not in SECTION_NAMES:
        warnings.append(f"output: unknown section {name[:40]!r} ignored")
        return
    if name in sections:
        warnings.append(f"{name}: section repeated; first kept")
        return
    sections[name] = "\n".join(chunks).strip("\n")
