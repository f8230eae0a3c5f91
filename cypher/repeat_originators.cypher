// name: repeat_originators
// question: Which providers originated the most traced calls in a window?
// description: Ranks providers by the number of distinct tracebacks on which they played the
//   originating role (their upstream was a customer, not a carrier). Ties share a rank
//   (1, 2, 2, 4). Each row lists the campaigns and the customers identified on those calls,
//   and the traceback ids behind the count.
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// param: min_tracebacks int default=1 range=1.. -- leave out providers with fewer tracebacks
// returns: rank, provider_key, provider_name, originating_tracebacks, first_seen, last_seen,
//   campaigns, customers, traceback_ids
MATCH (t:Traceback)-[h:HOP {role: 'originating'}]->(p:Provider)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
WITH p, t, h
ORDER BY t.id
WITH p, collect(DISTINCT t.id) AS traceback_ids, min(t.call_time) AS first_seen,
     max(t.call_time) AS last_seen, collect(DISTINCT t.campaign) AS campaigns,
     collect(DISTINCT h.customer_key) AS customers
WHERE size(traceback_ids) >= $min_tracebacks
WITH collect({p: p, n: size(traceback_ids), ids: traceback_ids, first: first_seen,
              last: last_seen, campaigns: campaigns, customers: customers}) AS rows
UNWIND rows AS row
RETURN 1 + size([x IN rows WHERE x.n > row.n]) AS rank,
       row.p.key AS provider_key,
       row.p.name AS provider_name,
       row.n AS originating_tracebacks,
       row.first AS first_seen,
       row.last AS last_seen,
       COLLECT { UNWIND row.campaigns AS c RETURN c ORDER BY c } AS campaigns,
       COLLECT { UNWIND row.customers AS c RETURN c ORDER BY c } AS customers,
       row.ids AS traceback_ids
ORDER BY rank, provider_key
