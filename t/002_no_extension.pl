# The library is preloaded, but a database has no safe_ddl extension: the
# policy still holds there, DDL with a timeout runs with one WARNING
# (SQLSTATE SD002) per session, refusals and failures go to the server log,
# and CREATE EXTENSION later starts auditing.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = new_safe_ddl_node('no_extension');
$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE DATABASE noext;");

# Run a script in a session of its own (psql goes on after errors); returns
# stderr, where the warnings and errors are, with their SQLSTATEs.
sub session
{
	my ($dbname, $sql) = @_;
	my ($ret, $stdout, $stderr) =
	  $node->psql($dbname, "\\set VERBOSITY verbose\n$sql", on_error_stop => 0);
	return $stderr;
}

sub count_matches
{
	my ($text, $re) = @_;
	my $n = () = $text =~ /$re/g;
	return $n;
}

my $not_audited =
  qr/WARNING:  SD002: safe_ddl is not installed in database "noext": DDL in this session is not audited/;
my $exists = sub {
	my ($relname) = @_;
	return $node->safe_psql('noext',
		"SELECT count(*) FROM pg_class WHERE relname = '$relname'");
};

# DDL with a timeout runs; the session is told once that it is not audited.
my $err = session(
	'noext', q{
SET lock_timeout = '5s';
CREATE TABLE t1 (id int);
CREATE TABLE t2 (id int);
ALTER TABLE t1 ADD COLUMN note text;
CREATE INDEX t1_note_idx ON t1 (note);
COMMENT ON TABLE t1 IS 'not audited';
});
unlike($err, qr/ERROR/, 'DDL with a timeout runs without the extension');
is(count_matches($err, $not_audited), 1,
	'one WARNING (SD002) for five statements of the session');
like($err,
	qr/DETAIL:  CREATE TABLE ran, but table safe_ddl\.audit_log does not exist to record it\./,
	'the warning names the first statement');
like($err,
	qr/HINT:  Run CREATE EXTENSION safe_ddl in this database, or set safe_ddl\.audit = off for it\./,
	'the warning says what to do');
is($exists->('t1') + $exists->('t2') + $exists->('t1_note_idx'), 3,
	'the tables and the index were created');
is($node->safe_psql('noext', "SELECT to_regnamespace('safe_ddl') IS NULL"),
	't', 'no schema safe_ddl appeared');

# Every session is told once.
$err = session('noext', "SET lock_timeout = '5s';\nCREATE TABLE t5 (id int);\nCOMMENT ON TABLE t5 IS 't5';\n");
unlike($err, qr/ERROR/, 'a second session: its DDL runs');
is(count_matches($err, $not_audited), 1, 'a second session gets its own warning, once');

# DDL without a timeout is still refused; its row, which no writer could
# insert here, goes to the server log.  So does a failure.
my $offset = -s $node->logfile;
my $logged_before = $node->safe_psql('postgres', 'SELECT logged FROM safe_ddl.stats');
$err = session(
	'noext', q{
CREATE TABLE t3 (id int);
SET statement_timeout = 0;
SET lock_timeout = 0;
ALTER TABLE t1 ADD COLUMN refused int;
SET lock_timeout = '5s';
CREATE TABLE t1 (id int);
});
like($err,
	qr/ERROR:  SD001: safe_ddl refused CREATE TABLE: neither timeout guards it: lock_timeout is not set, and statement_timeout is not set/,
	'DDL without a timeout is refused with SD001');
like($err,
	qr/ERROR:  SD001: safe_ddl refused ALTER TABLE: neither timeout guards it: lock_timeout is not set, and statement_timeout is not set/,
	'lock_timeout = 0 is no timeout');
like($err, qr/ERROR:  42P07: relation "t1" already exists/, 'a failing statement fails as usual');
is($exists->('t3'), '0', 'the refused CREATE TABLE created nothing');
is( $node->safe_psql('noext',
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 't1'::regclass AND attname = 'refused'"),
	'0',
	'the refused ALTER TABLE changed nothing');
my $log = slurp_file($node->logfile, $offset);
like($log,
	qr/LOG:  safe_ddl audit record \(safe_ddl is not installed in the database\): \{.*"database_name":"noext".*"statement":"CREATE TABLE t3 \(id int\)".*"outcome":"refused".*"sqlstate":"SD001"/,
	'the refusal went to the server log as JSON');
like($log,
	qr/LOG:  safe_ddl audit record \(safe_ddl is not installed in the database\): \{.*"statement":"ALTER TABLE t1 ADD COLUMN refused int".*"outcome":"refused"/,
	'so did the second refusal');
like($log,
	qr/LOG:  safe_ddl audit record \(safe_ddl is not installed in the database\): \{.*"statement":"CREATE TABLE t1 \(id int\)".*"outcome":"failed".*"sqlstate":"42P07"/,
	'and the failure');
is( $node->safe_psql('postgres', 'SELECT logged FROM safe_ddl.stats') - $logged_before,
	3, 'stats: three rows sent to the server log');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE database_name = 'noext'"),
	'0',
	'nothing of database noext landed in the log of database postgres');

# warn mode holds here too: the statement runs, with the policy's WARNING
# (SD001) as well as the one saying it is not audited.
$err = session(
	'noext', q{
SET safe_ddl.mode = warn;
CREATE TABLE t4 (id int);
});
like($err,
	qr/WARNING:  SD001: safe_ddl would refuse CREATE TABLE: neither timeout guards it: lock_timeout is not set, and statement_timeout is not set/,
	'mode = warn: a WARNING with SQLSTATE SD001');
like($err,
	qr/DETAIL:  In effect: lock_timeout = 0 ms, statement_timeout = 0 ms, safe_ddl\.require_timeout = any, safe_ddl\.max_lock_timeout = 60000 ms, safe_ddl\.max_statement_timeout = 60000 ms\./,
	'mode = warn: the warning gives the values in effect');
like($err,
	qr/HINT:  Run SET lock_timeout = '5s' before the statement, or set it for the migration role with ALTER ROLE \.\.\. SET\./,
	'mode = warn: outside a transaction block the hint gives SET lock_timeout');
unlike($err, qr/ERROR/, 'mode = warn: no error');
is(count_matches($err, $not_audited), 1, 'mode = warn: and the not-audited warning, once');
is($exists->('t4'), '1', 'mode = warn: the statement ran');

$err = session('noext', "SET safe_ddl.mode = off;\nCREATE TABLE t6 (id int);\n");
unlike($err, qr/SD001|ERROR/, 'mode = off: no refusal, no policy warning');
is($exists->('t6'), '1', 'mode = off: the statement ran');

# A database that is not to be audited: ALTER DATABASE ... SET
# safe_ddl.audit = off silences the warning; the policy still holds.
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; ALTER DATABASE noext SET safe_ddl.audit = off;");
$err = session('noext', "SET lock_timeout = '5s';\nCREATE TABLE t7 (id int);\n");
unlike($err, qr/SD002|WARNING|ERROR/, 'audit = off for the database: no warning');
is($exists->('t7'), '1', 'audit = off for the database: the statement ran');
$err = session('noext', "CREATE TABLE t8 (id int);\n");
like($err, qr/ERROR:  SD001: safe_ddl refused CREATE TABLE/,
	'audit = off for the database: DDL without a timeout is still refused');
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; ALTER DATABASE noext RESET safe_ddl.audit;");

# CREATE EXTENSION starts auditing, from its own statement on, in the
# session that runs it (no second warning) and in every later one.
$err = session(
	'noext', q{
SET lock_timeout = '5s';
CREATE TABLE before_ext (id int);
CREATE EXTENSION safe_ddl;
CREATE TABLE after_ext (id int);
RESET lock_timeout;
CREATE TABLE refused_after_ext (id int);
});
is(count_matches($err, $not_audited), 1,
	'the warning came once, before CREATE EXTENSION');
like($err, qr/ERROR:  SD001: safe_ddl refused CREATE TABLE/,
	'the policy is the same after CREATE EXTENSION');
$err = session('noext', "SET lock_timeout = '5s';\nCOMMENT ON TABLE after_ext IS 'audited';\n");
unlike($err, qr/WARNING|ERROR/, 'a new session: no warning');
ok(wait_for_queue($node, 'noext'), 'the writer emptied the queue');

is( $node->safe_psql('noext',
		"SELECT string_agg(command_tag || ' ' || outcome || ' ' || statement, E'\\n' ORDER BY started_at) FROM safe_ddl.audit_log"
	),
	join("\n",
		'CREATE EXTENSION ok CREATE EXTENSION safe_ddl',
		'CREATE TABLE ok CREATE TABLE after_ext (id int)',
		'CREATE TABLE refused CREATE TABLE refused_after_ext (id int)',
		"COMMENT ok COMMENT ON TABLE after_ext IS 'audited'"),
	'the log starts with CREATE EXTENSION: every later attempt, nothing from before');
is( $node->safe_psql('noext',
		"SELECT count(DISTINCT backend_pid) FROM safe_ddl.audit_log"),
	'2', 'rows from both sessions');

$node->stop;
done_testing();
