"""r5-devmongo: a MongoDB-wire-compatible development server.

mongomock is the query engine; this package adds the wire protocol
(wire.py), the command layer in MongoDB's reply shapes (commands.py),
equality indexes and write tracking patched into mongomock (engine.py)
and an append-only journal with compaction (journal.py).
"""
