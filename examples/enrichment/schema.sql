-- The shop the enrichment example denormalises. No foreign-key constraints: CDC consumers see deletes in
-- any order, and the streams app keeps every order's document right whichever row goes first.
CREATE TABLE IF NOT EXISTS customers (id int PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2));
CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, customer_id int, product_id int, quantity int NOT NULL);
INSERT INTO customers VALUES (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'grace@example.com') ON CONFLICT DO NOTHING;
INSERT INTO products VALUES (1, 'Kettle', 24.90), (2, 'Teapot', 31.50) ON CONFLICT DO NOTHING;
INSERT INTO orders VALUES (1, 1, 1, 2), (2, 1, 2, 1), (3, 2, 2, 4) ON CONFLICT DO NOTHING;
