# Run ActiveRecord migrations the way `rails db:migrate` / `db:rollback` do,
# without a Rails application:
#
#   ruby ar_migrate.rb DIR migrate
#   ruby ar_migrate.rb DIR rollback [STEPS]
#
# The connection comes from libpq's environment (PGHOST, PGPORT, PGDATABASE,
# PGAPPNAME).  LOCK_TIMEOUT, when set, goes into the connection's
# `variables`, as `variables: { lock_timeout: 5s }` in database.yml would:
# ActiveRecord then runs SET SESSION lock_timeout on every connection.
require 'active_record'

dir, command, steps = ARGV
config = { adapter: 'postgresql', migrations_paths: [dir] }
config[:variables] = { lock_timeout: ENV['LOCK_TIMEOUT'] } if ENV['LOCK_TIMEOUT']

ActiveRecord::Migration.verbose = true
ActiveRecord::Base.establish_connection(config)
# The migration context of the connection pool (ActiveRecord 7.1 and
# later), or of the connection (6.x); both read migrations_paths.
pool = ActiveRecord::Base.connection_pool
context = if pool.respond_to?(:migration_context)
            pool.migration_context
          else
            ActiveRecord::Base.connection.migration_context
          end

begin
  case command
  when 'migrate' then context.migrate
  when 'rollback' then context.rollback((steps || 1).to_i)
  else abort "unknown command #{command}"
  end
rescue StandardError => e
  # What `rails db:migrate` prints (the migration's failure wraps the
  # database error), then the SQLSTATE the database error carries.
  warn "#{e.class}: #{e.message}"
  cause = e
  cause = cause.cause while cause && !cause.is_a?(PG::Error)
  warn "SQLSTATE: #{cause.result.error_field(PG::PG_DIAG_SQLSTATE)}" if cause && cause.result
  exit 1
end
puts "versions: #{context.get_all_versions.join(',')}"
