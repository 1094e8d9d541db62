"""Analytics: KPI events and the engagement and funnel facts derived from them."""
