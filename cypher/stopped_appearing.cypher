// name: stopped_appearing
// question: Which providers stopped appearing in tracebacks after a date?
// description: After-action monitoring: providers that appeared on at least min_tracebacks
//   tracebacks before the date and on none from the date on. One row per provider with its
//   traced calls, the roles it played, its first and last call and the last traceback it
//   appeared on. Only meaningful when the loaded tracebacks run past the date.
// param: after datetime required example=2024-04-01 -- the date (UTC) from which the provider is absent
// param: min_tracebacks int default=1 range=1.. -- leave out providers seen on fewer tracebacks
// returns: provider_key, provider_name, tracebacks, roles, first_seen, last_seen,
//   last_traceback_id
MATCH (t:Traceback)-[h:HOP]->(p:Provider)
WITH p, h, t
ORDER BY t.call_time, t.id
WITH p, collect(DISTINCT t.id) AS ids, collect(DISTINCT h.role) AS roles,
     min(t.call_time) AS first_seen, max(t.call_time) AS last_seen
WHERE last_seen < $after AND size(ids) >= $min_tracebacks
RETURN p.key AS provider_key,
       p.name AS provider_name,
       size(ids) AS tracebacks,
       COLLECT { UNWIND roles AS r RETURN r ORDER BY r } AS roles,
       first_seen,
       last_seen,
       last(ids) AS last_traceback_id
ORDER BY last_seen, provider_key
