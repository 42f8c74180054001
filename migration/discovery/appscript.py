"""The read-only sections behind profile proposals, run inside discovery's one script.

Each only reads: /proc, directory listings under a few roots, dpkg's file lists, the first lines
and bytes of config and candidate database files, init scripts and units, and the database
catalogs through the local admin socket. Lines that mention a password, key, token or secret are
dropped on the host, so they never leave it. Every list is capped and the walk has an alarm.
"""

from __future__ import annotations

# The layout section is one Perl program (perl-base is Essential on Debian, so every dpkg host
# has it): one process instead of dozens of forks keeps discovery fast on busy legacy hosts. It
# only reads (/proc, directory listings, dpkg's file lists, the first bytes and lines of files)
# and prints, per record type:
#   P pid / F mode name target   a listening process's exe, cwd and open files (mode w: writing)
#   G pid cgroup                 its cgroup (the systemd unit); X pid path: modules it maps
#   O|U type user group pkg path a path under the data roots (depth 2), /etc (depth 3) or used by
#                                a listener, owned by a package (O) or by none (U)
#   S kb path                    size of an unowned top folder; M: first 15 bytes of candidate
#                                database files; L file:line:text: config lines naming hosts,
#                                addresses, paths or health routes (lines naming secrets dropped),
#                                from unowned files of the unowned top folders and of /etc's folders;
#                                a path such a line names inside an unowned top folder gets its U
#   W message                    the program stopped early (its time limit)
#   V|Y file:line                an init script's assignments, option lines and the files it
#                                sources (`. /etc/default/x`) | a unit's Exec*,
#                                User=, PIDFile= ... lines; Q pidfile pid; R an /etc/group line
PERL = r"""
use strict; use warnings; $SIG{ALRM} = sub { print "W\ttime limit reached; the rest left out\n"; exit 0 }; alarm 25;
my $MAXLS = 4000; my $sys = qr{^/(usr/)?lib(64)?/([a-z0-9_]+-linux-gnu/)?[^/]+$};
my $cfgx = qr{\.(conf|cnf|cfg|ini|env|php|inc|yml|yaml|json|xml|properties|sh|py|pl|rb|js|toml)$};
my $dbx = qr{\.(db|sqlite|sqlite3|db3|s3db|fdb)$}; my $secret = qr{pass|pwd|secret|token|key|credential|salt|private}i;
my $want = qr{(\d{1,3}\.){3}\d{1,3}|host|://|db|database|health|/ping|/status|/(srv|opt|var|home|data|mnt)/}i;
my (%seen, @pids, %cand, @args, @fdpaths, %u, %g);
while (my $l = <STDIN>) { while ($l =~ /pid=(\d+)/g) { push @pids, $1 unless $seen{$1}++ } }
@pids = (sort { $a <=> $b } @pids); splice(@pids, 64) if @pids > 64;
for my $p (@pids) {
  for my $n ("exe", "cwd") { my $t = readlink("/proc/$p/$n"); next unless defined $t && $t =~ m{^/};
    print "F\tlrw\t/proc/$p/$n\t$t\n"; $cand{$t} //= "?\t\t" }
  print "P\t$p\n";
  if (opendir(my $d, "/proc/$p/fd")) { my $n = 0;
    for my $fd (sort { $a <=> $b } grep { /^\d+$/ } readdir $d) { last if ++$n > 256;
      my $t = readlink("/proc/$p/fd/$fd"); next unless defined $t && $t =~ m{^/};
      my $m = (lstat("/proc/$p/fd/$fd"))[2] // 0;
      print "F\tl", ($m & 0400 ? "r" : "-"), ($m & 0200 ? "w" : "-"), "\t$fd\t$t\n";
      $cand{$t} //= "?\t\t"; push @fdpaths, $t } closedir $d }
  if (open(my $f, "<", "/proc/$p/cgroup")) { while (<$f>) { print "G\t$p\t$1\n" if m{^(?:0::|\d+:name=systemd:)(.*)$} } close $f }
  if (open(my $f, "<", "/proc/$p/maps")) { my (%s, $n);
    while (<$f>) { my $so = (split)[5]; next unless defined $so && $so =~ /\.so/ && $so !~ $sys && !$s{$so}++;
      last if ++$n > 300; print "X\t$p\t$so\n"; $cand{$so} //= "?\t\t" } close $f }
  if (open(my $f, "<", "/proc/$p/cmdline")) { local $/; my $c = <$f> // ""; close $f;
    push @args, grep { m{^/} && !m{^/(usr/(s?bin|lib|share)|s?bin|lib|proc|dev|sys)/} && -f $_ } split(/\0/, $c) }
}
sub meta { my ($t, $st) = @_; $u{$st->[4]} //= (getpwuid($st->[4]))[0] // $st->[4];
  $g{$st->[5]} //= (getgrgid($st->[5]))[0] // $st->[5]; return "$t\t$u{$st->[4]}\t$g{$st->[5]}" }
sub walk { my ($dir, $depth, $max, $dev, $count, $cb) = @_;
  opendir(my $d, $dir) or return; my @e = sort grep { $_ ne "." && $_ ne ".." } readdir $d; closedir $d;
  for my $e (@e) { return if $$count-- <= 0; my $p = $dir eq "/" ? "/$e" : "$dir/$e"; my @st = lstat($p) or next;
    my $t = -l _ ? "l" : -d _ ? "d" : -f _ ? "f" : "?"; next if $t eq "d" && $st[0] != $dev;
    $cb->($p, $t, \@st, $depth); walk($p, $depth + 1, $max, $dev, $count, $cb) if $t eq "d" && $depth < $max } }
for my $r ("/opt", "/srv", "/var/www", "/var/lib", "/var/spool", "/home", "/etc") {
  my @st = stat($r) or next; my $count = $MAXLS;
  walk($r, 1, $r eq "/etc" ? 3 : 2, $st[0], \$count, sub { $cand{$_[0]} = meta($_[1], $_[2]) }) }
my %owner;
if (opendir(my $d, "/var/lib/dpkg/info")) { for my $l (sort grep { /\.list$/ } readdir $d) {
  (my $pkg = $l) =~ s/\.list$//; $pkg =~ s/:.*//; open(my $f, "<", "/var/lib/dpkg/info/$l") or next;
  while (my $x = <$f>) { chomp $x; $owner{$x} //= $pkg if exists $cand{$x} } close $f } closedir $d }
my @tops;
for my $p (sort keys %cand) { my $m = $cand{$p};
  if (defined $owner{$p}) { print "O\t$m\t$owner{$p}\t$p\n" unless $m =~ /^f/ && $p =~ m{^/etc/}; next }
  next if $m =~ /^l/ && !($p =~ m{^/etc/[^/]+/[^/]+/[^/]+$} && $p !~ m{^/etc/(ssl|alternatives)/});
  print "U\t$m\t\t$p\n";
  push @tops, $p if $m =~ /^d/ && $p =~ m{^/(opt|srv|var/www|var/lib|var/spool|home|etc)/[^/]+$} && @tops < 200 }
my (@conf, @dbs);
for my $top (@tops) { my @st = lstat($top) or next; my ($kb, $count, %ino) = (($st[12] // 0) / 2, 200000);
  walk($top, 1, $top =~ m{^/etc/} ? 2 : 64, $st[0], \$count, sub { my ($p, $t, $s, $depth) = @_;
    $kb += ($s->[12] // 0) / 2 unless $s->[3] > 1 && $ino{"$s->[1]"}++;
    return unless $t eq "f" && $depth <= 4 && @conf + @dbs < 800;
    my $name = $p; $name =~ s{.*/}{};
    if ($p =~ m{^/etc/} || ($name !~ /^\./ && $name =~ $cfgx)) { push @conf, $p if $s->[7] < 262144 }
    elsif ($name =~ $dbx && $s->[7] > 0) { push @dbs, $p } });
  printf "S\t%d\t%s\n", $kb, $top unless $top =~ m{^/etc/} }
my %doneL; my $lines = 0; my %istop = map { $_ => 1 } @tops; my $named = 0;
sub named { my ($q) = @_; return if exists $cand{$q} || $named >= 400 || $q =~ m{/\.\.?(/|$)}; my $t = $q;
  while ($t =~ s{/[^/]+$}{} && $t ne "") { next unless $istop{$t}; my @st = lstat($q) or return;
    $cand{$q} = meta(-l _ ? "l" : -d _ ? "d" : -f _ ? "f" : "?", \@st); print "U\t$cand{$q}\t\t$q\n"; $named++; return } }
for my $p (@conf, (grep { m{^/etc/[^/]+/[^/]+(/[^/]+)?$} && ($cand{$_} // "") =~ /^f/ && !defined $owner{$_} } sort keys %cand), @args) {
  next if $doneL{$p}++ || $p =~ $secret || $p =~ /\.(pem|crt|der)$/ || $lines >= 4000;
  open(my $f, "<", $p) or next; my ($n, $hits, $read) = (0, 0, 0);
  while (my $x = <$f>) { $n++; $read += length $x; last if $read > 262144 || $hits >= 40;
    if ($n == 1 && $x =~ /\0/) { last } chomp $x;
    next unless $x =~ $want; next if $x =~ $secret || $x =~ m{^\s*(#|//|;|\*)};
    print "L\t$p:$n:", substr($x, 0, 560), "\n"; $hits++; $lines++;
    named($_) for $x =~ m{(/[\w.@%+-]+(?:/[\w.@%+-]+)+)}g } close $f }
for my $f (sort glob("/etc/init.d/*")) { next unless -f $f; open(my $h, "<", $f) or next; my $n = 0;
  while (my $x = <$h>) { chomp $x;
    next unless $x =~ /^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_]*=/ || $x =~ /^[^#]*(--[a-z]|exec )/
      || $x =~ m{^[^#]*(^|[;&|\s])(\.|source)\s+/};
    print "V\t$f:", substr($x, 0, 560), "\n"; last if ++$n >= 80 } close $h }
for my $f (sort glob("/etc/systemd/system/*.service /etc/systemd/system/*/*.service /lib/systemd/system/*.service")) {
  open(my $h, "<", $f) or next; while (my $x = <$h>) { chomp $x;
    print "Y\t$f:", substr($x, 0, 560), "\n" if $x =~ /^(ExecStart|ExecStop|ExecReload|User|Group|WorkingDirectory|PIDFile|EnvironmentFile|Environment)=/ } close $h }
for my $f (sort glob("/run/*.pid /run/*/*.pid")) { next unless -f $f; open(my $h, "<", $f) or next;
  my $i = <$h> // ""; close $h; chomp $i; print "Q\t$f\t$i\n" }
if (open(my $h, "<", "/etc/group")) { my $n = 0; while (my $x = <$h>) { chomp $x; print "R\t$x\n"; last if ++$n >= 5000 } close $h }
my %doneM;
for my $p (@dbs, grep { m{^/(opt|srv|var|home|data|mnt)/} } @fdpaths) { next if $doneM{$p}++ || keys %doneM > 300 || !-f $p;
  open(my $f, "<", $p) or next; my $b = ""; read($f, $b, 15); close $f; $b =~ s/[^\x20-\x7e]/?/g;
  print "M\t==> $p <==\nM\t$b\n" }
"""
assert "'" not in PERL
# The listeners come from `$dcc_listen`, which the script sets once before its sections.
LAYOUT = "printf '%s\\n' \"$dcc_listen\" | perl -e '" + PERL.strip() + "'"

# Database catalogs through the local admin socket: names, sizes, owners, and who is connected.
DB_CATALOG = r"""
if [ -d /run/postgresql ] && command -v psql >/dev/null; then
  printf 'E\tpostgresql\n'
  timeout 5 runuser -u postgres -- psql -X -A -t -q -F 'TAB' \
    -c "select 'D', datname, pg_database_size(datname), pg_get_userbyid(datdba) from pg_database where datallowconn and not datistemplate" \
    -c "select 'C', datname, usename, coalesce(host(client_addr), 'local'), coalesce(client_port, 0) from pg_stat_activity where datname is not null and pid <> pg_backend_pid()"
fi
if [ -S /run/mysqld/mysqld.sock ] && command -v mysql >/dev/null; then
  printf 'E\tmariadb\n'
  timeout 5 mysql -N -B -e "select 'D', s.schema_name, coalesce(sum(t.data_length + t.index_length), 0), coalesce((select group_concat(distinct d.user) from mysql.db d where d.db = s.schema_name), '') from information_schema.schemata s left join information_schema.tables t on t.table_schema = s.schema_name where s.schema_name not in ('mysql', 'information_schema', 'performance_schema', 'sys') group by s.schema_name; select 'C', db, user, substring_index(host, ':', 1), if(host like '%:%', substring_index(host, ':', -1), 0) from information_schema.processlist where db is not null and id <> connection_id()"
fi
"""

DB_CATALOG = DB_CATALOG.replace("TAB", "\t")  # a literal tab: no subshell for printf
SECTIONS: tuple[tuple[str, str], ...] = (
    ("layout", LAYOUT),
    ("db-catalog", DB_CATALOG.strip()),
)
