"""KPI definitions (DESIGN §7) and the queries and rollups that compute them."""
