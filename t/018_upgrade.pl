# ALTER EXTENSION safe_ddl UPDATE from 1.0 to 1.1 and on to 1.2, and the
# current library with a database still at 1.0 or 1.1: rows and ids kept,
# enforcement and auditing go on at the old version, 1.1 brings
# object_history() immune to the caller's search_path and the stats
# view's preloaded column, 1.2 the columns of what a change did and the
# way back (NULL in the rows written before), and the update warns about a
# schema open to roles that are not superusers.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'safe_ddl'\n");
$node->start;
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE EXTENSION safe_ddl VERSION '1.0';");
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'safe_ddl'"),
	'1.0', 'installed at 1.0');

# The 1.1 library with the 1.0 schema: ok rows, refused rows, stats.
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; CREATE TABLE u (id int); ALTER TABLE u ADD COLUMN a int;");
my ($ret, $out, $err) = $node->psql('postgres', 'ALTER TABLE u ADD COLUMN refused int;');
like($err, qr/safe_ddl refused ALTER TABLE/, 'at 1.0: DDL without a timeout is refused');
ok(wait_for_queue($node, 'postgres'), 'at 1.0: the writer emptied the queue');
is( $node->safe_psql('postgres',
		"SELECT string_agg(outcome, ',' ORDER BY id) FROM safe_ddl.audit_log WHERE statement LIKE '%TABLE u%'"),
	'ok,ok,refused', 'at 1.0: ok and refused rows are written');
is($node->safe_psql('postgres', 'SELECT launcher_running FROM safe_ddl.stats'),
	't', 'at 1.0: the stats view works');

my ($rows_before, $max_before) = split /\|/,
  $node->safe_psql('postgres', 'SELECT count(*), max(id) FROM safe_ddl.audit_log');

($ret, $out, $err) = $node->psql('postgres',
	"SET lock_timeout = '5s'; ALTER EXTENSION safe_ddl UPDATE TO '1.1';");
is($ret, 0, 'ALTER EXTENSION safe_ddl UPDATE TO 1.1 succeeds');
unlike($err, qr/WARNING/, 'no warning for a schema only a superuser owns');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'safe_ddl'"),
	'1.1', 'now at 1.1');
is( $node->safe_psql('postgres',
		"SELECT count(*), max(id) FROM safe_ddl.audit_log WHERE id <= $max_before"),
	"$rows_before|$max_before", 'every row and id kept');
is( $node->safe_psql('postgres',
		"SELECT outcome FROM safe_ddl.audit_log WHERE statement = 'ALTER EXTENSION safe_ddl UPDATE TO ''1.1'''"),
	'ok', 'the update has its own row');
cmp_ok(
	$node->safe_psql('postgres',
		"SELECT id FROM safe_ddl.audit_log WHERE statement = 'ALTER EXTENSION safe_ddl UPDATE TO ''1.1'''"),
	'>', $max_before, 'with an id above the old ones');
is( $node->safe_psql('postgres',
		"SELECT pg_get_function_identity_arguments('safe_ddl.object_history'::regproc)"),
	'object text, max_rows integer, object_type text',
	'object_history takes the kind of object');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.object_history('public.u')"),
	'3', 'object_history finds the 1.0 rows');
like( $node->safe_psql('postgres',
		"SELECT prosrc FROM pg_proc WHERE oid = 'safe_ddl.object_history'::regproc"),
	qr/OPERATOR\(pg_catalog\.@>\)/, 'its operators are pinned to pg_catalog');
is($node->safe_psql('postgres', 'SELECT preloaded FROM safe_ddl.stats'),
	't', 'the stats view says the library was preloaded');

# The current library with the 1.1 schema: the 1.2 columns are not there,
# and rows are still written (the columns it lacks are left out).
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; ALTER TABLE u ADD COLUMN at11 int;");
($ret, $out, $err) = $node->psql('postgres', 'ALTER TABLE u ADD COLUMN refused11 int;');
like($err, qr/safe_ddl refused ALTER TABLE/, 'at 1.1: DDL without a timeout is refused');
ok(wait_for_queue($node, 'postgres'), 'at 1.1: the writer emptied the queue');
is( $node->safe_psql('postgres',
		"SELECT string_agg(outcome, ',' ORDER BY id) FROM safe_ddl.audit_log WHERE statement LIKE '%COLUMN%11 int%'"),
	'ok,refused', 'at 1.1: ok and refused rows are written');

# 1.1 -> 1.2
($rows_before, $max_before) = split /\|/,
  $node->safe_psql('postgres', 'SELECT count(*), max(id) FROM safe_ddl.audit_log');
($ret, $out, $err) = $node->psql('postgres',
	"SET lock_timeout = '5s'; ALTER EXTENSION safe_ddl UPDATE;");
is($ret, 0, 'ALTER EXTENSION safe_ddl UPDATE (to 1.2) succeeds');
is($node->safe_psql('postgres', "SELECT extversion FROM pg_extension WHERE extname = 'safe_ddl'"),
	'1.2', 'now at 1.2');
is( $node->safe_psql('postgres',
		"SELECT count(*), max(id) FROM safe_ddl.audit_log WHERE id <= $max_before"),
	"$rows_before|$max_before", 'at 1.2: every row and id kept');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE id <= $max_before
		    AND num_nonnulls(lock_wait_ms, lock_held_ms, blocked_sessions_max, blocked_ms,
		                     attempts, revert_statement, reversible) > 0"),
	'0', 'at 1.2: the new columns are NULL in the rows written before');
$node->safe_psql('postgres',
	"SET lock_timeout = '5s'; ALTER TABLE u ADD COLUMN at12 int;");
is( $node->safe_psql('postgres',
		"SELECT outcome, attempts, id > $max_before FROM safe_ddl.audit_log WHERE statement LIKE '%COLUMN at12%'"),
	'ok|1|t', 'at 1.2: a new row carries the new columns');

# A 1.0 install that adopted a schema a role may create in: the update
# says so.
$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
CREATE ROLE adopter LOGIN;
CREATE DATABASE adopted;
});
$node->safe_psql('adopted', q{
SET lock_timeout = '5s';
CREATE SCHEMA safe_ddl AUTHORIZATION adopter;
CREATE EXTENSION safe_ddl VERSION '1.0';
});
($ret, $out, $err) = $node->psql('adopted',
	"SET lock_timeout = '5s'; ALTER EXTENSION safe_ddl UPDATE;");
is($ret, 0, 'adopted schema: the update succeeds');
like($err,
	qr/WARNING:  schema safe_ddl is open to roles that are not superusers\nDETAIL:  It is owned by adopter \(not a superuser\); roles that are not superusers may create in it: adopter\./,
	'adopted schema: the update warns who owns it and may create in it');

$node->stop;
done_testing();
