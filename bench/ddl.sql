-- The ddl workload: each client works on a table of its own.  The
-- safe_ddl settings are placeholders on the clusters that do not load it.
SET lock_timeout = '5s';
SET safe_ddl.allow_destructive = on;
CREATE TABLE bench_:client_id (id int, payload text);
ALTER TABLE bench_:client_id ADD COLUMN note text;
CREATE INDEX ON bench_:client_id (id);
COMMENT ON TABLE bench_:client_id IS 'bench';
DROP TABLE bench_:client_id;
