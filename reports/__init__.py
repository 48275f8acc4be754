"""Reports of SPEC section 10: statistics over a period (CLI, API) and the CSV export of complaints."""
