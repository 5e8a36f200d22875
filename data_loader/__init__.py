"""Everything that writes cases: demo seed and simulator, file importers, sync from a case DB.

Writes go through dashboard's schema (dashboard.store.schema / dashboard.store.db); nothing here is imported
by the web app at request time.
"""
