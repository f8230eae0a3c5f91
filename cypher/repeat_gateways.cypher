// name: repeat_gateways
// question: Which providers were the U.S. point of entry (gateway) on the most tracebacks in a window?
// description: Ranks providers by the number of distinct tracebacks on which they played the
//   gateway role (they received the call directly from a foreign provider). Ties share a rank
//   (1, 2, 2, 4). Each row lists the upstream providers that handed the provider those calls
//   and the traceback ids behind the count, so a target list is backed by its evidence.
// param: since datetime default=null -- window start on the call time (inclusive, UTC)
// param: until datetime default=null -- window end on the call time (exclusive, UTC)
// param: min_tracebacks int default=1 range=1.. -- leave out providers with fewer tracebacks
// returns: rank, provider_key, provider_name, gateway_tracebacks, first_seen, last_seen,
//   upstream_keys, traceback_ids
MATCH (t:Traceback)-[h:HOP {role: 'gateway'}]->(p:Provider)
WHERE ($since IS NULL OR t.call_time >= $since) AND ($until IS NULL OR t.call_time < $until)
OPTIONAL MATCH (u:Provider)-[:ROUTED {traceback_id: t.id, hop: h.hop}]->(p)
WITH p, t, u
ORDER BY t.id
WITH p, collect(DISTINCT t.id) AS traceback_ids, min(t.call_time) AS first_seen,
     max(t.call_time) AS last_seen, collect(DISTINCT u.key) AS upstreams
WHERE size(traceback_ids) >= $min_tracebacks
WITH collect({p: p, n: size(traceback_ids), ids: traceback_ids, first: first_seen,
              last: last_seen, ups: upstreams}) AS rows
UNWIND rows AS row
RETURN 1 + size([x IN rows WHERE x.n > row.n]) AS rank,
       row.p.key AS provider_key,
       row.p.name AS provider_name,
       row.n AS gateway_tracebacks,
       row.first AS first_seen,
       row.last AS last_seen,
       COLLECT { UNWIND row.ups AS k RETURN k ORDER BY k } AS upstream_keys,
       row.ids AS traceback_ids
ORDER BY rank, provider_key
