# A backend killed with SIGKILL in the middle of DDL: the postmaster
# restarts every process.  Every committed change keeps its ok row, the
# writer comes back by itself, rows still queued are not lost, new
# attempts are logged again -- and the attempts the crash interrupted have
# their rows too: the ALTER TABLE that was waiting (failed), and the one
# whose ok row was written in a transaction the crash lost (rolled_back).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = new_safe_ddl_node('crash', "restart_after_crash = on\n");
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE TABLE k (id int); CREATE TABLE k2 (id int); "
	  . join('', map { "ALTER TABLE k ADD COLUMN c$_ int; " } 1 .. 20));
my $launcher_before = launcher_pid($node);

# Refusals, then at once a backend killed while it waits for a lock in
# the middle of an ALTER TABLE.
run_sessions($node, 'postgres',
	join('', map { "COMMENT ON TABLE k IS 'before crash $_';\n" } 1 .. 300));

# A migration that completed an ALTER TABLE (its ok row written) and sits
# in its open transaction when the crash comes.
my $open = $node->background_psql('postgres', on_error_stop => 0);
$open->query_safe(
	"SET application_name = 'open_tx'; SET lock_timeout = '5s'; BEGIN; ALTER TABLE k2 ADD COLUMN uncommitted int;"
);

my $holder = $node->background_psql('postgres');
$holder->query_safe('BEGIN; LOCK TABLE k IN ACCESS SHARE MODE;');
my $victim = $node->background_psql('postgres', on_error_stop => 0);
my $victim_pid = $victim->query_safe('SELECT pg_backend_pid();');
$victim->query_until(qr/^$/,
	"SET lock_timeout = '60s';\nALTER TABLE k ADD COLUMN doomed int;\n");
$node->poll_query_until('postgres',
	"SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $victim_pid"
) or die 'the ALTER TABLE never waited for its lock';

kill 'KILL', $victim_pid;
eval { $victim->quit };
eval { $holder->quit };
eval { $open->quit };

# The postmaster restarts everything; wait until it accepts connections.
ok($node->poll_query_until('postgres', 'SELECT 1', '1'),
	'the server restarted after the crash');

my $launcher_after = launcher_pid($node);
isnt($launcher_after, $launcher_before, 'a new launcher runs');

is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE outcome = 'ok' AND statement LIKE 'ALTER TABLE k ADD COLUMN c%'"
	),
	'20',
	'every committed change kept its ok row');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'k'::regclass AND attname = 'doomed'"
	),
	'0',
	'the killed ALTER TABLE did not happen');

ok(wait_for_queue($node, 'postgres'), 'the writer emptied the queue');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE outcome = 'refused' AND statement LIKE 'COMMENT ON TABLE k IS ''before crash %'"
	),
	'300',
	'the refusals queued before the crash are all there, once');
is( $node->safe_psql('postgres',
		"SELECT outcome || ': ' || error_message FROM safe_ddl.audit_log WHERE statement = 'ALTER TABLE k ADD COLUMN doomed int'"
	),
	'failed: the server crashed while the statement ran',
	'the ALTER TABLE the crash interrupted has one row: failed');
is( $node->safe_psql('postgres',
		"SELECT string_agg(outcome, ',') FROM safe_ddl.audit_log WHERE statement = 'ALTER TABLE k2 ADD COLUMN uncommitted int'"
	),
	'rolled_back',
	'the ALTER TABLE whose transaction the crash lost has one row: rolled_back');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'k2'::regclass AND attname = 'uncommitted'"
	),
	'0',
	'and it did not happen');

# Ids are handed out from shared memory in blocks reserved in the
# sequence (ids.c): the block in hand died with the crash, and new rows
# take ids above every row written before it.
my $max_before = $node->safe_psql('postgres', 'SELECT max(id) FROM safe_ddl.audit_log');
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; COMMENT ON TABLE k IS 'ok after crash';");
cmp_ok(
	$node->safe_psql('postgres',
		"SELECT id FROM safe_ddl.audit_log WHERE statement = 'COMMENT ON TABLE k IS ''ok after crash'''"
	),
	'>', $max_before,
	'a row after the restart takes an id above every earlier row');
is( $node->safe_psql('postgres',
		'SELECT count(*) = count(DISTINCT id) FROM safe_ddl.audit_log'),
	't', 'no id is given twice');

# New attempts are logged again.
$node->psql('postgres', "COMMENT ON TABLE k IS 'after crash';");
ok(wait_for_queue($node, 'postgres'), 'the writer emptied the queue');
is( $node->safe_psql('postgres',
		"SELECT outcome FROM safe_ddl.audit_log WHERE statement = 'COMMENT ON TABLE k IS ''after crash'''"
	),
	'refused',
	'a refusal after the restart is logged');

$node->stop;
done_testing();
