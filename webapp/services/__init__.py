"""Domain operations: the only place that changes state (web, API and bot share them)."""
