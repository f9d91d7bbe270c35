-- serial: the id comes from the sequence items_id_seq, on which the app's role needs USAGE
-- to insert (README step 2, PostgreSQL).
CREATE TABLE IF NOT EXISTS items (
  id serial PRIMARY KEY,
  name varchar(200) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
