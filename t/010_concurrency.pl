# Eight sessions run DDL at once with every outcome mixed: the log holds
# exactly one row per attempt, per outcome.  Then, with a queue too small
# for the burst, what does not fit goes to the server log: nothing lost.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $sessions = 8;
my $rounds = 125;    # 8 x 125 x 4 = 4000 attempts

my $node = new_safe_ddl_node('concurrency');
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; "
	  . join('', map { "CREATE TABLE c_$_ (id int); " } 1 .. $sessions));

my @scripts;
foreach my $s (1 .. $sessions)
{
	my $sql = '';
	foreach my $i (1 .. $rounds)
	{
		# ok, refused, failed, rolled_back
		$sql .= "SET lock_timeout = '5s';\nCOMMENT ON TABLE c_$s IS 'ok $i';\n";
		$sql .= "RESET lock_timeout;\nCOMMENT ON TABLE c_$s IS 'refused $i';\n";
		$sql .= "SET lock_timeout = '5s';\nCREATE TABLE c_$s (id int);\n";
		$sql .= "BEGIN;\nCOMMENT ON TABLE c_$s IS 'rolled back $i';\nROLLBACK;\n";
	}
	push @scripts, $sql;
}
run_sessions($node, 'postgres', @scripts);
ok(wait_for_queue($node, 'postgres'), 'the writer emptied the queue');

my $counts = outcome_counts($node, 'postgres',
	"statement LIKE 'COMMENT ON TABLE c\\_%' OR statement LIKE 'CREATE TABLE c\\_% (id int)' AND outcome <> 'ok'"
);
my $expected = $sessions * $rounds;
is($counts->{ok}, $expected, "ok rows: $expected");
is($counts->{refused}, $expected, "refused rows: $expected");
is($counts->{failed}, $expected, "failed rows: $expected");
is($counts->{rolled_back}, $expected, "rolled_back rows: $expected");

is( $node->safe_psql('postgres',
		"SELECT count(*) FROM (SELECT statement, outcome FROM safe_ddl.audit_log GROUP BY 1, 2 HAVING count(*) > 1 AND outcome <> 'failed') d"
	),
	'0',
	'no attempt recorded twice');

# Eight sessions and the writer draw ids from one shared block at a time.
is( $node->safe_psql('postgres',
		'SELECT count(*) = count(DISTINCT id) AND max(id) <= (SELECT last_value FROM safe_ddl.audit_log_id_seq) FROM safe_ddl.audit_log'
	),
	't',
	'every id is given once, and the sequence covers them all');

my $stats = $node->safe_psql('postgres',
	'SELECT refused, failed, rolled_back, queued, written, logged, pending FROM safe_ddl.stats'
);
my ($refused, $failed, $rolled_back, $queued, $written, $logged, $pending) =
  split /\|/, $stats;
is($refused, $expected, 'stats: refused attempts');
is($failed, $expected, 'stats: failed attempts');
is($rolled_back, $expected, 'stats: rolled_back attempts');
is($queued, 3 * $expected, 'stats: rows queued');
is($written, 3 * $expected, 'stats: rows written');
is($logged, 0, 'stats: nothing sent to the server log');
is($pending, 0, 'stats: nothing pending');

# Under pressure: a 64kB queue, and the writer blocked by a session that
# holds the log's lock, while 8 sessions refuse 10 long statements each.
# What fits waits in the queue; the rest, after a short wait for room,
# goes to the server log.  Nothing is lost.
$node->append_conf('postgresql.conf', "safe_ddl.queue_size = '64kB'\n");
$node->restart;
my $burst = 4;
my $padding = 'x' x 3000;
@scripts = ();
foreach my $s (1 .. $sessions)
{
	push @scripts,
	  join('',
		map { "COMMENT ON TABLE c_$s IS 'pressure $_ $padding';\n" }
		  1 .. $burst);
}
my $blocker = $node->background_psql('postgres');
$blocker->query_safe(
	'BEGIN; SET LOCAL safe_ddl.mode = off; SET LOCAL safe_ddl.audit = off; LOCK TABLE safe_ddl.audit_log IN ACCESS EXCLUSIVE MODE;');
my $log_offset = -s $node->logfile;
run_sessions($node, 'postgres', @scripts);
$blocker->query_safe('COMMIT;');
$blocker->quit;
ok(wait_for_queue($node, 'postgres'), 'the writer emptied the queue');

my $in_table = $node->safe_psql('postgres',
	"SELECT count(*) FROM safe_ddl.audit_log WHERE outcome = 'refused' AND statement LIKE 'COMMENT ON TABLE c\\_% IS ''pressure%'"
);
my $log = slurp_file($node->logfile, $log_offset);
my $in_log = () = $log =~
  /safe_ddl audit record \(queue full\): \{.*"statement":"COMMENT ON TABLE c_\d+ IS 'pressure/g;
$logged = $node->safe_psql('postgres', 'SELECT logged FROM safe_ddl.stats');
note "pressure: $in_table rows in the table, $in_log lines in the server log";
ok($in_table > 0, 'the refusals that fit in the queue reached the table');
ok($in_log > 0, 'the refusals that did not fit went to the server log');
is($in_table + $in_log, $sessions * $burst,
	'every refusal under pressure is in the table or in the server log');
is($logged, $in_log, 'the logged counter matches the server log lines');

$node->stop;
done_testing();
