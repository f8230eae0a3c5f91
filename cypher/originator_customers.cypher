// name: originator_customers
// question: Which customers (callers) did an originating provider serve, and on which campaigns?
// description: The customers that tracebacks identified behind a provider (the customer handed
//   the call to the provider at the traceback's originating hop), in the window. One row per
//   customer with the number of tracebacks, the campaigns, the first and last call and the
//   traceback ids.
// param: provider string required example="Harbor Dialer" -- provider key, name or alias
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// returns: customer_key, customer_name, tracebacks, campaigns, first_seen, last_seen,
//   traceback_ids
MATCH (p:Provider)
WHERE p.key = $provider OR toLower(p.name) = toLower($provider)
   OR any(a IN coalesce(p.aliases, []) WHERE toLower(a) = toLower($provider))
MATCH (c:Customer)-[co:CUSTOMER_OF]->(p)
MATCH (t:Traceback {id: co.traceback_id})
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
WITH c, t
ORDER BY t.id
WITH c, collect(DISTINCT t.id) AS traceback_ids, collect(DISTINCT t.campaign) AS campaigns,
     min(t.call_time) AS first_seen, max(t.call_time) AS last_seen
RETURN c.key AS customer_key,
       c.name AS customer_name,
       size(traceback_ids) AS tracebacks,
       COLLECT { UNWIND campaigns AS x RETURN x ORDER BY x } AS campaigns,
       first_seen,
       last_seen,
       traceback_ids
ORDER BY tracebacks DESC, customer_key
