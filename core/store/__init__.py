"""Storage: the engine, migrations, bulk reads and writes, scratch files. The rest of
``core`` reaches the database through here. Kept free of imports so that the app's
first read (``first_read``) stays light."""
