# pg_dump keeps the audit log: its rows (ids, statements, outcomes, every
# column) and its id sequence survive a dump and a restore into a new
# database, in plain format (psql) and custom format (pg_restore), and the
# restored log goes on with the next id.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = new_safe_ddl_node('pg_dump');
my $tmp = PostgreSQL::Test::Utils::tempdir;

# A database with audited DDL of every outcome.
$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE DATABASE app;");
my ($ret, $out, $err) = $node->psql(
	'app', q{
SET application_name = 'migrator';
SET lock_timeout = '5s';
CREATE EXTENSION safe_ddl;
CREATE TABLE accounts (id int PRIMARY KEY, balance int);
ALTER TABLE accounts ADD COLUMN email text;
CREATE INDEX accounts_email_idx ON accounts (email);
INSERT INTO accounts VALUES (1, 100, 'a@example.com'), (2, 200, NULL);
RESET lock_timeout;
COMMENT ON TABLE accounts IS 'refused: no timeout';
SET lock_timeout = '5s';
CREATE TABLE accounts (id int);
BEGIN;
COMMENT ON TABLE accounts IS 'rolled back';
ROLLBACK;
COMMENT ON TABLE accounts IS 'the accounts';
}, on_error_stop => 0);
like($err, qr/safe_ddl refused COMMENT/, 'set-up: one statement refused');
like($err, qr/relation "accounts" already exists/, 'set-up: one statement failed');
ok(wait_for_queue($node, 'app'), 'set-up: the writer emptied the queue');

my $counts = outcome_counts($node, 'app', 'true');
is_deeply(
	$counts,
	{ ok => 5, refused => 1, failed => 1, rolled_back => 1 },
	'the source log: 5 ok, 1 refused, 1 failed, 1 rolled_back');

# What must survive: every column of every row, and the sequence.
my $rows_sql = 'SELECT a::text FROM safe_ddl.audit_log a ORDER BY id';
my $summary_sql =
  q{SELECT string_agg(id || ' ' || outcome || ' ' || statement, E'\n' ORDER BY id) FROM safe_ddl.audit_log};
my $seq_sql = 'SELECT last_value, is_called FROM safe_ddl.audit_log_id_seq';
my $rows = $node->safe_psql('app', $rows_sql);
my $summary = $node->safe_psql('app', $summary_sql);
my $seq = $node->safe_psql('app', $seq_sql);
my ($last_id) = split /\|/, $seq;
# Ids are reserved in blocks of 32 (ids.c): the sequence stands at the top
# of the block in hand.
my $max_id = $node->safe_psql('app', 'SELECT max(id) FROM safe_ddl.audit_log');
ok($last_id >= $max_id && $last_id - $max_id < 32,
	"the source sequence ($last_id) stands at or just above the highest id ($max_id)");
note "source log:\n$summary";

# Dump (pg_dump runs no DDL: it needs no timeout).
my $plain = "$tmp/app.sql";
my $custom = "$tmp/app.dump";
$node->command_ok([ 'pg_dump', '-d', $node->connstr('app'), '-Fp', '-f', $plain ],
	'pg_dump, plain format');
$node->command_ok([ 'pg_dump', '-d', $node->connstr('app'), '-Fc', '-f', $custom ],
	'pg_dump, custom format');
my $script = slurp_file($plain);
like($script, qr/^COPY safe_ddl\.audit_log \(id, /m, 'the dump holds the log\'s rows');
like($script, qr/setval\('safe_ddl\.audit_log_id_seq', $last_id, true\)/,
	'the dump holds the id sequence');
unlike($script, qr/CREATE TABLE safe_ddl\.audit_log/,
	'the log itself comes from CREATE EXTENSION, not from the dump');

# Restore into a new database with the given PGOPTIONS; returns the exit
# status and stderr.  Errors stop the restore (ON_ERROR_STOP, --exit-on-error).
sub restore
{
	my ($format, $dbname, $pgoptions) = @_;
	$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE DATABASE $dbname;");
	my @cmd =
	  $format eq 'plain'
	  ? ('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr($dbname), '-f', $plain)
	  : ('pg_restore', '--exit-on-error', '-d', $node->connstr($dbname), $custom);
	my ($stdout, $stderr) = ('', '');
	local $ENV{PGOPTIONS} = $pgoptions;
	IPC::Run::run(\@cmd, '>', \$stdout, '2>', \$stderr);
	my $status = $? >> 8;
	my ($first_error) = $stderr =~ /^(.*ERROR:.*)$/m;
	note "restore $format into $dbname with PGOPTIONS='$pgoptions': exit $status"
	  . ($first_error ? ", first error: $first_error" : '');
	return ($status, $stderr);
}

# A query's output, or its error: a failed restore may have left no log.
sub query
{
	my ($dbname, $sql) = @_;
	my ($status, $stdout, $stderr) = $node->psql($dbname, $sql);
	return $status == 0 ? $stdout : $stderr;
}

# Check a restored database: the restore succeeded and the log is the same.
sub check_restored
{
	my ($what, $dbname, $status, $stderr) = @_;
	is($status, 0, "$what: the restore succeeded");
	unlike($stderr, qr/ERROR:/, "$what: the restore raised no error");
	is(query($dbname, $summary_sql),
		$summary, "$what: the same ids, outcomes and statements");
	is(query($dbname, $rows_sql),
		$rows, "$what: every column of every row is the same");
	is(query($dbname, $seq_sql),
		$seq, "$what: the id sequence is where it was");
	return;
}

# A restore is DDL like any other, and the dump itself turns the timeouts
# off: pg_dump's script and pg_restore begin with SET lock_timeout = 0 and
# SET statement_timeout = 0, which override PGOPTIONS.  So a restore that
# only sets a timeout is refused at its first statement, loudly, and leaves
# nothing half-restored.  And with the policy off but auditing on, the
# restore's own DDL is audited into the new log (ids 1, 2, ...) before the
# COPY of the dumped rows, which then fails on the primary key: again an
# error, not a silent loss.  README: restore with the policy and auditing
# off for the restoring session.
{
	my ($status, $stderr) =
	  restore('plain', 'restored_plain_timeout', '-c lock_timeout=5s');
	isnt($status, 0, 'restore with only a timeout: psql stops');
	like($stderr,
		qr/ERROR:  safe_ddl refused CREATE SCHEMA: neither timeout guards it: lock_timeout is not set/,
		'restore with only a timeout: refused at the first DDL, the dump\'s own SET lock_timeout = 0');
	is( $node->safe_psql('restored_plain_timeout',
			"SELECT count(*) FROM pg_namespace WHERE nspname = 'safe_ddl'"),
		'0', 'restore with only a timeout: nothing half-restored');

	($status, $stderr) =
	  restore('custom', 'restored_custom_timeout', '-c lock_timeout=5s');
	isnt($status, 0, 'pg_restore with only a timeout: exits with an error');
	like($stderr, qr/safe_ddl refused CREATE SCHEMA/,
		'pg_restore with only a timeout: refused at the first DDL');

	($status, $stderr) = restore('plain', 'restored_plain_policy_off',
		'-c lock_timeout=5s -c safe_ddl.mode=off');
	isnt($status, 0, 'restore with auditing on: psql stops');
	like($stderr,
		qr/ERROR:  duplicate key value violates unique constraint "audit_log_pkey"/,
		'restore with auditing on: the COPY of the log fails on the ids the restore\'s own rows took');
}

# The documented way: a superuser restores with the policy and auditing
# off for the restoring session only.
my $restore_opts = '-c lock_timeout=5s -c safe_ddl.mode=off -c safe_ddl.audit=off';
foreach my $format ('plain', 'custom')
{
	my $db = "restored_$format";
	my ($status, $stderr) = restore($format, $db, $restore_opts);
	check_restored("$format, policy and auditing off", $db, $status, $stderr);

	is($node->safe_psql($db, 'SELECT count(*) FROM accounts'), '2',
		"$format: the application's data is restored too");
	is( $node->safe_psql($db,
			"SELECT extconfig::regclass[]::text FROM pg_extension WHERE extname = 'safe_ddl'"),
		'{safe_ddl.audit_log,safe_ddl.audit_log_id_seq}',
		"$format: the restored log is registered for the next dump");

	# The restored log goes on: the next DDL gets the next id, and the
	# writer writes refusals into it.
	$node->psql(
		$db, q{
SET lock_timeout = '5s';
ALTER TABLE accounts ADD COLUMN note text;
RESET lock_timeout;
COMMENT ON TABLE accounts IS 'refused after the restore';
}, on_error_stop => 0);
	ok(wait_for_queue($node, $db), "$format: the writer emptied the queue");
	is( $node->safe_psql($db,
			"SELECT string_agg(id || ' ' || outcome || ' ' || command_tag, ',' ORDER BY id) FROM safe_ddl.audit_log WHERE id > $last_id"
		),
		($last_id + 1) . ' ok ALTER TABLE,' . ($last_id + 2) . ' refused COMMENT',
		"$format: new rows follow the restored ids");
	is( $node->safe_psql($db,
			"SELECT count(*) FROM safe_ddl.audit_log WHERE id <= $last_id"),
		scalar(split /\n/, $rows),
		"$format: the restored rows are untouched");
}

# The source log did not change: dumping is not DDL.
is($node->safe_psql('app', $rows_sql), $rows, 'pg_dump left no row in the source log');

$node->stop;
done_testing();
