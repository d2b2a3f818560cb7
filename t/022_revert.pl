# safe_ddl.revert_script(): a migration of each kind that can be undone,
# run with a lock_timeout, then the script revert_script() returns for the
# time before it, run through psql as a superuser: pg_dump --schema-only
# of the database is the same as before the migration.  The schema's
# names and comments are hostile (a double quote, a semicolon, a newline,
# */, --): the script still runs as exactly the statements it lists.  A
# migration with an irreversible step: the script calls it out in a
# comment, and runs the rest.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my $node = new_safe_ddl_node('revert');
my $tmp = PostgreSQL::Test::Utils::tempdir;

# Run a script through psql as the superuser, stopping at the first
# error; returns exit status, stdout and stderr.
sub run_psql_file
{
	my ($sql, $pgoptions) = @_;
	my $file = "$tmp/script.sql";
	open my $fh, '>', $file or die "$file: $!";
	print $fh $sql;
	close $fh;
	local $ENV{PGOPTIONS} = $pgoptions // '';
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-f', $file ],
		'>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

sub dump_schema
{
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run(
		[ 'pg_dump', '--schema-only', '--exclude-schema=safe_ddl', '-d', $node->connstr('postgres') ],
		'>', \$stdout, '2>', \$stderr) or die "pg_dump: $stderr";
	# pg_dump of recent minor releases guards its script with a random key
	$stdout =~ s/^\\(un)?restrict .*$//mg;
	return $stdout;
}

# revert_script() since a time, as psql prints it unaligned: the script.
sub revert_script
{
	my ($since) = @_;
	my ($stdout, $stderr) = ('', '');
	IPC::Run::run(
		[ 'psql', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'),
		  '-c', "SELECT * FROM safe_ddl.revert_script('$since')" ],
		'>', \$stdout, '2>', \$stderr) or die "revert_script: $stderr";
	return $stdout;
}

sub now { return $node->safe_psql('postgres', 'SELECT clock_timestamp()'); }

# The schema before: hostile names and comments, defaults, constraints.
my $hs = q{"h""s;
--*/"};
my $ht = qq{$hs."t""; DROP TABLE x; --
*/"};
my $hc = q{"c;""--
*/"};
my ($status, $out, $err) = run_psql_file(qq{
SET lock_timeout = '5s';
CREATE ROLE sddl_app;
CREATE SCHEMA $hs AUTHORIZATION sddl_app;
CREATE TABLE accounts (id int PRIMARY KEY, balance int DEFAULT 0, owner text NOT NULL, note text);
COMMENT ON TABLE accounts IS 'the accounts';
CREATE FUNCTION bump(int) RETURNS int LANGUAGE sql AS 'SELECT \$1 + 1';
CREATE VIEW rich AS SELECT id FROM accounts WHERE balance > 1000;
CREATE SEQUENCE tickets;
SET ROLE sddl_app;
CREATE TABLE $ht (id int, $hc text DEFAULT 'x''; DROP TABLE y; --
*/', gone int);
COMMENT ON COLUMN $ht.$hc IS 'it''s
-- */ ; DROP TABLE z; --';
RESET ROLE;
});
is($status, 0, 'set-up: the schema before the migration') or diag $err;

my $before = dump_schema();
my $since = now();

# The migration: every kind of change that has a way back, each guarded
# by a lock_timeout; some of them by an ordinary role.  A rolled-back
# change, a refused and a failed one are not part of it.
($status, $out, $err) = run_psql_file(qq{
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id int, account_id int);
CREATE INDEX ON billing.invoices (account_id);
CREATE INDEX invoices_id_idx ON billing.invoices (id);
CREATE VIEW billing.open AS SELECT id FROM billing.invoices;
CREATE MATERIALIZED VIEW billing.totals AS SELECT count(*) AS n FROM billing.invoices;
CREATE SEQUENCE billing.invoice_no;
CREATE FUNCTION billing.total(int, text) RETURNS int LANGUAGE sql AS 'SELECT 0';
CREATE PROCEDURE billing.close() LANGUAGE sql AS 'SELECT 1';
CREATE TYPE billing.state AS ENUM ('open', 'paid');
CREATE TYPE billing.amount AS (value numeric, currency text);
CREATE DOMAIN billing.cents AS bigint CHECK (VALUE >= 0);
BEGIN;
ALTER TABLE accounts ADD COLUMN email text;
ALTER TABLE accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0);
ALTER TABLE accounts ADD CHECK (id > 0);
ALTER TABLE accounts ALTER COLUMN note SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN owner DROP NOT NULL;
ALTER TABLE accounts ALTER COLUMN balance SET DEFAULT 100;
ALTER TABLE accounts ALTER COLUMN note SET DEFAULT 'n/a';
COMMIT;
ALTER TABLE accounts ADD COLUMN flags int DEFAULT 0, ALTER COLUMN email SET NOT NULL,
    ADD CONSTRAINT flags_small CHECK (flags < 10), ALTER COLUMN balance DROP DEFAULT;
CREATE TABLE billing.lines (n int);
ALTER TABLE billing.lines ADD PRIMARY KEY (n);
COMMENT ON TABLE accounts IS 'the accounts, renamed';
COMMENT ON COLUMN accounts.note IS 'a note';
COMMENT ON FUNCTION bump(int) IS 'bumps';
COMMENT ON SCHEMA billing IS 'money';
ALTER TABLE accounts RENAME COLUMN note TO remark;
ALTER TABLE accounts RENAME CONSTRAINT balance_positive TO balance_nonneg;
ALTER INDEX accounts_pkey RENAME TO accounts_pk;
ALTER VIEW rich RENAME TO wealthy;
ALTER SEQUENCE tickets RENAME TO ticket_no;
ALTER FUNCTION bump(int) RENAME TO bump_one;
ALTER TABLE accounts RENAME TO customers;
ALTER SCHEMA billing RENAME TO invoicing;
SET ROLE sddl_app;
ALTER TABLE $ht ALTER COLUMN $hc SET DEFAULT 'plain';
COMMENT ON COLUMN $ht.$hc IS 'second';
ALTER TABLE $ht ADD CONSTRAINT "k;
--*/" CHECK (id > 0);
ALTER TABLE $ht RENAME COLUMN $hc TO "d"" --
x";
ALTER TABLE $ht RENAME TO "r;
--""";
RESET ROLE;
BEGIN;
CREATE TABLE rolled_back (id int);
ROLLBACK;
});
is($status, 0, 'the migration ran') or diag $err;
my ($st2, $o2, $e2) = run_psql_file(q{
RESET lock_timeout;
CREATE TABLE refused (id int);
}, '-c lock_timeout=0');
like($e2, qr/safe_ddl refused CREATE TABLE/, 'a refused statement');
($st2, $o2, $e2) = run_psql_file(q{
SET lock_timeout = '5s';
CREATE TABLE customers (id int);
});
like($e2, qr/relation "customers" already exists/, 'a failed statement');
ok(wait_for_queue($node, 'postgres'), 'the writer emptied the queue');
isnt(dump_schema(), $before, 'the migration changed the schema');

my $script = revert_script($since);
note "revert script:\n$script";
my $script_sql = "SELECT * FROM safe_ddl.revert_script('$since')";
my $statements = $node->safe_psql('postgres', "SELECT count(*) FROM ($script_sql) s");
is( $statements,
	$node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE outcome = 'ok' AND started_at >= '$since'"),
	'one statement per ok row of the migration');
is($node->safe_psql('postgres', "SELECT count(*) FROM ($script_sql) s(line) WHERE line LIKE '--%'"),
	0, 'every step of this migration has a known revert');
unlike($script, qr/rolled_back|refused/, 'rolled back, refused and failed changes are not in it');
ok( index($script, "ALTER SCHEMA invoicing RENAME TO billing;\n")
	  < index($script, "ALTER TABLE billing.lines DROP CONSTRAINT lines_pkey")
	  && $script =~ /\nDROP SCHEMA billing;\n\z/,
	'newest first: the schema renamed last is renamed back before what was in it is dropped, dropped last');

# Run it as a superuser, as one transaction, with a lock_timeout.
my $mark = $node->safe_psql('postgres', 'SELECT max(id) FROM safe_ddl.audit_log');
($status, $out, $err) = run_psql_file("BEGIN;\n$script\nCOMMIT;\n",
	'-c lock_timeout=5s -c safe_ddl.allow_destructive=on');
is($status, 0, 'the revert script ran as a superuser') or diag $err;
is($err, '', 'the revert script raised no error nor notice');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE id > $mark AND outcome = 'ok'"),
	$statements, 'it ran exactly the statements it lists (one row each)');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE id > $mark AND statement || ';' NOT IN ($script_sql)"),
	0, 'and each row\'s text is one statement of it');
my $after = dump_schema();
like($before, qr/CREATE TABLE "h""s;\n--\*\/"\."t""; DROP TABLE x; --\n\*\/"/,
	'the dump holds the hostile table');
is($after, $before, 'pg_dump --schema-only after the revert: the same as before the migration');

# A migration with irreversible steps, on hostile names: called out in a
# comment (the names as a JSON array: no line break), the rest undone.
$since = now();
($status, $out, $err) = run_psql_file(qq{
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
COMMENT ON TABLE accounts IS 'before the drops';
ALTER TABLE $ht DROP COLUMN gone;
TRUNCATE accounts;
DROP TABLE $ht;
CREATE TABLE audit_trail (id int);
});
is($status, 0, 'the irreversible migration ran') or diag $err;
$script = revert_script($since);
note "revert script:\n$script";
my @comments = grep { /^--/ } split /\n/, $script;
is(scalar(@comments), 3, 'three steps called out');
like($comments[0], qr/^-- row \d+ \(DROP TABLE \["\\"h\\"\\"s;\\n--\*\/\\"\.\\"t\\"\\"; DROP TABLE x; --\\n\*\/\\""\]\): IRREVERSIBLE/,
	'the DROP TABLE: irreversible, its name quoted and escaped on one line');
like($comments[1], qr/^-- row \d+ \(TRUNCATE TABLE \["public\.accounts"\]\): IRREVERSIBLE/,
	'the TRUNCATE: irreversible');
like($comments[2], qr/^-- row \d+ \(ALTER TABLE .*\): IRREVERSIBLE/, 'the DROP COLUMN: irreversible');
like($script, qr/\ADROP TABLE public\.audit_trail;\n/, 'newest first: the new table dropped first');
like($script, qr/^COMMENT ON TABLE public\.accounts IS 'the accounts';$/m,
	'the comment restored');
$mark = $node->safe_psql('postgres', 'SELECT max(id) FROM safe_ddl.audit_log');
($status, $out, $err) = run_psql_file($script, '-c lock_timeout=5s');
is($status, 0, 'the script with its comments runs through psql') or diag $err;
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM safe_ddl.audit_log WHERE id > $mark"),
	2, 'only its two statements ran');
is( $node->safe_psql('postgres',
		"SELECT obj_description('accounts'::regclass, 'pg_class'), to_regclass('audit_trail') IS NULL"),
	"the accounts|t", 'the comment is back, the new table gone');

$node->stop;
done_testing();
