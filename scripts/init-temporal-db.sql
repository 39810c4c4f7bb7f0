-- Temporal's auto-setup creates its own databases (temporal, temporal_visibility);
-- the kinerja database holds the event store and the read models.
SELECT 1;
