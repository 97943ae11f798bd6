"""The REST surface: the router, the route table, the in-process transport and the HTTP facade."""
