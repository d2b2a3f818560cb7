# What safe_ddl trusts when it writes the log, and what the owner of a
# database (not a superuser) can do to it:
# - a log planted under the name safe_ddl in a database without the
#   extension is not written (its index would run the owner's function as
#   a superuser);
# - default_transaction_read_only and ALLOW_CONNECTIONS, set by the owner,
#   do not keep the writer from writing;
# - a sequence moved to the edge of bigint, or back, does not stop DDL;
# - one row that cannot be written does not take its batch with it;
# - CREATE EXTENSION does not adopt a schema someone else made.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = new_safe_ddl_node('log_trust');

# Run a script as a role (psql goes on after errors); returns stderr.
sub session
{
	my ($dbname, $role, $sql) = @_;
	my ($ret, $stdout, $stderr) = $node->psql($dbname, $sql,
		on_error_stop => 0,
		extra_params => [ '-U', $role ]);
	return $stderr;
}

sub superuser
{
	my ($dbname, $sql) = @_;
	return $node->safe_psql($dbname, "SET lock_timeout = '5s';\n$sql");
}

# Wait until no writer is connected (they leave 1 s after their last row):
# the next one starts afresh, with the database's current settings.
sub wait_no_writer
{
	$node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'safe_ddl writer'"
	) or die "a writer did not leave";
	return;
}

superuser('postgres', q{
CREATE ROLE mallory LOGIN;
CREATE DATABASE planted OWNER mallory;
CREATE ROLE owner1 LOGIN;
CREATE DATABASE owned OWNER owner1;
CREATE ROLE owner2 LOGIN;
CREATE DATABASE adopt OWNER owner2;
CREATE ROLE alice LOGIN;
});

#
# 1. A planted log.  The owner of a database without the extension makes
# a table and a sequence with the log's names, and an index whose
# expression makes them superuser when a superuser evaluates it.
#
my $err = session('planted', 'mallory', q{
SET lock_timeout = '5s';
CREATE SCHEMA s;
CREATE SEQUENCE s.audit_log_id_seq;
CREATE TABLE s.audit_log (id bigint, statement text);
CREATE FUNCTION public.g() RETURNS void VOLATILE LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('is_superuser') = 'on'
       AND current_setting('mallory.done', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('mallory.done', 'yes', false);
        PERFORM set_config('lock_timeout', '5s', true);
        EXECUTE 'ALTER ROLE mallory SUPERUSER';
    END IF;
END
$$;
-- An index expression must be IMMUTABLE; what it calls need not be.
CREATE FUNCTION public.f(text) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
    PERFORM public.g();
    RETURN 0;
END
$$;
CREATE INDEX ON s.audit_log (public.f(statement));
});
unlike($err, qr/ERROR/, 'planted log: the owner made the table, the sequence and the index');

# The name safe_ddl: the owner renames the schema.  (Should that be refused
# one day, a superuser giving the owner the schema does the same here: the
# point is where the writer looks, not how the name got there.)
$err = session('planted', 'mallory',
	"SET lock_timeout = '5s';\nALTER SCHEMA s RENAME TO safe_ddl;");
if ($err =~ /ERROR/)
{
	superuser('planted', 'ALTER SCHEMA s RENAME TO safe_ddl');
}
is($node->safe_psql('planted', "SELECT to_regclass('safe_ddl.audit_log') IS NOT NULL"),
	't', 'planted log: safe_ddl.audit_log exists, made by the owner');

my $offset = -s $node->logfile;
$err = session('planted', 'mallory', "CREATE TABLE refused_here (id int);");
like($err, qr/safe_ddl refused CREATE TABLE/, 'planted log: the owner\'s DDL without a timeout is refused');
ok(wait_for_queue($node, 'postgres'), 'planted log: the queue is empty');
# Give a writer, if one was started, time to have done its worst.
sleep 2;
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'"),
	'f', 'planted log: after the refusal, the owner is not a superuser');

$err = session('planted', 'postgres',
	"SET lock_timeout = '5s';\nCREATE TABLE by_superuser (id int);");
unlike($err, qr/ERROR/, 'planted log: a superuser\'s DDL runs');
like($err, qr/safe_ddl is not installed in database "planted"/,
	'planted log: the superuser is told the database is not audited');
is($node->safe_psql('postgres', "SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'"),
	'f', 'planted log: after a superuser\'s DDL, the owner is still not a superuser');
is($node->safe_psql('planted', 'SELECT count(*) FROM safe_ddl.audit_log'),
	'0', 'planted log: nothing was written to the planted table');
my $log = slurp_file($node->logfile, $offset);
like($log,
	qr/safe_ddl audit record \(safe_ddl is not installed in the database\): \{.*"database_name":"planted".*"statement":"CREATE TABLE refused_here \(id int\)".*"outcome":"refused"/,
	'planted log: the refused row went to the server log');

#
# 2. The owner of a database with the extension sets
# default_transaction_read_only for it, and closes it to connections for a
# while: the writer writes every refused row all the same.
#
superuser('owned', 'CREATE EXTENSION safe_ddl');
$err = session('owned', 'owner1', q{
SET lock_timeout = '5s';
ALTER DATABASE owned SET default_transaction_read_only = on;
});
unlike($err, qr/ERROR/, 'read-only: the owner sets default_transaction_read_only = on');
# More rows than the block of ids in hand (32): the writer must reserve
# ids, with setval(), which a read-only transaction may not call.
wait_no_writer();
$err = session('owned', 'owner1',
	join("\n", map { "CREATE TABLE ro$_ (id int);" } 1 .. 40));
is(() = $err =~ /safe_ddl refused CREATE TABLE/g, 40, 'read-only: 40 statements refused');
ok(wait_for_queue($node, 'owned'), 'read-only: the writer emptied the queue');
is($node->safe_psql('owned',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE outcome = 'refused' AND statement LIKE 'CREATE TABLE ro%'"),
	'40', 'read-only: every refused row is in the log');

# ALLOW_CONNECTIONS false (set from another database: not allowed on the
# current one) while a session of the owner, connected before, has its
# statements refused: a writer must connect to write their rows.
wait_no_writer();
my ($closed_out, $closed_err) = ('', '');
my $closed = IPC::Run::start(
	[
		'psql', '-X', '-q', '-A', '-t', '-d', $node->connstr('owned'), '-U', 'owner1',
		'-f', '-'
	],
	'<',
	\q{
SELECT pg_sleep(3);
CREATE TABLE closed1 (id int);
CREATE TABLE closed2 (id int);
SELECT safe_ddl.wait_for_queue('30s');
},
	'>', \$closed_out, '2>', \$closed_err);
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE datname = 'owned' AND usename = 'owner1'"
) or die "the owner's session did not connect";
$err = session('postgres', 'owner1',
	"SET lock_timeout = '5s';\nALTER DATABASE owned ALLOW_CONNECTIONS false;");
unlike($err, qr/ERROR/, 'ALLOW_CONNECTIONS false: set by the owner');
$closed->finish;
is(() = $closed_err =~ /safe_ddl refused CREATE TABLE/g, 2,
	'ALLOW_CONNECTIONS false: two statements refused');
like($closed_out, qr/^t$/m, 'ALLOW_CONNECTIONS false: the queue emptied');
$err = session('postgres', 'owner1',
	"SET lock_timeout = '5s';\nALTER DATABASE owned ALLOW_CONNECTIONS true;");
unlike($err, qr/ERROR/, 'ALLOW_CONNECTIONS true again');
is($node->safe_psql('owned',
		"SELECT string_agg(statement, ', ' ORDER BY id) FROM safe_ddl.audit_log WHERE outcome = 'refused' AND statement LIKE '%closed%'"),
	'CREATE TABLE closed1 (id int), CREATE TABLE closed2 (id int)',
	'ALLOW_CONNECTIONS false: the writer got in and wrote both rows');

#
# 3. One row that cannot be written: a DBA's btree index on the statement
# text (a plain column, which safe_ddl accepts) cannot hold an
# incompressible statement of 3 kB (the limit is about 2.7 kB).  That row
# goes to the server log; the other rows of its batch, another role's
# among them, reach the table.
#
superuser('postgres',
	'CREATE INDEX audit_log_statement_idx ON safe_ddl.audit_log (statement)');
my $noise = join('', map { (0 .. 9, 'a' .. 'z')[ int(rand(36)) ] } 1 .. 3000);
my $wide = "COMMENT ON ROLE alice IS 'wide $noise';";

# Keep the writer from starting while the rows are queued, so that they
# make one batch: stop the launcher, queue, let it go.
wait_no_writer();
my $launcher = launcher_pid($node);
kill 'STOP', $launcher;
$offset = -s $node->logfile;
my $before = join("\n", map { "CREATE TABLE alice_before_$_ (id int);" } 1 .. 5);
my $after = join("\n", map { "CREATE TABLE alice_after_$_ (id int);" } 1 .. 5);
session('postgres', 'alice', $before);
$err = session('postgres', 'postgres', $wide);
like($err, qr/safe_ddl refused COMMENT/, 'oversized row: the COMMENT is refused');
session('postgres', 'alice', $after);
is($node->safe_psql('postgres', 'SELECT pending FROM safe_ddl.stats'),
	'11', 'oversized row: eleven rows wait for one batch');
kill 'CONT', $launcher;
ok(wait_for_queue($node, 'postgres'), 'oversized row: the writer emptied the queue');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE session_user_name = 'alice' AND statement LIKE 'CREATE TABLE alice_%' AND outcome = 'refused'"),
	'10', 'oversized row: the other ten rows of the batch are in the table');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE statement LIKE 'COMMENT ON ROLE alice IS ''wide %'"),
	'0', 'oversized row: not in the table');
$log = slurp_file($node->logfile, $offset);
like($log,
	qr/safe_ddl audit record \(the writer could not insert it: index row size \d+ exceeds .* for index "audit_log_statement_idx"\): \{.*"statement":"COMMENT ON ROLE alice IS 'wide /,
	'oversized row: it went to the server log, with the reason');
is(() = $log =~ /safe_ddl audit record/g, 1, 'oversized row: and nothing else did');
superuser('postgres', "SET safe_ddl.allow_destructive = on;\nDROP INDEX safe_ddl.audit_log_statement_idx");

#
# 4. CREATE EXTENSION does not adopt a schema safe_ddl someone else made.
#
$err = session('adopt', 'owner2',
	"SET lock_timeout = '5s';\nCREATE SCHEMA x;\nALTER SCHEMA x RENAME TO safe_ddl;");
if ($err =~ /ERROR/)
{
	# Renaming refused (the guard): the owner gets it another way.
	superuser('adopt', 'CREATE SCHEMA safe_ddl AUTHORIZATION owner2');
}
my ($ret, $stdout, $stderr) = $node->psql('adopt',
	"SET lock_timeout = '5s';\nCREATE EXTENSION safe_ddl;",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($ret, 0, 'adopted schema: CREATE EXTENSION fails');
like($stderr, qr/ERROR:  42P06: safe_ddl will not adopt the existing schema safe_ddl/,
	'adopted schema: the error says why (SQLSTATE 42P06)');
like($stderr, qr/DETAIL:  The schema is owned by owner2 \(not a superuser\), holds 0 object\(s\), and roles that are not superusers may create in it: owner2\./,
	'adopted schema: the detail names the owner');
like($stderr, qr/HINT:  Check what the schema holds and who made it, drop or rename it, and run CREATE EXTENSION safe_ddl again: it creates its own schema\./,
	'adopted schema: the hint says what to do');
is($node->safe_psql('adopt', "SELECT count(*) FROM pg_extension WHERE extname = 'safe_ddl'"),
	'0', 'adopted schema: the extension is not installed');

# Owned by a superuser but open to others: refused too.
superuser('adopt', q{
SET safe_ddl.allow_destructive = on;
DROP SCHEMA safe_ddl;
CREATE SCHEMA safe_ddl;
GRANT CREATE ON SCHEMA safe_ddl TO owner2;
});
($ret, $stdout, $stderr) = $node->psql('adopt',
	"SET lock_timeout = '5s';\nCREATE EXTENSION safe_ddl;");
like($stderr, qr/ERROR:  safe_ddl will not adopt the existing schema safe_ddl/,
	'a superuser\'s schema where others may create: refused');

# A superuser's empty schema (a restore creates it before the extension):
# taken.
superuser('adopt', 'REVOKE CREATE ON SCHEMA safe_ddl FROM owner2');
($ret, $stdout, $stderr) = $node->psql('adopt',
	"SET lock_timeout = '5s';\nCREATE EXTENSION safe_ddl;");
is($ret, 0, 'a superuser\'s empty schema: CREATE EXTENSION succeeds');
is($node->safe_psql('adopt', 'SELECT count(*) FROM safe_ddl.audit_log'),
	'1', 'a superuser\'s empty schema: the log has its first row');

#
# 5. The id sequence moved to the edge of bigint (a superuser here; a
# member of pg_write_all_data can do it too), and back to 1 across a
# restart: DDL goes on, ids stay unique, increasing and small.
#
my $max_before = $node->safe_psql('postgres', 'SELECT max(id) FROM safe_ddl.audit_log');
$offset = -s $node->logfile;
superuser('postgres',
	"SELECT setval('safe_ddl.audit_log_id_seq', 9223372036854775800)");
my $ddl = join("\n", map { "COMMENT ON ROLE alice IS 'c$_';" } 1 .. 70);
$err = session('postgres', 'postgres', "SET lock_timeout = '5s';\n$ddl");
unlike($err, qr/ERROR/, 'sequence at the edge: 70 DDL statements run');
my $ids_sane = q{
SELECT count(*) = count(DISTINCT id)
   AND max(id) < 1000000
   AND bool_and(id > prev) AS increasing
  FROM (SELECT id, lag(id, 1, 0::bigint) OVER (ORDER BY started_at, id) AS prev
          FROM safe_ddl.audit_log WHERE outcome = 'ok') l};
is($node->safe_psql('postgres', $ids_sane), 't',
	'sequence at the edge: ids unique, small, increasing in write order');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE command_tag = 'COMMENT' AND statement LIKE 'COMMENT ON ROLE alice IS ''c%'"),
	'70', 'sequence at the edge: every statement has its row');
is($node->safe_psql('postgres',
		'SELECT last_value - (SELECT max(id) FROM safe_ddl.audit_log) BETWEEN 0 AND 31 FROM safe_ddl.audit_log_id_seq'),
	't', 'sequence at the edge: the sequence is back just above the highest id');
like(slurp_file($node->logfile, $offset),
	qr/LOG:  safe_ddl: the audit id sequence of database "postgres" stands at 9223372036854775800, where safe_ddl did not leave it/,
	'sequence at the edge: the move is in the server log');

# Back to 1, then a restart: no block in hand, nothing to go by but the log.
superuser('postgres', "SELECT setval('safe_ddl.audit_log_id_seq', 1)");
$node->restart;
$err = session('postgres', 'postgres',
	"SET lock_timeout = '5s';\nCOMMENT ON ROLE alice IS 'after restart';");
unlike($err, qr/ERROR/, 'sequence moved back, restart: DDL runs (no duplicate id)');
superuser('postgres',
	"SELECT setval('safe_ddl.audit_log_id_seq', 9223372036854775806)");
$node->restart;
$err = session('postgres', 'postgres',
	"SET lock_timeout = '5s';\nCOMMENT ON ROLE alice IS 'after a second restart';");
unlike($err, qr/ERROR/, 'sequence at the edge, restart: DDL runs');
is($node->safe_psql('postgres', $ids_sane), 't',
	'after the restarts: ids unique, small, increasing in write order');

$node->stop;
done_testing();
