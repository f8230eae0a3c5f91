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
MATCH (u:Provider)-[r:ROUTED]->(d:Provider)
WITH u, d, r
ORDER BY r.call_time, r.traceback_id
WITH u, d, collect(r) AS edges
WITH u, d, edges, head(edges) AS first
WHERE first.call_time >= $since AND ($until IS NULL OR first.call_time < $until)
WITH u, d, first,
     [x IN edges WHERE $until IS NULL OR x.call_time < $until | x.traceback_id] AS in_window
WITH u, d, first, COLLECT { UNWIND in_window AS id RETURN DISTINCT id ORDER BY id } AS ids
RETURN u.key AS upstream_key,
       u.name AS upstream_name,
       d.key AS downstream_key,
       d.name AS downstream_name,
       first.call_time AS first_seen,
       first.traceback_id AS first_traceback_id,
       size(ids) AS tracebacks_in_window,
       ids AS traceback_ids
ORDER BY first_seen, upstream_key, downstream_key
