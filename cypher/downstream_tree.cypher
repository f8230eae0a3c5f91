// name: downstream_tree
// question: Where did a provider send its traffic, up to k hops downstream?
// description: The downstream tree of a provider, built only from the tracebacks that crossed
//   it. One row per call-flow edge (upstream -> downstream) at each depth: depth 1 is the
//   provider's direct downstream, depth 2 the next one towards the terminating carrier. The
//   weight is the number of distinct tracebacks that carried the edge at that depth.
// param: provider string required example="Harbor Dialer" -- provider key, name or alias
// param: k int default=2 range=1..6 -- how many hops downstream to follow
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// returns: depth, upstream_key, upstream_name, downstream_key, downstream_name, tracebacks,
//   traceback_ids
MATCH (p:Provider)
WHERE p.key = $provider OR toLower(p.name) = toLower($provider)
   OR any(a IN coalesce(p.aliases, []) WHERE toLower(a) = toLower($provider))
MATCH (t:Traceback)-[h:HOP]->(p)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
// ROUTED.hop is the downstream hop: the edge out of p has hop = h.hop - 1
MATCH (u:Provider)-[r:ROUTED {traceback_id: t.id}]->(d:Provider)
WHERE r.hop < h.hop AND r.hop >= h.hop - $k
WITH h.hop - r.hop AS depth, u, d, t.id AS traceback_id
ORDER BY traceback_id
WITH depth, u, d, collect(DISTINCT traceback_id) AS traceback_ids
RETURN depth,
       u.key AS upstream_key,
       u.name AS upstream_name,
       d.key AS downstream_key,
       d.name AS downstream_name,
       size(traceback_ids) AS tracebacks,
       traceback_ids
ORDER BY depth, tracebacks DESC, upstream_key, downstream_key
