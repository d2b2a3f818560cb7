# The fixes of the lock retries and the way back, against a hostile or
# merely ordinary role: what a third review found, each case failing on the
# code before its fix.
#
# 1. The guard locks a view LOCK TABLE names, before reading what it reads,
#    in the mode the statement asks for (PostgreSQL takes it next): two
#    sessions locking their own view IN ACCESS EXCLUSIVE MODE queue, as
#    without safe_ddl, instead of deadlocking on a lock upgrade.
# 2. LOCK TABLE ... NOWAIT of a view another session holds fails at once,
#    as PostgreSQL says, instead of waiting in the guard.
# 3. A CREATE INDEX CONCURRENTLY IF NOT EXISTS that did nothing has no
#    revert: the relation of that name is another role's table, not an
#    index of the table the statement names.
# 4. A LOCK TABLE ... ACCESS EXCLUSIVE (DDL) of a view another session
#    holds does not wait in the guard, outside its attempt: it waits as
#    LOCK TABLE, and gets its row and its lock retries like one of a table
#    (the view is checked again once it is held).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;
use Time::HiRes qw(time);

my $node = new_safe_ddl_node('review3', "deadlock_timeout = '200ms'\n");
$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
CREATE ROLE alice LOGIN;
ALTER ROLE alice SET lock_timeout = '5s';
GRANT CREATE ON SCHEMA public TO alice;
});
$node->safe_psql('postgres',
	"CREATE TABLE t (a int); CREATE VIEW v AS SELECT a FROM t;",
	extra_params => [ '-U', 'alice' ]);

sub wait_for_app
{
	my ($app, $cond) = @_;
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = '$app' AND $cond"
	) or die "$app: $cond never held";
}

# 1.
{
	my $su = $node->background_psql('postgres', on_error_stop => 0);
	$su->query_safe(
		"SET lock_timeout = '5s'; BEGIN; LOCK TABLE safe_ddl.audit_log IN SHARE MODE;");
	my @lockers;
	foreach my $n (1, 2)
	{
		my $s = $node->background_psql('postgres', on_error_stop => 0,
			extra_params => [ '-U', 'alice' ]);
		$s->query_safe("SET application_name = 'locker$n'; BEGIN;");
		$s->query_until(qr/^$/,
			"LOCK TABLE v IN ACCESS EXCLUSIVE MODE; COMMIT;\n\\echo done\n");
		wait_for_app("locker$n", "wait_event_type = 'Lock'");
		push @lockers, $s;
	}
	$su->query_safe('COMMIT');
	foreach my $n (1, 2)
	{
		wait_for_app("locker$n", "state = 'idle'");
	}
	my ($out, $err) = ('', '');
	foreach my $s (@lockers)
	{
		$s->quit;
		$err .= $s->{stderr};
	}
	unlike($err, qr/deadlock detected/,
		'1: two sessions locking their own view IN ACCESS EXCLUSIVE MODE do not deadlock');
	$su->quit;
}

# 2.
{
	my $holder = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'alice' ]);
	$holder->query_safe("BEGIN; LOCK TABLE v IN ACCESS EXCLUSIVE MODE;");
	my $started = time();
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET lock_timeout = '3s'; BEGIN; LOCK TABLE v IN ACCESS SHARE MODE NOWAIT;",
		extra_params => [ '-U', 'alice' ]);
	my $waited = time() - $started;
	like($err, qr/could not obtain lock on relation "v"/,
		'2: LOCK TABLE ... NOWAIT of a locked view fails at once, as PostgreSQL says');
	cmp_ok($waited, '<', 2, "2: and does not wait (waited ${waited}s)");
	$holder->query('ROLLBACK');
	$holder->quit;
}

# 3.
{
	$node->safe_psql('postgres', "SET lock_timeout = '5s'; CREATE TABLE big (a int);");
	my $blocker = $node->background_psql('postgres', on_error_stop => 0);
	$blocker->query_safe(
		"SET lock_timeout = '5s'; BEGIN; LOCK TABLE big IN SHARE UPDATE EXCLUSIVE MODE;");
	my $cic = $node->background_psql('postgres', on_error_stop => 0);
	$cic->query_safe("SET application_name = 'cic'; SET lock_timeout = '30s';");
	$cic->query_until(qr/^$/,
		"CREATE INDEX CONCURRENTLY IF NOT EXISTS big_idx ON big (a);\n\\echo done\n");
	wait_for_app('cic', "wait_event_type = 'Lock'");
	$node->safe_psql('postgres', "CREATE TABLE big_idx (a int);",
		extra_params => [ '-U', 'alice' ]);
	$blocker->query_safe('COMMIT');
	wait_for_app('cic', "state = 'idle'");
	$cic->quit;
	$blocker->quit;
	is( $node->safe_psql('postgres',
			"SELECT coalesce(revert_statement, '<none>') FROM safe_ddl.audit_log "
			  . "WHERE statement LIKE 'CREATE INDEX CONCURRENTLY IF NOT EXISTS big_idx%'"),
		'<none>',
		"3: a CREATE INDEX CONCURRENTLY IF NOT EXISTS that did nothing has no revert (not DROP TABLE of alice's table)"
	);
}

# 4.
{
	my $holder = $node->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-U', 'alice' ]);
	$holder->query_safe(
		"BEGIN; LOCK TABLE v IN ACCESS EXCLUSIVE MODE; LOCK TABLE t IN ACCESS EXCLUSIVE MODE;");
	$node->psql('postgres',
		"SET application_name = 'gl'; SET lock_timeout = '300ms'; SET safe_ddl.lock_retries = 2; "
		  . "SET safe_ddl.lock_retry_delay = 100; "
		  . "BEGIN; LOCK TABLE v IN ACCESS EXCLUSIVE MODE; ROLLBACK; "
		  . "BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE; ROLLBACK;",
		on_error_stop => 0,
		extra_params => [ '-U', 'alice' ]);
	$holder->query('ROLLBACK');
	$holder->quit;
	ok(wait_for_queue($node, 'postgres'), '4: the writer emptied the queue');
	is( $node->safe_psql('postgres',
			"SELECT string_agg(statement || ':' || outcome || ':' || attempts, ',' ORDER BY id) "
			  . "FROM safe_ddl.audit_log WHERE application_name = 'gl'"),
		'LOCK TABLE v IN ACCESS EXCLUSIVE MODE:failed:3,LOCK TABLE t IN ACCESS EXCLUSIVE MODE:failed:3',
		'4: a LOCK TABLE of a locked view gets its row and its retries, as one of a table does');
}

done_testing();
