// name: upstream_tree
// question: Who handed traffic to a provider, up to k hops upstream, and on how many tracebacks?
// description: The upstream tree of a provider, built only from the tracebacks that crossed it,
//   so every edge is a real step of a call that reached the provider. One row per call-flow
//   edge (upstream -> downstream) at each depth: depth 1 is the provider's direct upstream,
//   depth 2 the upstream's upstream, and so on. The weight is the number of distinct
//   tracebacks that carried the edge at that depth, with their ids.
// param: provider string required example="Delta Transit" -- provider key, name or alias
// param: k int default=2 range=1..6 -- how many hops upstream to follow
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// returns: depth, upstream_key, upstream_name, downstream_key, downstream_name, tracebacks,
//   traceback_ids
MATCH (p:Provider)
WHERE p.key = $provider OR toLower(p.name) = toLower($provider)
   OR any(a IN coalesce(p.aliases, []) WHERE toLower(a) = toLower($provider))
MATCH (t:Traceback)-[h:HOP]->(p)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
// ROUTED.hop is the downstream hop: the edge into p has hop = h.hop, the next one h.hop + 1
MATCH (u:Provider)-[r:ROUTED {traceback_id: t.id}]->(d:Provider)
WHERE r.hop >= h.hop AND r.hop < h.hop + $k
WITH r.hop - h.hop + 1 AS depth, u, d, t.id AS traceback_id
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
