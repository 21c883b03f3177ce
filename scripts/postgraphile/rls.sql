-- The row scope Guanxi applies to a MANAGER or SALES user, written as PostgreSQL row-level
-- security for PostGraphile: a customer is visible when its owner is the user or below them,
-- when it is in the public pool, or when it is shared with them; a contact when its customer
-- is. Guanxi itself connects as the tables' owner, whom these policies do not bind.
DO $$ BEGIN CREATE ROLE gx_reader NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT gx_reader TO :"owner";
GRANT USAGE ON SCHEMA public TO gx_reader;
GRANT SELECT ON customers, contacts, users, org_closure, customer_shares TO gx_reader;

ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS gx_scope ON customers;
DROP POLICY IF EXISTS gx_scope ON contacts;
CREATE POLICY gx_scope ON customers FOR SELECT TO gx_reader USING (
  deleted_at IS NULL AND (
    owner_id IN (SELECT descendant_id FROM org_closure
                 WHERE ancestor_id = current_setting('jwt.claims.user_id', true)::uuid)
    OR owner_id IS NULL
    OR EXISTS (SELECT 1 FROM customer_shares s
               WHERE s.customer_id = customers.id
                 AND s.user_id = current_setting('jwt.claims.user_id', true)::uuid)));
CREATE POLICY gx_scope ON contacts FOR SELECT TO gx_reader USING (
  deleted_at IS NULL
  AND EXISTS (SELECT 1 FROM customers c WHERE c.id = contacts.customer_id));
