"""Read models: SQL projections of the domain log (tracked, rebuildable), their queries, and the HR org import."""
