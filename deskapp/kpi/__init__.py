"""KPI definitions (docs/user-guide.md, KPIs) and the queries and rollups that compute them."""
