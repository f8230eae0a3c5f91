// name: new_upstream_relationships
// question: Which upstream -> downstream relationships first appeared in a window?
// description: After-action monitoring: call-flow edges between two providers whose first
//   traced call (over the whole graph) falls inside the window, for example a blocked
//   provider's traffic reappearing through a new upstream. One row per provider pair with the
//   first call, the traceback that showed it first, how many tracebacks carried the pair in
//   the window and their ids.
// param: since datetime required example=2024-04-01 -- window start (inclusive, UTC)
// param: until datetime default=null -- window end (exclusive, UTC); null: to the end
// returns: upstream_key, upstream_name, downstream_key, downstream_name, first_seen,
//   first_traceback_id, tracebacks_in_window, traceback_ids

// SENDS_TO.first_seen (the earliest ROUTED call of the pair, kept by the store) finds the
// candidate pairs without reading every edge; their ROUTED edges give the evidence
MATCH (u:Provider)-[s:SENDS_TO]->(d:Provider)
WHERE s.first_seen >= $since AND ($until IS NULL OR s.first_seen < $until)
MATCH (u)-[r:ROUTED]->(d)
WHERE $until IS NULL OR r.call_time < $until
WITH u, d, r
ORDER BY r.call_time, r.traceback_id
WITH u, d, collect(r) AS edges
WITH u, d, head(edges) AS first,
     COLLECT { UNWIND edges AS x WITH DISTINCT x.traceback_id AS id RETURN id ORDER BY id } AS ids
RETURN u.key AS upstream_key,
       u.name AS upstream_name,
       d.key AS downstream_key,
       d.name AS downstream_name,
       first.call_time AS first_seen,
       first.traceback_id AS first_traceback_id,
       size(ids) AS tracebacks_in_window,
       ids AS traceback_ids
ORDER BY first_seen, upstream_key, downstream_key
