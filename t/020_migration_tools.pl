# Two migration tools, driven for real against a server with safe_ddl:
# ActiveRecord (Rails' migrations, from Debian's ruby-activerecord) and
# sqitch.  Each one runs its migrations with only a timeout set the tool's
# idiomatic way, is refused without it, has one destructive migration
# refused until that migration acknowledges itself, and rolls back.  Every
# DDL statement the tool sent (log_statement = 'ddl', by pid) has exactly
# one row in the audit log, with the outcome expected of it.
use strict;
use warnings;

use File::Spec;
use FindBin;
use lib $FindBin::RealBin;

use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use SafeDdlTest;
use Test::More;

my @missing;
push @missing, 'ruby-activerecord and ruby-pg'
  unless system(q{ruby -e 'require "active_record"; require "pg"' >/dev/null 2>&1})
  == 0;
push @missing, 'sqitch and libdbd-pg-perl'
  unless system('sqitch --version >/dev/null 2>&1') == 0
  && system('perl -MDBD::Pg -e 1 >/dev/null 2>&1') == 0;
plan skip_all => join(', ', @missing) . ' not installed' if @missing;

my $node = new_safe_ddl_node('tools',
	"log_statement = 'ddl'\nlog_line_prefix = '%m [%p] %q%a '\n");
foreach my $db ('rails_app', 'sqitch_app')
{
	$node->safe_psql('postgres',
		"SET lock_timeout = '5s'; CREATE DATABASE $db");
	$node->safe_psql($db, "SET lock_timeout = '5s'; CREATE EXTENSION safe_ddl");
}

# Run a tool (two minutes at most) in a directory, with the environment
# given on top of ours.  Returns the exit code (-1 on a time-out) and its
# output, stdout and stderr together.
sub run_tool
{
	my ($dir, $env, @cmd) = @_;
	my $out = '';
	local %ENV = (%ENV, %$env);
	my $ok = eval {
		IPC::Run::run(\@cmd, '>&', \$out,
			init => sub { chdir $dir or die "chdir $dir: $!" },
			IPC::Run::timeout(120));
	};
	return ($ok ? 0 : $@ ? -1 : $? >> 8, $out);
}

# What one run of a tool sent and what the log made of it.  $run is a
# closure that runs the tool and returns (exit code, output).  Returns the
# exit code, the output, the DDL statements the server logged for the
# tool's application_name as "pid: statement", the audit rows written
# meanwhile for that application_name, the same way, and their outcomes
# counted.
sub watch
{
	my ($db, $app, $run) = @_;
	my $mark = $node->safe_psql($db,
		'SELECT coalesce(max(id), 0) FROM safe_ddl.audit_log');
	my $offset = -s $node->logfile;

	my ($rc, $out) = $run->();

	wait_for_queue($node, $db) or die 'audit rows not written';
	my @logged;
	my $log = slurp_file($node->logfile, $offset);
	# "<time> [pid] app LOG:  statement: text", continued on lines that
	# begin with a tab.
	while ($log =~
		/^\S+ \S+ \S+ \[(\d+)\] \Q$app\E LOG:  statement: (.*(?:\n\t.*)*)/mg)
	{
		my ($pid, $text) = ($1, $2);
		$text =~ s/\n\t/\n/g;
		push @logged, "$pid: " . normalize($text);
	}
	my (@audited, %outcomes);
	foreach my $row (
		split /\x1e/,
		$node->safe_psql(
			$db, qq{
SELECT string_agg(backend_pid || E'\\x1f' || outcome || E'\\x1f' || statement,
                  E'\\x1e' ORDER BY id)
  FROM safe_ddl.audit_log
 WHERE id > $mark AND application_name = '$app'}))
	{
		my ($pid, $outcome, $text) = split /\x1f/, $row, 3;
		push @audited, "$pid: " . normalize($text);
		$outcomes{$outcome}++;
	}
	return ($rc, $out, [ sort @logged ], [ sort @audited ], \%outcomes);
}

# The server logs the query string as sent (psql keeps the semicolon); the
# audit row holds the statement alone.
sub normalize
{
	my ($text) = @_;
	$text =~ s/^\s+|[\s;]+$//g;
	return $text;
}

# One run, checked: its exit code, that its output matches, and that each
# DDL statement it sent has one row, with these outcomes in all.
sub check_run
{
	my ($what, $db, $app, $run, $want_rc, $want_out, $want_outcomes) = @_;
	my ($rc, $out, $logged, $audited, $outcomes) = watch($db, $app, $run);
	is($rc, $want_rc, "$what: exit code $want_rc") or diag($out);
	like($out, $want_out, "$what: output") if $want_out;
	cmp_ok(scalar(@$logged), '>', 0, "$what: the server logged its DDL");
	is_deeply($audited, $logged,
		"$what: each DDL statement it sent has exactly one audit row")
	  or diag(explain({ logged => $logged, audited => $audited }));
	is_deeply($outcomes, $want_outcomes, "$what: outcomes")
	  or diag(explain($outcomes));
	return $out;
}

my $refusal = qr/safe_ddl refused/;
my $base = File::Spec->rel2abs(PostgreSQL::Test::Utils::tempdir);

### ActiveRecord ###########################################################
# Debian 12's ruby-activerecord is ActiveRecord 6.1: a small driver
# (tools/ar_migrate.rb) does what `rails db:migrate` and `db:rollback` do,
# with MigrationContext.  The timeout is the connection's `variables`
# (database.yml's `variables: { lock_timeout: 5s }`): ActiveRecord runs
# SET SESSION lock_timeout on each connection it opens.  On PostgreSQL each
# migration runs in a transaction of its own.

my $ar_dir = "$base/ar";
mkdir $ar_dir or die;
mkdir "$ar_dir/migrate" or die;

sub ar_file
{
	my ($name, $body) = @_;
	open my $fh, '>', "$ar_dir/migrate/$name" or die "$name: $!";
	print $fh $body;
	close $fh;
	return;
}

sub ar
{
	my ($timeout, @args) = @_;
	my %env = (
		PGHOST => $node->host,
		PGPORT => $node->port,
		PGDATABASE => 'rails_app',
		PGAPPNAME => 'ar_migrate');
	$env{LOCK_TIMEOUT} = $timeout if $timeout;
	return sub {
		run_tool($ar_dir, \%env, 'ruby', "$FindBin::RealBin/tools/ar_migrate.rb",
			"$ar_dir/migrate", @args);
	};
}

ar_file('20240101000001_create_accounts.rb', <<'EOF');
class CreateAccounts < ActiveRecord::Migration[ActiveRecord::Migration.current_version]
  def change
    create_table :accounts do |t|
      t.string :name
      t.string :legacy
    end
    add_index :accounts, :name
  end
end
EOF

# Without a timeout, the first DDL ActiveRecord sends, its own
# schema_migrations table, is refused.
my $out = check_run(
	'ActiveRecord without a timeout',
	'rails_app', 'ar_migrate', ar(undef, 'migrate'),
	1, $refusal, { refused => 1 });
like($out, qr/safe_ddl refused CREATE TABLE.*\n(?s:.*)SQLSTATE: SD001/,
	'ActiveRecord without a timeout: the error it raises carries the refusal and SD001');

check_run(
	'ActiveRecord migrate with variables: { lock_timeout: 5s }',
	'rails_app', 'ar_migrate', ar('5s', 'migrate'),
	0, qr/CreateAccounts: migrated/, { ok => 4 });

$node->safe_psql('rails_app',
	"INSERT INTO accounts (name, legacy) SELECT 'a' || i, 'x' FROM generate_series(1, 100) i"
);

# remove_column on a table with rows, from a new session: refused, and the
# migration's transaction rolls back.
ar_file('20240101000002_remove_legacy_from_accounts.rb', <<'EOF');
class RemoveLegacyFromAccounts < ActiveRecord::Migration[ActiveRecord::Migration.current_version]
  def up
    remove_column :accounts, :legacy
  end

  def down
    add_column :accounts, :legacy, :string
  end
end
EOF
$out = check_run(
	'ActiveRecord remove_column without acknowledgement',
	'rails_app', 'ar_migrate', ar('5s', 'migrate'),
	1, qr/safe_ddl refused ALTER TABLE: destructive_change/,
	{ refused => 1 });
like(
	$out,
	qr/this and all later migrations canceled/,
	'ActiveRecord: the migration is canceled with the refusal as its cause');

# The documented acknowledgement, for this migration only: SET LOCAL at the
# top of it, in the transaction ActiveRecord wraps it in.
ar_file('20240101000002_remove_legacy_from_accounts.rb', <<'EOF');
class RemoveLegacyFromAccounts < ActiveRecord::Migration[ActiveRecord::Migration.current_version]
  def up
    execute "SET LOCAL safe_ddl.allow_destructive = on"
    remove_column :accounts, :legacy
  end

  def down
    add_column :accounts, :legacy, :string
  end
end
EOF
check_run(
	'ActiveRecord remove_column acknowledged with SET LOCAL',
	'rails_app', 'ar_migrate', ar('5s', 'migrate'),
	0, qr/RemoveLegacyFromAccounts: migrated/, { ok => 1 });
is( $node->safe_psql(
		'rails_app', q{
SELECT rules::text FROM safe_ddl.audit_log
 WHERE outcome = 'ok' AND statement LIKE '%DROP COLUMN "legacy"'}),
	'{destructive_change}',
	'ActiveRecord: the acknowledged change is recorded with its rule');

check_run(
	'ActiveRecord rollback of remove_column',
	'rails_app', 'ar_migrate', ar('5s', 'rollback'),
	0, qr/RemoveLegacyFromAccounts: reverted/, { ok => 1 });

# Rolling back CreateAccounts drops a table that now holds rows: that is
# destructive too.  Its remove_index is rolled back with the transaction.
check_run(
	'ActiveRecord rollback of create_table on a table with rows',
	'rails_app', 'ar_migrate', ar('5s', 'rollback'),
	1, qr/safe_ddl refused DROP TABLE: destructive_change/,
	{ refused => 1, rolled_back => 1 });
is($node->safe_psql('rails_app', 'SELECT count(*) FROM accounts'),
	'100', 'ActiveRecord: the rows are all there');

### sqitch #################################################################
# The timeout is PGOPTIONS, which both of sqitch's connections read (DBD::Pg
# for the registry, psql for the change scripts): the registry is created by
# psql outside any change script.  Each change script has its own
# BEGIN/COMMIT.

my $home = "$base/sqitch_home";
my $proj = "$base/sqitch_proj";
mkdir $home or die;
mkdir $proj or die;
my $target = 'db:pg:///sqitch_app?host=' . $node->host . '&port=' . $node->port;

sub sqitch
{
	my ($pgoptions, @args) = @_;
	my %env = (HOME => $home, PGAPPNAME => 'sqitch');
	$env{PGOPTIONS} = $pgoptions if $pgoptions;
	return sub { run_tool($proj, \%env, 'sqitch', @args) };
}

sub sqitch_file
{
	my ($name, $body) = @_;
	open my $fh, '>', "$proj/$name" or die "$name: $!";
	print $fh $body;
	close $fh;
	return;
}

foreach my $setup (
	[ 'config', '--user', 'user.name', 'Migration Tester' ],
	[ 'config', '--user', 'user.email', 'tester@example.com' ],
	[ 'init', 'app', '--engine', 'pg', '--target', $target ],
	[ 'add', 'accounts', '-n', 'accounts' ],
	[ 'add', 'drop_legacy', '--requires', 'accounts', '-n', 'drop legacy' ])
{
	my ($rc, $setup_out) = sqitch(undef, @$setup)->();
	is($rc, 0, "sqitch @$setup[0..2]") or diag($setup_out);
}

sqitch_file('deploy/accounts.sql', <<'EOF');
-- Deploy app:accounts to pg

BEGIN;

CREATE TABLE accounts (
    id     int PRIMARY KEY,
    name   text NOT NULL,
    legacy text
);
CREATE INDEX accounts_name_idx ON accounts (name);

COMMIT;
EOF
sqitch_file('revert/accounts.sql', <<'EOF');
-- Revert app:accounts from pg

BEGIN;

SET LOCAL safe_ddl.allow_destructive = on;
DROP TABLE accounts;

COMMIT;
EOF
sqitch_file('verify/accounts.sql', <<'EOF');
SELECT id, name FROM accounts WHERE false;
EOF
sqitch_file('deploy/drop_legacy.sql', <<'EOF');
-- Deploy app:drop_legacy to pg
-- requires: accounts

BEGIN;

ALTER TABLE accounts DROP COLUMN legacy;

COMMIT;
EOF
sqitch_file('revert/drop_legacy.sql', <<'EOF');
-- Revert app:drop_legacy from pg

BEGIN;

ALTER TABLE accounts ADD COLUMN legacy text;

COMMIT;
EOF
sqitch_file('verify/drop_legacy.sql', <<'EOF');
SELECT 1 / (count(*) = 0)::int FROM information_schema.columns
 WHERE table_name = 'accounts' AND column_name = 'legacy';
EOF

# Without a timeout, the registry's first statement is refused.
check_run(
	'sqitch deploy without a timeout',
	'sqitch_app', 'sqitch', sqitch(undef, 'deploy', '--to', 'accounts'),
	2, qr/pg\.sql:\d+: ERROR:  safe_ddl refused CREATE SCHEMA/,
	{ refused => 1 });

# With PGOPTIONS: the registry (schema, tables, comments) and the change.
my ($rc, $deploy_out, $logged, $audited, $outcomes) = watch(
	'sqitch_app', 'sqitch',
	sqitch('-c lock_timeout=5s', 'deploy', '--to', 'accounts'));
is($rc, 0, 'sqitch deploy with PGOPTIONS: exit code 0') or diag($deploy_out);
like($deploy_out, qr/\+ accounts \.\. ok/, 'sqitch deploy with PGOPTIONS: output');
is_deeply($audited, $logged,
	'sqitch deploy with PGOPTIONS: each DDL statement it sent has exactly one audit row'
) or diag(explain({ logged => $logged, audited => $audited }));
is_deeply($outcomes, { ok => scalar(@$logged) },
	'sqitch deploy with PGOPTIONS: all ok');
cmp_ok(scalar(grep { /CREATE TABLE "sqitch"\./ } @$logged),
	'>=', 5, 'sqitch deploy with PGOPTIONS: the registry tables are among them');

$node->safe_psql('sqitch_app',
	"INSERT INTO accounts SELECT i, 'a' || i, 'x' FROM generate_series(1, 100) i"
);

check_run(
	'sqitch deploy drop_legacy without acknowledgement',
	'sqitch_app', 'sqitch', sqitch('-c lock_timeout=5s', 'deploy'),
	2, qr/drop_legacy\.sql:\d+: ERROR:  safe_ddl refused ALTER TABLE: destructive_change/,
	{ refused => 1 });

# The acknowledgement, in that change's deploy script, inside its
# transaction.
sqitch_file('deploy/drop_legacy.sql', <<'EOF');
-- Deploy app:drop_legacy to pg
-- requires: accounts

BEGIN;

SET LOCAL safe_ddl.allow_destructive = on;
ALTER TABLE accounts DROP COLUMN legacy;

COMMIT;
EOF
check_run(
	'sqitch deploy drop_legacy acknowledged with SET LOCAL',
	'sqitch_app', 'sqitch', sqitch('-c lock_timeout=5s', 'deploy'),
	0, qr/\+ drop_legacy \.\. ok/, { ok => 1 });

check_run(
	'sqitch revert drop_legacy',
	'sqitch_app', 'sqitch',
	sqitch('-c lock_timeout=5s', 'revert', '-y', '--to', '@HEAD^'),
	0, qr/- drop_legacy \.\. ok/, { ok => 1 });

# Reverting accounts drops a table with rows: its revert script
# acknowledges it the same way.
check_run(
	'sqitch revert accounts (acknowledged in its revert script)',
	'sqitch_app', 'sqitch', sqitch('-c lock_timeout=5s', 'revert', '-y'),
	0, qr/- accounts \.\. ok/, { ok => 1 });
is( $node->safe_psql(
		'sqitch_app', q{
SELECT string_agg(rules::text, ',') FROM safe_ddl.audit_log
 WHERE outcome = 'ok' AND statement IN ('ALTER TABLE accounts DROP COLUMN legacy',
                                        'DROP TABLE accounts')}),
	'{destructive_change},{destructive_change}',
	'sqitch: the acknowledged changes are recorded with their rule');

$node->stop;
done_testing();
