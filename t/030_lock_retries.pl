# Lock retries (safe_ddl.lock_retries): a DDL statement that timed out on
# its lock runs again after a sleep, in the server, while another session
# holds a conflicting lock.  One audit row per statement, attempts counts
# the runs, the stats view counts the retries.  What is never retried: a
# statement whose transaction already holds a lock others queue behind,
# CREATE INDEX CONCURRENTLY, DDL inside a DO block.  Settings from the
# configuration files are taken in any order, and capped by
# safe_ddl.max_lock_retries when used.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;
use Time::HiRes qw(time);

my $node = new_safe_ddl_node('lock_retries', "safe_ddl.max_lock_retries = 50\n");
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE TABLE r_main (id int); CREATE TABLE r_other (id int);"
);

# The session settings of a migration that retries: short lock waits,
# short sleeps.
my $retrying = "SET lock_timeout = '100ms'; SET safe_ddl.lock_retries = 20; "
  . "SET safe_ddl.lock_retry_delay = '50ms'; SET safe_ddl.lock_retry_max_delay = '200ms';";

sub stat_lock_retries
{
	return $node->safe_psql('postgres',
		'SELECT lock_retries FROM safe_ddl.stats');
}

# A session holding a lock on r_main: for $secs seconds and then commits,
# or, without $secs, until the caller ends its transaction.
sub hold_lock
{
	my ($mode, $secs) = @_;
	my $holder = $node->background_psql('postgres', on_error_stop => 0);
	$holder->query_safe("SET application_name = 'holder'");
	if (defined $secs)
	{
		$holder->query_until(qr/^$/,
			"BEGIN; LOCK TABLE r_main IN $mode MODE; SELECT pg_sleep($secs); COMMIT;\n"
		);
	}
	else
	{
		$holder->query_safe("BEGIN; LOCK TABLE r_main IN $mode MODE;");
	}
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
		  . "WHERE a.application_name = 'holder' AND l.relation = 'r_main'::regclass AND l.granted"
	) or die "the holder did not get its lock";
	return $holder;
}

# Run a script as the migration $tag; its stderr (errors, DETAIL, HINT).
sub migrate
{
	my ($tag, $sql) = @_;
	my ($out, $err) = ('', '');
	$node->psql('postgres', "SET application_name = '$tag'; $sql",
		stdout => \$out, stderr => \$err);
	return $err;
}

# The audit rows of a migration: outcome, attempts, sqlstate.
sub rows_of
{
	my ($tag) = @_;
	wait_for_queue($node, 'postgres') or die 'the writer did not empty the queue';
	return $node->safe_psql('postgres',
		"SELECT command_tag, outcome, attempts, coalesce(sqlstate, '') FROM safe_ddl.audit_log "
		  . "WHERE application_name = '$tag' ORDER BY id");
}

sub attempts_of
{
	my ($tag, $like) = @_;
	return $node->safe_psql('postgres',
		"SELECT attempts FROM safe_ddl.audit_log WHERE application_name = '$tag' AND statement LIKE '$like'"
	);
}

# 1. A reader holds ACCESS SHARE for 3 s.  The ALTER TABLE waits 100 ms
# at a time and sleeps in between: it succeeds once the reader commits,
# and meanwhile another reader, queued behind it, gets through.
my $before = stat_lock_retries();
my $holder = hold_lock('ACCESS SHARE', 3);
my $migration = $node->background_psql('postgres', on_error_stop => 0);
$migration->query_safe("SET application_name = 'retried'; $retrying");
$migration->query_until(qr/^$/, "ALTER TABLE r_main ADD COLUMN c1 int;\n");
$node->poll_query_until('postgres',
	"SELECT lock_retries > $before FROM safe_ddl.stats")
  or die 'the ALTER TABLE was not retried';
my $started = time();
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET lock_timeout = '1500ms'; SELECT count(*) FROM r_main;");
my $reader_waited = time() - $started;
is($ret, 0, 'a reader queued behind the retrying ALTER TABLE gets through')
  or diag($stderr);
cmp_ok($reader_waited, '<', 2.5,
	'the reader did not wait for the first reader to finish');
$migration->{stderr} = '';
$migration->query('SELECT 1');    # returns once the ALTER TABLE has completed
is($migration->{stderr}, '', 'the retried ALTER TABLE completed without error');
$migration->quit;
$holder->quit;
my $row = rows_of('retried');
like($row, qr/^ALTER TABLE\|ok\|\d+\|$/,
	'the retried ALTER TABLE has one row, ok');
my $attempts = attempts_of('retried', 'ALTER TABLE r_main ADD COLUMN c1%');
cmp_ok($attempts, '>', 1, "it ran more than once ($attempts times)");
is(stat_lock_retries() - $before,
	$attempts - 1, 'the stats view counts each retry');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'r_main'::regclass AND attname = 'c1'"
	),
	'1',
	'the column was added once');

# 2. lock_retries = 0 (the default): fails as before.
$before = stat_lock_retries();
$holder = hold_lock('ACCESS SHARE');
my $err = migrate('not_retried',
	"SET lock_timeout = '100ms'; ALTER TABLE r_main ADD COLUMN c2 int;");
like($err, qr/canceling statement due to lock timeout/,
	'lock_retries = 0: the lock timeout error');
unlike($err, qr/DETAIL/, 'lock_retries = 0: nothing added to it');
is(rows_of('not_retried'), 'ALTER TABLE|failed|1|55P03',
	'lock_retries = 0: one failed row, 55P03, one attempt');
is(stat_lock_retries(), $before, 'lock_retries = 0: no retry counted');

# 3. The transaction already holds ACCESS EXCLUSIVE on r_other: sleeping
# would keep everyone off r_other.  Not retried, at once.
$started = time();
$err = migrate('holds_strong',
	"$retrying SET safe_ddl.lock_retry_delay = '2s'; SET safe_ddl.lock_retry_max_delay = '2s';\n"
	  . "BEGIN;\nLOCK TABLE r_other IN ACCESS EXCLUSIVE MODE;\nALTER TABLE r_main ADD COLUMN c3 int;\nROLLBACK;"
);
my $elapsed = time() - $started;
like($err, qr/canceling statement due to lock timeout/,
	'holding a strong lock: the lock timeout error');
like(
	$err,
	qr/DETAIL:  safe_ddl did not retry it: this transaction holds AccessExclusiveLock on relation "r_other", which other sessions would queue behind while it waited\./,
	'holding a strong lock: the DETAIL says why it was not retried');
like($err, qr/HINT:  A statement that may wait for its lock is retried when it comes first/,
	'holding a strong lock: the HINT says what is retried');
cmp_ok($elapsed, '<', 1.8, 'holding a strong lock: no 2 s sleep');
is( $node->safe_psql('postgres',
		"SELECT attempts || ' ' || (duration_ms BETWEEN 90 AND 1500) FROM safe_ddl.audit_log "
		  . "WHERE application_name = 'holds_strong' AND command_tag = 'ALTER TABLE'"),
	'1 true',
	'holding a strong lock: one attempt, lasting about one lock_timeout');
is(stat_lock_retries(), $before, 'holding a strong lock: no retry counted');

# 3b. The transaction holds only ACCESS SHARE on r_other, but a session is
# queued behind it for r_other: not retried either.
my $waiter = $node->background_psql('postgres', on_error_stop => 0);
my $inside = $node->background_psql('postgres', on_error_stop => 0);
$inside->query_safe(
	"SET application_name = 'waited_for'; $retrying BEGIN; SELECT count(*) FROM r_other;"
);
$waiter->query_safe("SET application_name = 'waiter'; SET lock_timeout = '60s';");
$waiter->query_until(qr/^$/,
	"BEGIN; LOCK TABLE r_other IN ACCESS EXCLUSIVE MODE;\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'waiter' AND wait_event_type = 'Lock'"
) or die 'the waiter did not queue';
my $waiter_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE application_name = 'waiter'");
$inside->{stderr} = '';
$inside->query('ALTER TABLE r_main ADD COLUMN c4 int;');
like(
	$inside->{stderr},
	qr/DETAIL:  safe_ddl did not retry it: process $waiter_pid is waiting for AccessExclusiveLock on relation "r_other", which this session holds\./,
	'someone waits for a lock it holds: not retried, the DETAIL names the waiter');
$inside->query('ROLLBACK');
$inside->quit;
$waiter->quit;
is(rows_of('waited_for'), 'ALTER TABLE|failed|1|55P03',
	'someone waits for a lock it holds: one attempt');
$holder->quit;

# 3c. Outside a transaction block: the session holds an advisory lock (as
# Rails' migration lock is) that another session waits for.  The
# ALTER TABLE's first attempt times out; it is not retried.
$holder = hold_lock('ACCESS SHARE');
$inside = $node->background_psql('postgres', on_error_stop => 0);
$inside->query_safe(
	"SET application_name = 'advisory'; $retrying SET safe_ddl.lock_retry_delay = '2s'; SELECT pg_advisory_lock(42);"
);
$waiter = $node->background_psql('postgres', on_error_stop => 0);
$waiter->query_safe("SET application_name = 'waiter';");
$waiter->query_until(qr/^$/, "SELECT pg_advisory_lock(42);\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'waiter' AND wait_event_type = 'Lock'"
) or die 'the waiter did not queue';
$waiter_pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE application_name = 'waiter'");
$inside->{stderr} = '';
$started = time();
$inside->query('ALTER TABLE r_main ADD COLUMN c5 int;');
$elapsed = time() - $started;
like(
	$inside->{stderr},
	qr/DETAIL:  safe_ddl did not retry it: process $waiter_pid is waiting for ExclusiveLock on advisory lock \[\d+,0,42,1\], which this session holds\./,
	'someone waits for its advisory lock: not retried after the first attempt');
cmp_ok($elapsed, '<', 1.8, 'someone waits for its advisory lock: no 2 s sleep');
$inside->quit;
$waiter->quit;
$holder->quit;
is(rows_of('advisory'), 'ALTER TABLE|failed|1|55P03',
	'someone waits for its advisory lock: one attempt');

# 4. A Django or Rails migration: one transaction.  Its first statement
# waits for the reader (1 s) with retries; the second one runs at once
# (the transaction holds the table now), and the transaction commits.
$holder = hold_lock('ACCESS SHARE', 1);
$err = migrate('migration',
	"$retrying\nBEGIN;\nALTER TABLE r_main ADD COLUMN d1 int;\nALTER TABLE r_main ADD COLUMN d2 int;\nCOMMIT;"
);
is($err, '', 'migration in a transaction: no error');
$holder->quit;
like(
	rows_of('migration'),
	qr/^ALTER TABLE\|ok\|\d+\|\nALTER TABLE\|ok\|1\|$/,
	'migration in a transaction: both statements ok, the second in one attempt');
cmp_ok(attempts_of('migration', '%ADD COLUMN d1%'),
	'>', 1, 'migration in a transaction: the first statement was retried');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'r_main'::regclass AND attname IN ('d1', 'd2')"
	),
	'2',
	'migration in a transaction: both columns are there');

# 5. CREATE INDEX CONCURRENTLY cannot run in a subtransaction: not
# retried, and the error says so.
$before = stat_lock_retries();
$holder = hold_lock('SHARE UPDATE EXCLUSIVE');
$err = migrate('concurrently',
	"$retrying CREATE INDEX CONCURRENTLY r_main_id ON r_main (id);");
like($err, qr/canceling statement due to lock timeout/,
	'CREATE INDEX CONCURRENTLY: the lock timeout error');
like(
	$err,
	qr/DETAIL:  safe_ddl did not retry it: each retry runs in a subtransaction, and this CREATE INDEX cannot run in a transaction block\./,
	'CREATE INDEX CONCURRENTLY: the DETAIL says it was not retried');
like($err, qr/HINT:  A CREATE INDEX CONCURRENTLY that failed can leave an INVALID index/,
	'CREATE INDEX CONCURRENTLY: the HINT warns of an INVALID index');
is(rows_of('concurrently'), 'CREATE INDEX|failed|1|55P03',
	'CREATE INDEX CONCURRENTLY: one attempt');
is(stat_lock_retries(), $before, 'CREATE INDEX CONCURRENTLY: no retry counted');

# 6. DDL run by a DO block is not the client's statement: not retried.
$err = migrate('do_block',
	"$retrying DO \$\$ BEGIN ALTER TABLE r_main ADD COLUMN e1 int; END \$\$;");
like($err,
	qr/DETAIL:  safe_ddl.lock_retries applies to the statements a client sends, not to DDL run by a function or DO block\./,
	'DO block: not retried, and the error says so');
is(rows_of('do_block'), 'ALTER TABLE|failed|1|55P03', 'DO block: one attempt');
is(stat_lock_retries(), $before, 'DO block: no retry counted');

# 7. Retries run out: the last lock error says how many runs there were.
$err = migrate('exhausted',
	"SET lock_timeout = '50ms'; SET safe_ddl.lock_retries = 2; SET safe_ddl.lock_retry_delay = '10ms'; "
	  . "ALTER TABLE r_main ADD COLUMN f1 int;");
like($err,
	qr/DETAIL:  safe_ddl ran it 3 times \(safe_ddl.lock_retries = 2\); the lock was never available\./,
	'retries run out: the DETAIL counts the runs');
is(rows_of('exhausted'), 'ALTER TABLE|failed|3|55P03',
	'retries run out: one failed row, three attempts');
is(stat_lock_retries(), $before + 2, 'retries run out: two retries counted');

# 7b. statement_timeout bounds all the attempts and sleeps together.
$err = migrate('statement_timeout',
	"$retrying SET statement_timeout = '700ms'; ALTER TABLE r_main ADD COLUMN g1 int;");
like($err, qr/canceling statement due to statement timeout/,
	'statement_timeout: it ends the retries');
is( $node->safe_psql('postgres',
		"SELECT outcome || ' ' || sqlstate || ' ' || (attempts > 1) || ' ' || (duration_ms BETWEEN 650 AND 3000) "
		  . "FROM safe_ddl.audit_log WHERE application_name = 'statement_timeout'"),
	'failed 57014 true true',
	'statement_timeout: one failed row, 57014, after several attempts, about 700 ms');

# 8. In the configuration files the order of the two settings does not
# matter: lock_retries above the maximum is taken, and capped when used.
$node->append_conf('postgresql.conf',
	"safe_ddl.lock_retries = 3\nsafe_ddl.max_lock_retries = 1\nsafe_ddl.lock_retry_delay = '10ms'\n"
);
$node->reload;
$node->poll_query_until('postgres',
	"SELECT current_setting('safe_ddl.max_lock_retries') = '1'")
  or die 'the configuration was not reloaded';
is($node->safe_psql('postgres', 'SHOW safe_ddl.lock_retries'),
	'3', 'configuration file: lock_retries above max_lock_retries is taken');
$err = migrate('capped',
	"SET lock_timeout = '50ms'; ALTER TABLE r_main ADD COLUMN f2 int;");
like(
	$err,
	qr/DETAIL:  safe_ddl ran it 2 times \(safe_ddl.lock_retries = 3, capped by safe_ddl.max_lock_retries = 1\)/,
	'configuration file: capped by max_lock_retries when used, and the error says so');
is(rows_of('capped'), 'ALTER TABLE|failed|2|55P03',
	'configuration file: two attempts');
$holder->query_safe('COMMIT');
$holder->quit;

# 9. A database whose extension is still at 1.1: its stats view has no
# lock_retries column, and still works; the update adds it.
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; SET safe_ddl.audit = off; CREATE DATABASE at_1_1;");
$node->safe_psql('at_1_1',
	"SET lock_timeout = '5s'; CREATE EXTENSION safe_ddl VERSION '1.1';");
is( $node->safe_psql('at_1_1',
		'SELECT preloaded, ok IS NOT NULL FROM safe_ddl.stats'),
	't|t',
	'at 1.1: the stats view works without lock_retries');
$node->safe_psql('at_1_1',
	"SET lock_timeout = '5s'; ALTER EXTENSION safe_ddl UPDATE TO '1.2';");
is( $node->safe_psql('at_1_1',
		'SELECT lock_retries = (SELECT lock_retries FROM safe_ddl.shared_stats()) FROM safe_ddl.stats'),
	't',
	'updated to 1.2: the stats view has lock_retries');
is( $node->safe_psql('at_1_1', 'SELECT lock_retries FROM safe_ddl.stats'),
	stat_lock_retries(),
	'updated to 1.2: the counter is the server\'s');

# 10. Between attempts, the table the statement names is swapped for
# another: the retry would change a table the policy never checked.  Not
# retried.
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE TABLE r_swapped (id int); CREATE TABLE r_other_one (id int);"
);
$holder = $node->background_psql('postgres', on_error_stop => 0);
$holder->query_safe(
	"SET application_name = 'holder'; SET lock_timeout = '5s'; BEGIN; LOCK TABLE r_swapped IN ACCESS SHARE MODE;"
);
$migration = $node->background_psql('postgres', on_error_stop => 0);
$migration->query_safe(
	"SET application_name = 'swapped'; SET lock_timeout = '100ms'; SET safe_ddl.lock_retries = 1; "
	  . "SET safe_ddl.lock_retry_delay = '3s'; SET safe_ddl.lock_retry_max_delay = '3s';");
$migration->query_until(qr/^$/, "ALTER TABLE r_swapped ADD COLUMN h1 int;\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'swapped' AND wait_event_type = 'Extension'"
) or die 'the ALTER TABLE did not sleep';
$holder->query_safe(
	"ALTER TABLE r_swapped RENAME TO r_swapped_old; ALTER TABLE r_other_one RENAME TO r_swapped; COMMIT;"
);
$migration->{stderr} = '';
$migration->query('SELECT 1');
like(
	$migration->{stderr},
	qr/DETAIL:  safe_ddl did not retry it: "r_swapped" no longer names the relation the statement was checked against\./,
	'swapped between attempts: not retried, and the error says why');
$migration->quit;
$holder->quit;
is(rows_of('swapped'), 'ALTER TABLE|failed|1|55P03',
	'swapped between attempts: one attempt');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_attribute WHERE attname = 'h1'"),
	'0',
	'swapped between attempts: neither table changed');

$node->stop;
done_testing();
