"""RocksDB store backend (rocksdict)."""
