# safe_ddl without shared_preload_libraries: CREATE EXTENSION and LOAD work
# (no setting that only the postmaster can take is defined after startup),
# CREATE EXTENSION warns what is missing, and the policy holds in sessions
# that load the library (LOAD, session_preload_libraries): ok rows in the
# table, refusals in the server log.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('not_preloaded');
$node->init;
$node->start;

my ($ret, $out, $err) = $node->psql('postgres',
	"SET lock_timeout = '5s'; CREATE EXTENSION safe_ddl; SELECT 'still connected';");
is($ret, 0, 'CREATE EXTENSION without preloading succeeds');
like($out, qr/still connected/, 'CREATE EXTENSION without preloading keeps the session');
unlike($err, qr/FATAL/, 'CREATE EXTENSION without preloading raises no FATAL error');
like($err,
	qr/WARNING:  safe_ddl is not in shared_preload_libraries.*HINT:  Add safe_ddl to shared_preload_libraries/s,
	'CREATE EXTENSION warns what is missing and how to add it');

($ret, $out, $err) = $node->psql('postgres',
	"LOAD 'safe_ddl'; CREATE TABLE unguarded (id int);");
isnt($ret, 0, 'LOAD: DDL without a timeout is refused in the session');
like($err, qr/ERROR:  safe_ddl refused CREATE TABLE/, 'LOAD: the refusal');

($ret, $out, $err) = $node->psql('postgres',
	"LOAD 'safe_ddl'; SET lock_timeout = '5s'; CREATE TABLE guarded (id int);");
is($ret, 0, 'LOAD: DDL with a timeout runs');
is( $node->safe_psql('postgres',
		"SELECT outcome FROM safe_ddl.audit_log WHERE statement = 'CREATE TABLE guarded (id int)'"),
	'ok',
	'LOAD: its ok row is in the table');
like(slurp_file($node->logfile),
	qr/safe_ddl audit record \(safe_ddl is not in shared_preload_libraries\): .*"statement":"CREATE TABLE unguarded \(id int\)"/,
	'LOAD: the refused row went to the server log');

# Loaded before CREATE EXTENSION: the hook sees it and warns the same way.
$node->safe_psql('postgres', "LOAD 'safe_ddl'; SET lock_timeout = '5s'; CREATE DATABASE second;");
($ret, $out, $err) = $node->psql('second',
	"LOAD 'safe_ddl'; SET lock_timeout = '5s'; CREATE EXTENSION safe_ddl;");
is($ret, 0, 'LOAD, then CREATE EXTENSION: succeeds');
like($err, qr/WARNING:  safe_ddl is not in shared_preload_libraries/,
	'LOAD, then CREATE EXTENSION: the same warning');

$node->safe_psql('postgres',
	"ALTER SYSTEM SET session_preload_libraries = 'safe_ddl'; SELECT pg_reload_conf();");
($ret, $out, $err) = $node->psql('postgres', "CREATE TABLE unguarded2 (id int);");
like($err, qr/ERROR:  safe_ddl refused CREATE TABLE/,
	'session_preload_libraries: the policy holds in every new session');
($ret, $out, $err) = $node->psql('postgres', "SHOW safe_ddl.queue_size;");
like($err, qr/unrecognized configuration parameter "safe_ddl.queue_size"/,
	'not preloaded: queue_size (server start only) is not defined');

$node->stop;
done_testing();
