"""SQL sink (JDBC-style): replicate topics into PostgreSQL and MariaDB/MySQL tables."""
