"""Live updates: a broker carries committed events between workers; the hub fans them out to the
screens of this worker, rendering each fragment once per audience."""
