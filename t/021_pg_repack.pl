# pg_repack, the online rebuild table_rewrite's HINT recommends, completes
# with only a timeout: the shadow table, its indexes and its log are
# relations pg_repack's own session created, new for it, so no rule
# refuses building, filling or dropping them.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $bindir = `pg_config --bindir`;
chomp $bindir;
plan skip_all => "pg_repack is not installed in $bindir"
  unless -x "$bindir/pg_repack";

my $node = new_safe_ddl_node('repack');
$node->safe_psql('postgres', q{
SET lock_timeout = '5s';
CREATE EXTENSION pg_repack;
CREATE TABLE big (id int PRIMARY KEY, v text);
CREATE INDEX big_v_idx ON big (v);
INSERT INTO big SELECT i, repeat('x', 60) FROM generate_series(1, 150000) i;
ANALYZE big;
});
my $mark = $node->safe_psql('postgres',
	'SELECT coalesce(max(id), 0) FROM safe_ddl.audit_log');
cmp_ok($node->safe_psql('postgres', "SELECT pg_relation_size('big')"),
	'>', 10 * 1024 * 1024, 'big is above large_table_size');

# Run pg_repack with the given options and environment; a minute at most.
sub repack
{
	my ($pgoptions, @args) = @_;
	my ($out, $err) = ('', '');
	local $ENV{PGOPTIONS} = $pgoptions;
	my $ok = eval {
		IPC::Run::run(
			[
				'pg_repack', '-h', $node->host, '-p', $node->port,
				'-d', 'postgres', @args
			],
			'>', \$out, '2>', \$err,
			IPC::Run::timeout(60));
	};
	return ($ok ? 'exit 0' : $@ ? 'timed out' : 'failed', $err);
}

my ($status, $err) = repack('-c lock_timeout=5s', '-t', 'big');
is($status, 'exit 0', 'pg_repack -t big completes with only lock_timeout set')
  or diag($err);
unlike($err, qr/safe_ddl refused/, 'nothing refused');

($status, $err) = repack('-c lock_timeout=5s', '-t', 'big', '--only-indexes');
is($status, 'exit 0', 'pg_repack -t big --only-indexes completes')
  or diag($err);

ok(wait_for_queue($node, 'postgres'), 'rows written');
is( $node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM safe_ddl.audit_log
 WHERE id > $mark AND outcome <> 'ok'}), '0',
	'every DDL statement pg_repack sent got an ok row');
cmp_ok(
	$node->safe_psql(
		'postgres', qq{
SELECT count(*) FROM safe_ddl.audit_log
 WHERE id > $mark AND statement ~ 'repack\\.(table|log)_'}), '>', 0,
	'its shadow table and log are in the log');
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) FROM pg_trigger
 WHERE tgrelid = 'big'::regclass AND NOT tgisinternal}), '0',
	'no trigger left on the table');
is( $node->safe_psql(
		'postgres', q{
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'repack' AND c.relkind = 'r'}), '0',
	'no table left in schema repack');
is($node->safe_psql('postgres', 'SELECT count(*) FROM big'),
	'150000', 'the rows are all there');

# A rebuild by hand of the same table from another session is still
# refused: the table is not this session's.
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET lock_timeout = '5s'; VACUUM FULL big");
like($stderr, qr/table_rewrite/, 'VACUUM FULL big is refused by table_rewrite');

$node->stop;
done_testing();
